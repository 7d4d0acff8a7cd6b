import { existsSync } from 'node:fs';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { postgresBinDir, postgresTestsEnabled, startLocalPostgres, type LocalPostgres } from '../src/testing/index.js';

/** The real-PostgreSQL harness the store suite (and later e2e tests) stand on. */

async function databaseOf(url: string): Promise<string> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<{ db: string }>('SELECT current_database() AS db')).rows[0]!.db;
  } finally {
    await client.end();
  }
}

describe('postgresTestsEnabled', () => {
  afterEach(() => { vi.unstubAllEnvs(); vi.restoreAllMocks(); });

  it('fails loudly under CI when no PostgreSQL can be had, and skips loudly elsewhere', () => {
    vi.stubEnv('CIG_TEST_DATABASE_URL', '');
    vi.stubEnv('CIG_TEST_POSTGRES_BIN', '/nonexistent/bin');
    vi.stubEnv('CI', 'true');
    expect(() => postgresTestsEnabled()).toThrow(/PostgreSQL is not installed.*CI must install it/);
    vi.stubEnv('CI', '');
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    expect(postgresTestsEnabled()).toBe(false);
    expect(warn).toHaveBeenCalledWith(expect.stringMatching(/apt-get install postgresql.*SKIPPING/));
  });

  it('is enabled by CIG_TEST_DATABASE_URL alone', () => {
    vi.stubEnv('CIG_TEST_DATABASE_URL', 'postgresql://ci@127.0.0.1:5432/postgres');
    vi.stubEnv('CIG_TEST_POSTGRES_BIN', '/nonexistent/bin');
    expect(postgresTestsEnabled()).toBe(true);
  });
});

describe.skipIf(!postgresTestsEnabled())('startLocalPostgres', () => {
  let server: LocalPostgres;
  beforeAll(async () => { server = await startLocalPostgres(); });
  afterAll(() => server.stop());
  afterEach(() => { vi.unstubAllEnvs(); });

  it('gives a fresh database, and another on each createDatabase()', async () => {
    const first = await databaseOf(server.url);
    const second = await databaseOf(await server.createDatabase());
    expect(first).toMatch(/^cig_test_[0-9a-f]{12}$/);
    expect(second).toMatch(/^cig_test_[0-9a-f]{12}$/);
    expect(second).not.toBe(first);
  });

  it('with CIG_TEST_DATABASE_URL, makes its databases on that server and drops them on stop()', async () => {
    vi.stubEnv('CIG_TEST_DATABASE_URL', server.url);
    const borrowed = await startLocalPostgres();
    const name = await databaseOf(borrowed.url);
    expect(new URL(borrowed.url).port).toBe(new URL(server.url).port);
    await borrowed.stop();
    const client = new pg.Client({ connectionString: server.url });
    await client.connect();
    const left = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    await client.end();
    expect(left.rowCount).toBe(0);
  });

  // A server given by CIG_TEST_DATABASE_URL may have no binaries beside it.
  it.skipIf(!postgresBinDir())('stops its private server and removes its files', async () => {
    vi.stubEnv('CIG_TEST_DATABASE_URL', '');
    const own = await startLocalPostgres();
    const client = new pg.Client({ connectionString: own.url });
    await client.connect();
    const dataDir = (await client.query<{ setting: string }>("SELECT setting FROM pg_settings WHERE name = 'data_directory'")).rows[0]!.setting;
    await client.end();
    expect(existsSync(dataDir)).toBe(true);
    await own.stop();
    expect(existsSync(dataDir)).toBe(false);
    await expect(databaseOf(own.url)).rejects.toThrow(/ECONNREFUSED/);
  });
});
