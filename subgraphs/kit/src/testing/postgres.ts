import { execFile, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, statfsSync } from 'node:fs';
import { chown, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { missingTestTool } from '../missing-test-tool.js';
import { freePort } from '../net/free-port.js';

/**
 * A real PostgreSQL for tests. With CIG_TEST_DATABASE_URL (a server CI or a developer runs),
 * each start creates a fresh database there. Otherwise it starts a private server from
 * Debian's binaries (apt-get install postgresql): a temporary data directory, loopback only
 * on a free port, its socket in that directory, a random password, durability off for
 * speed. Start one per test file and make databases on it with createDatabase().
 */

/** Where Debian installs each major version's binaries: /usr/lib/postgresql/<major>/bin. */
const DEBIAN_POSTGRES_ROOT = '/usr/lib/postgresql';
/** The system user PostgreSQL runs as when we are root (it refuses to run as root). */
const POSTGRES_USER = 'postgres';
const START_TIMEOUT_MS = 30_000;

/**
 * Runs the server under a shell that stops it (SIGINT, PostgreSQL's fast shutdown) when its
 * stdin closes: when stop() ends the pipe, and also when the test process dies without
 * stopping it, so a crashed run leaves no server and no files behind. The shell exits with
 * the server's status, and prints its PID first for a last-resort kill.
 */
const WATCHDOG = [
  'exec 3<&0',
  '"$@" 3<&- </dev/null & pid=$!',
  'echo "pid=$pid" >&2',
  '(read -r _ <&3; kill -INT "$pid" 2>/dev/null) &',
  'wait "$pid"; status=$?',
  'rm -rf "$CIG_PG_WORK_DIR"',
  'exit "$status"',
].join('\n');

/** Room a test file's databases may take in memory (each new database is about 8 MB). */
const MIN_RAM_DISK_BYTES = 2 ** 30;

/**
 * Data in memory when the machine has a roomy RAM file system: CREATE DATABASE copies its
 * template about ten times faster there (tens of ms, not hundreds), which a suite making a
 * database per test feels. A container's small default /dev/shm (64 MB) is passed over.
 */
function dataRoot(): string {
  try {
    const fs = statfsSync('/dev/shm');
    if (fs.bavail * fs.bsize >= MIN_RAM_DISK_BYTES) return '/dev/shm';
  } catch {
    // no /dev/shm here
  }
  return tmpdir();
}

const execFileAsync = promisify(execFile);

export interface LocalPostgres {
  /** URL of an empty database created for the caller. */
  readonly url: string;
  /** Creates another empty database on the same server; returns its URL. Dropped on stop(). */
  createDatabase(): Promise<string>;
  /** Drops the databases it created; stops the private server (by PID) and removes its files. */
  stop(): Promise<void>;
}

/** The newest installed server's bin directory (or CIG_TEST_POSTGRES_BIN), if any. */
export function postgresBinDir(): string | undefined {
  const override = process.env['CIG_TEST_POSTGRES_BIN'];
  const candidates = override
    ? [override]
    : (existsSync(DEBIAN_POSTGRES_ROOT) ? readdirSync(DEBIAN_POSTGRES_ROOT) : [])
      .filter((name) => /^\d+(\.\d+)?$/.test(name))
      .sort((a, b) => Number(b) - Number(a))
      .map((version) => path.join(DEBIAN_POSTGRES_ROOT, version, 'bin'));
  return candidates.find((dir) => existsSync(path.join(dir, 'initdb')) && existsSync(path.join(dir, 'postgres')));
}

function systemUserIds(user: string): { uid: number; gid: number } | undefined {
  const uid = spawnSync('id', ['-u', user], { encoding: 'utf8' });
  const gid = spawnSync('id', ['-g', user], { encoding: 'utf8' });
  if (uid.status !== 0 || gid.status !== 0) return undefined;
  return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
}

const runningAsRoot = (): boolean => process.getuid?.() === 0;

/** Why no PostgreSQL can be had here, or undefined when one can. */
function missingPostgres(): string | undefined {
  if (process.env['CIG_TEST_DATABASE_URL']) return undefined;
  if (!postgresBinDir()) return `PostgreSQL is not installed (no ${DEBIAN_POSTGRES_ROOT}/<version>/bin/initdb)`;
  if (runningAsRoot() && !systemUserIds(POSTGRES_USER)) return `running as root and there is no "${POSTGRES_USER}" system user to run PostgreSQL as`;
  return undefined;
}

/**
 * Whether tests that need a real PostgreSQL can run. Without one they are skipped with a
 * loud message, except under CI=true where it is a failure: CI installs it.
 */
export function postgresTestsEnabled(): boolean {
  const missing = missingPostgres();
  if (!missing) return true;
  return missingTestTool(`${missing} (apt-get install postgresql, or set CIG_TEST_DATABASE_URL): the PostgreSQL tests cannot run.`);
}


const withDatabase = (serverUrl: string, database: string): string => {
  const url = new URL(serverUrl);
  url.pathname = `/${database}`;
  return url.toString();
};

/** Creates and drops uniquely named databases on a server reached at `adminUrl`. */
function databaseFactory(adminUrl: string) {
  const created: string[] = [];
  const admin = async <T>(work: (query: (sql: string) => Promise<unknown>) => Promise<T>): Promise<T> => {
    const { default: pg } = await import('pg');
    const client = new pg.Client({ connectionString: adminUrl });
    await client.connect();
    try {
      return await work((sql) => client.query(sql));
    } finally {
      await client.end();
    }
  };
  return {
    async create(): Promise<string> {
      // The name is ours (hex), so it can be spliced into DDL, which takes no parameters.
      const name = `cig_test_${randomBytes(6).toString('hex')}`;
      await admin((query) => query(`CREATE DATABASE ${name}`));
      created.push(name);
      return withDatabase(adminUrl, name);
    },
    async dropAll(): Promise<void> {
      if (created.length === 0) return;
      await admin(async (query) => {
        for (const name of created.splice(0)) await query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      });
    },
  };
}

async function waitUntilAccepting(url: string, exited: () => string | undefined): Promise<void> {
  const { default: pg } = await import('pg');
  const deadline = Date.now() + START_TIMEOUT_MS;
  for (;;) {
    const why = exited();
    if (why) throw new Error(why);
    const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 1_000 });
    try {
      await client.connect();
      await client.end();
      return;
    } catch (error) {
      await client.end().catch(() => undefined);
      if (Date.now() > deadline) throw new Error(`PostgreSQL did not accept connections within ${START_TIMEOUT_MS} ms`, { cause: error });
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Starts (or, with CIG_TEST_DATABASE_URL, borrows) a PostgreSQL and creates a fresh database on it. */
export async function startLocalPostgres(): Promise<LocalPostgres> {
  const shared = process.env['CIG_TEST_DATABASE_URL'];
  if (shared) {
    const databases = databaseFactory(shared);
    return { url: await databases.create(), createDatabase: () => databases.create(), stop: () => databases.dropAll() };
  }

  const bin = postgresBinDir();
  if (!bin) throw new Error(`PostgreSQL is not installed (no ${DEBIAN_POSTGRES_ROOT}/<version>/bin/initdb); apt-get install postgresql`);
  const owner = runningAsRoot() ? systemUserIds(POSTGRES_USER) : undefined;
  if (runningAsRoot() && !owner) throw new Error(`Running as root and there is no "${POSTGRES_USER}" system user to run PostgreSQL as.`);

  const workDir = await mkdtemp(path.join(dataRoot(), 'cig-postgres-'));
  const dataDir = path.join(workDir, 'data');
  const password = randomBytes(18).toString('base64url');
  const passwordFile = path.join(workDir, 'password');
  await writeFile(passwordFile, `${password}\n`, { mode: 0o600 });
  // PostgreSQL refuses to run as root: as root, hand the directory to the postgres user
  // and run both programs as that user (libuv drops root's supplementary groups too).
  if (owner) {
    await chown(workDir, owner.uid, owner.gid);
    await chown(passwordFile, owner.uid, owner.gid);
  }
  const asOwner = { cwd: workDir, env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin' }, ...(owner && { uid: owner.uid, gid: owner.gid }) };

  let child: ReturnType<typeof spawn> | undefined;
  let output = '';
  let serverPid: number | undefined;
  const stopServer = async (): Promise<void> => {
    if (child && child.exitCode === null && child.signalCode === null) {
      const exited = new Promise<void>((resolve) => child!.once('exit', () => resolve()));
      child.stdin!.end();
      // The server ignored its fast shutdown: kill it, by the PID the watchdog printed.
      const timer = setTimeout(() => { if (serverPid) process.kill(serverPid, 'SIGKILL'); }, 10_000);
      await exited;
      clearTimeout(timer);
    }
    // Also ends the watchdog's reader when the server had exited by itself.
    child?.stdin?.end();
    await rm(workDir, { recursive: true, force: true });
  };

  try {
    await execFileAsync(path.join(bin, 'initdb'), [
      '--pgdata', dataDir, '--username', 'postgres', '--pwfile', passwordFile, '--auth-local', 'trust', '--auth-host', 'scram-sha-256',
      '--encoding', 'UTF8', '--locale', 'C', '--no-sync',
    ], asOwner);
    const port = await freePort();
    child = spawn('/bin/sh', ['-c', WATCHDOG, 'postgres-watchdog', path.join(bin, 'postgres'),
      '-D', dataDir, '-p', String(port), '-k', workDir,
      '-c', 'listen_addresses=127.0.0.1',
      // Throw-away data: skip every flush to disk, start-up and tests go faster.
      '-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off',
    ], { ...asOwner, env: { ...asOwner.env, CIG_PG_WORK_DIR: workDir }, stdio: ['pipe', 'pipe', 'pipe'] });
    const keep = (chunk: Buffer) => {
      output = (output + chunk.toString('utf8')).slice(-8_000);
      serverPid ??= Number(/pid=(\d+)/.exec(output)?.[1]) || undefined;
    };
    child.stdout!.on('data', keep);
    child.stderr!.on('data', keep);
    const serverUrl = `postgresql://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/postgres`;
    await waitUntilAccepting(serverUrl, () => (child!.exitCode !== null || child!.signalCode !== null ? `PostgreSQL exited during start-up:\n${output}` : undefined));
    const databases = databaseFactory(serverUrl);
    const url = await databases.create();
    return {
      url,
      createDatabase: () => databases.create(),
      async stop() {
        // The server and its files go anyway: no need to drop each database first.
        await stopServer();
      },
    };
  } catch (error) {
    await stopServer();
    throw error instanceof Error && output && !error.message.includes(output) ? new Error(`${error.message}\n${output}`, { cause: error }) : error;
  }
}
