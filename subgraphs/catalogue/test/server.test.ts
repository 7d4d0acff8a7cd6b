import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { RunningSubgraph } from '@cancer-imaging/provider-kit';
import { postgresTestsEnabled, startLocalPostgres, type LocalPostgres } from '@cancer-imaging/provider-kit/testing';
import { CatalogueError, createCatalogueLogger, REPO_ROOT, startCatalogue } from '../src/index.js';
import { FIXTURE_REGISTRY_PATH, silentLogger } from './helpers.js';

const MAIN = fileURLToPath(new URL('../src/main.ts', import.meta.url));

async function postQuery(url: string, query: string): Promise<{ status: number; body: { data?: unknown; errors?: unknown } }> {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query }) });
  return { status: response.status, body: (await response.json()) as { data?: unknown; errors?: unknown } };
}

/** The graph stores a deployment can name: a SQLite file, and a real PostgreSQL when one can be had. */
const STORES = [
  { name: 'a SQLite file', enabled: true, databaseUrl: async (dir: string) => `sqlite:${path.join(dir, 'graph.sqlite')}` },
  { name: 'PostgreSQL', enabled: postgresTestsEnabled(), databaseUrl: async () => (await postgres()).createDatabase() },
];
let postgresServer: Promise<LocalPostgres> | undefined;
const postgres = () => (postgresServer ??= startLocalPostgres());
afterAll(async () => { await (await postgresServer)?.stop(); });

