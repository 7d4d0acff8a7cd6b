import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import Database from 'better-sqlite3';
import pg from 'pg';
import { postgresTestsEnabled, startLocalPostgres, type LocalPostgres } from '../src/testing/postgres.js';

/**
 * The two engines the store suite runs against, each with what a test needs beyond the
 * GraphStore itself: fresh databases, and a raw connection that goes around the store (as
 * a careless script or another service would) to prove what the database itself enforces.
 */
export interface StoreEngine {
  readonly name: 'sqlite' | 'postgres';
  readonly enabled: boolean;
  setUp(): Promise<void>;
  tearDown(): Promise<void>;
  /** URL of a new, empty database. */
  freshUrl(): Promise<string>;
  /** Runs SQL on the database at `url` over its own connection, outside the store. */
  raw(url: string, sql: string): Promise<void>;
  /** Reads one integer with raw SQL. */
  rawNumber(url: string, sql: string): Promise<number>;
  /** Makes any insert of a grant for `datasetId` fail inside the database (a fault mid-transaction). */
  failGrantsFor(url: string, datasetId: string): Promise<void>;
  /** The schema version the database records. */
  schemaVersion(url: string): Promise<number>;
  /** Marks the database as migrated by a future release. */
  pretendNewerSchema(url: string): Promise<void>;
}

function sqliteEngine(): StoreEngine {
  let dir = '';
  const fileOf = (url: string) => url.slice('sqlite:'.length);
  const withDb = <T>(url: string, work: (db: Database.Database) => T): T => {
    const db = new Database(fileOf(url));
    try {
      return work(db);
    } finally {
      db.close();
    }
  };
  return {
    name: 'sqlite',
    enabled: true,
    async setUp() { dir = await mkdtemp(path.join(tmpdir(), 'cig-store-')); },
    async tearDown() { await rm(dir, { recursive: true, force: true }); },
    async freshUrl() { return `sqlite:${path.join(dir, randomUUID(), 'graph.sqlite')}`; },
    async raw(url, sql) { withDb(url, (db) => db.exec(sql)); },
    async rawNumber(url, sql) { return withDb(url, (db) => Number(db.prepare(sql).pluck().get())); },
    async failGrantsFor(url, datasetId) {
      withDb(url, (db) => db.exec(`CREATE TRIGGER test_fault BEFORE INSERT ON access_grant WHEN NEW.dataset_id = '${datasetId}'
        BEGIN SELECT RAISE(ABORT, 'injected fault'); END`));
    },
    async schemaVersion(url) { return withDb(url, (db) => db.pragma('user_version', { simple: true }) as number); },
    async pretendNewerSchema(url) { withDb(url, (db) => db.pragma('user_version = 99')); },
  };
}

function postgresEngine(): StoreEngine {
  let server: LocalPostgres | undefined;
  const query = async (url: string, sql: string) => {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      return await client.query(sql);
    } finally {
      await client.end();
    }
  };
  return {
    name: 'postgres',
    enabled: postgresTestsEnabled(),
    async setUp() { server = await startLocalPostgres(); },
    async tearDown() { await server?.stop(); },
    async freshUrl() { return server!.createDatabase(); },
    async raw(url, sql) { await query(url, sql); },
    async rawNumber(url, sql) { return Number(Object.values((await query(url, sql)).rows[0] as object)[0]); },
    async failGrantsFor(url, datasetId) {
      await query(url, `CREATE FUNCTION test_fault() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN IF NEW.dataset_id = '${datasetId}' THEN RAISE EXCEPTION 'injected fault'; END IF; RETURN NEW; END $$;
        CREATE TRIGGER test_fault BEFORE INSERT ON access_grant FOR EACH ROW EXECUTE FUNCTION test_fault();`);
    },
    async schemaVersion(url) { return Number((await query(url, 'SELECT max(version) AS v FROM schema_version')).rows[0].v); },
    async pretendNewerSchema(url) { await query(url, 'INSERT INTO schema_version (version) VALUES (99)'); },
  };
}

export const STORE_ENGINES: readonly StoreEngine[] = [sqliteEngine(), postgresEngine()];

const OPEN_STORE_MODULE = pathToFileURL(fileURLToPath(new URL('../src/store/open-store.ts', import.meta.url))).href;
const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/**
 * Runs `body` in a new Node process with `store` opened on `url` (a restart, as far as the
 * database can tell); resolves with what the body returned, as JSON.
 */
export async function inChildProcess(url: string, body: string, env: Record<string, string> = {}): Promise<unknown> {
  const program = `
    const { openGraphStore } = await import(${JSON.stringify(OPEN_STORE_MODULE)});
    const store = await openGraphStore(process.env.CIG_TEST_STORE_URL, { defaultSqlitePath: '/nonexistent/graph.sqlite' });
    try {
      const result = await (async () => { ${body} })();
      process.stdout.write(JSON.stringify(result ?? null));
    } finally {
      await store.close();
    }`;
  const child = spawn(process.execPath, ['--conditions=development', '--import', 'tsx', '--input-type=module', '-e', program], {
    cwd: REPO_ROOT, env: { PATH: process.env['PATH'] ?? '', CIG_TEST_STORE_URL: url, ...env }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => { stdout += chunk.toString('utf8'); });
  child.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString('utf8'); });
  const code = await new Promise<number | null>((resolve, reject) => { child.once('error', reject); child.once('exit', resolve); });
  if (code !== 0) throw new Error(`child process exited ${code}:\n${stderr}`);
  return JSON.parse(stdout) as unknown;
}