describe('startCatalogue', () => {
  let running: RunningSubgraph | undefined;
  afterEach(async () => {
    await running?.close();
    running = undefined;
  });

  it('loads the registry file and serves the catalogue over HTTP on the configured host', async () => {
    running = await startCatalogue({
      config: { host: '127.0.0.1', port: 0, registryPath: FIXTURE_REGISTRY_PATH, logLevel: 'silent', databaseUrl: 'sqlite::memory:', env: 'development' as const, defaultDatabasePath: '/nonexistent/graph.sqlite' },
      logger: silentLogger,
    });
    expect(running.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/graphql$/);
    const { status, body } = await postQuery(running.url, '{ providers { id } datasets(filter: { countries: ["IT"] }) { totalCount } }');
    expect(status).toBe(200);
    expect(body.data).toEqual({
      providers: [{ id: 'demo-es' }, { id: 'demo-nl' }, { id: 'xnat-de' }, { id: 'xnat-fr' }, { id: 'xnat-it' }],
      datasets: { totalCount: 2 },
    });
    const health = await fetch(new URL('/healthz', running.url));
    expect(await health.json()).toEqual({ status: 'ok', subgraph: 'catalogue' });
  });

  it.each(STORES.filter((store) => store.enabled))('keeps saved cohorts across a restart, in $name', async ({ databaseUrl }) => {
    const dir = await mkdtemp(path.join(tmpdir(), 'cig-catalogue-store-'));
    try {
      const config = { host: '127.0.0.1', port: 0, registryPath: FIXTURE_REGISTRY_PATH, logLevel: 'silent' as const, databaseUrl: await databaseUrl(dir), defaultDatabasePath: '/nonexistent/graph.sqlite', env: 'development' as const };
      running = await startCatalogue({ config, logger: silentLogger });
      const saved = await postQuery(running.url, 'mutation { saveCohort(criteria: { cancerTypes: [LUNG], modalities: [CT] }) { id createdAt } }');
      const { id, createdAt } = (saved.body.data as { saveCohort: { id: string; createdAt: string } }).saveCohort;
      await running.close();
      running = await startCatalogue({ config, logger: silentLogger });
      const found = await postQuery(running.url, `{ savedCohort(id: "${id}") { id createdAt criteria { cancerTypes modalities } } }`);
      expect(found.body).toEqual({ data: { savedCohort: { id, createdAt, criteria: { cancerTypes: ['LUNG'], modalities: ['CT'] } } } });
    } finally {
      await running?.close();
      running = undefined;
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('rejects, before listening, a database URL it cannot open', async () => {
    await expect(startCatalogue({
      config: { host: '127.0.0.1', port: 0, registryPath: FIXTURE_REGISTRY_PATH, logLevel: 'silent', databaseUrl: 'postgresql://cig:pw@127.0.0.1:1/cig', defaultDatabasePath: '/nonexistent', env: 'development' },
      logger: silentLogger,
    })).rejects.toThrow(/ECONNREFUSED/);
  });

  it('rejects when the registry file is missing', async () => {
    await expect(startCatalogue({
      config: { host: '127.0.0.1', port: 0, registryPath: '/nonexistent/registry.yaml', logLevel: 'silent', databaseUrl: 'sqlite::memory:', env: 'development' as const, defaultDatabasePath: '/nonexistent/graph.sqlite' },
      logger: silentLogger,
    })).rejects.toThrow(/ENOENT/);
  });

  it('rejects, before listening, a registry whose curated metadata leaves the contract', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'cig-catalogue-'));
    try {
      const registryPath = path.join(dir, 'registry.yaml');
      await writeFile(registryPath, JSON.stringify({
        sites: [{ id: 's', name: 'S', country: 'NL', kind: 'custom', baseUrl: 'file:x' }],
        datasets: [{ site: 's', localId: 'd', title: 'D', cancerTypes: ['MELANOMA'], publisher: { name: 'P' } }],
      }));
      await expect(startCatalogue({ config: { host: '127.0.0.1', port: 0, registryPath, logLevel: 'silent', databaseUrl: 'sqlite::memory:', env: 'development' as const, defaultDatabasePath: '/nonexistent/graph.sqlite' }, logger: silentLogger }))
        .rejects.toThrow(CatalogueError);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('createCatalogueLogger', () => {
  it('writes JSON lines at the chosen level with credentials redacted', () => {
    const lines: string[] = [];
    const logger = createCatalogueLogger('info', { write: (line: string) => void lines.push(line) });
    logger.debug('hidden');
    logger.info({ headers: { authorization: 'Bearer secret', accept: 'json' }, upstream: { token: 't0k3n' } }, 'visible');
    expect(lines).toHaveLength(1);
    const entry = JSON.parse(lines[0] ?? '{}') as Record<string, unknown>;
    expect(entry).toMatchObject({ name: 'catalogue', msg: 'visible', headers: { authorization: '[Redacted]', accept: 'json' }, upstream: { token: '[Redacted]' } });
  });
});

describe('main.ts', () => {
  let child: ChildProcess | undefined;
  afterEach(() => {
    if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    child = undefined;
  });

  function startMain(env: Record<string, string>): { child: ChildProcess; lines: AsyncIterableIterator<string> } {
    const started = spawn(process.execPath, ['--conditions=development', '--import', 'tsx', MAIN], {
      cwd: REPO_ROOT,
      // An in-memory store unless a test names one: a test run must not write the checkout's database.
      env: { PATH: process.env['PATH'] ?? '', CIG_DATABASE_URL: 'sqlite::memory:', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child = started;
    if (!started.stdout) throw new Error('no stdout');
    return { child: started, lines: createInterface({ input: started.stdout })[Symbol.asyncIterator]() };
  }

  async function nextEntry(lines: AsyncIterableIterator<string>, msg: string): Promise<Record<string, unknown>> {
    for (;;) {
      const { value, done } = await lines.next();
      if (done) throw new Error(`stdout ended before "${msg}"`);
      const entry = JSON.parse(value) as Record<string, unknown>;
      if (entry['msg'] === msg) return entry;
    }
  }

  it.each(['SIGTERM', 'SIGINT'] as const)('serves the registry named by CIG_REGISTRY and stops cleanly on %s', async (signal) => {
    const { child: main, lines } = startMain({ CIG_CATALOGUE_PORT: '0', CIG_REGISTRY: FIXTURE_REGISTRY_PATH, CIG_LOG_LEVEL: 'info' });
    const listening = await nextEntry(lines, 'subgraph listening');
    const url = String(listening['url']);
    const { body } = await postQuery(url, '{ dataset(id: "demo-nl:custom:prostate-mr-1") { title } }');
    expect(body.data).toEqual({ dataset: { title: 'Prostate MRI cohort' } });
    const exited = once(main, 'exit');
    // Apollo Server installs its own signal handler outside NODE_ENV=test; the child runs
    // without NODE_ENV, as in production, so this proves main.ts still stops cleanly.
    main.kill(signal);
    // Read to the end: under load pino may write the last two lines out of order, so their
    // order is judged by their times, not by their positions.
    const rest: Record<string, unknown>[] = [];
    for await (const line of lines) rest.push(JSON.parse(line) as Record<string, unknown>);
    const stopping = rest.find((entry) => entry['msg'] === 'catalogue stopping');
    const stopped = rest.find((entry) => entry['msg'] === 'catalogue stopped');
    expect(stopping).toMatchObject({ signal });
    expect(stopped).toBeDefined();
    expect(Number(stopped!['time'])).toBeGreaterThanOrEqual(Number(stopping!['time']));
    const [code] = (await exited) as [number | null];
    expect(code).toBe(0);
    await expect(fetch(url)).rejects.toThrow();
  });

  it('exits 1 with a message naming the variable when the configuration is invalid', async () => {
    const { child: main } = startMain({ CIG_CATALOGUE_PORT: 'http' });
    let stderr = '';
    main.stderr?.on('data', (chunk: Buffer) => { stderr += chunk.toString('utf8'); });
    const [code] = (await once(main, 'exit')) as [number | null];
    expect(code).toBe(1);
    expect(stderr).toContain('CIG_CATALOGUE_PORT');
  });

  it('refuses a CIG_DATABASE_URL it cannot use, naming the variable', async () => {
    const { child: main } = startMain({ CIG_DATABASE_URL: 'mongodb://db/cig' });
    let stderr = '';
    main.stderr?.on('data', (chunk: Buffer) => { stderr += chunk.toString('utf8'); });
    const [code] = (await once(main, 'exit')) as [number | null];
    expect(code).toBe(1);
    expect(stderr).toContain('CIG_DATABASE_URL');
  });

  it('exits 1 after logging why when the registry cannot be loaded', async () => {
    const { child: main, lines } = startMain({ CIG_CATALOGUE_PORT: '0', CIG_REGISTRY: 'no/such/registry.yaml' });
    const fatal = await nextEntry(lines, 'catalogue failed to start');
    expect(fatal['level']).toBe(60);
    const [code] = (await once(main, 'exit')) as [number | null];
    expect(code).toBe(1);
  });
});
