import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openGraphStore, parseStoreUrl, StoreUrlError } from '../src/index.js';

describe('parseStoreUrl', () => {
  it.each([
    ['sqlite:/var/lib/cig/graph.sqlite', { kind: 'sqlite', file: '/var/lib/cig/graph.sqlite' }],
    ['sqlite:///var/lib/cig/graph.sqlite', { kind: 'sqlite', file: '/var/lib/cig/graph.sqlite' }],
    ['sqlite::memory:', { kind: 'sqlite', file: ':memory:' }],
    ['postgres://cig:secret@db:5432/cig', { kind: 'postgres', url: 'postgres://cig:secret@db:5432/cig' }],
    ['postgresql://db/cig?sslmode=require', { kind: 'postgres', url: 'postgresql://db/cig?sslmode=require' }],
  ])('reads %s', (url, location) => {
    expect(parseStoreUrl(url)).toEqual(location);
  });

  it('refuses a relative SQLite path, which would depend on the working directory', () => {
    expect(() => parseStoreUrl('sqlite:graph.sqlite')).toThrow(StoreUrlError);
    expect(() => parseStoreUrl('sqlite:graph.sqlite')).toThrow(/absolute path/);
  });

  it('refuses an unknown scheme by name, without repeating the URL and its password', () => {
    expect(() => parseStoreUrl('mysql://root:hunter2@db/cig')).toThrow(/Unsupported database URL scheme "mysql:"/);
    expect(() => parseStoreUrl('mysql://root:hunter2@db/cig')).not.toThrow(/hunter2/);
    expect(() => parseStoreUrl('/var/lib/cig/graph.sqlite')).toThrow(StoreUrlError);
  });
});

describe('openGraphStore', () => {
  let dir: string;
  beforeAll(async () => { dir = await mkdtemp(path.join(tmpdir(), 'cig-open-store-')); });
  afterAll(async () => { await rm(dir, { recursive: true, force: true }); });

  it('opens SQLite at the default path, creating its folders, when no URL is set', async () => {
    const defaultSqlitePath = path.join(dir, 'a', 'b', 'graph.sqlite');
    for (const url of [undefined, '']) {
      const store = await openGraphStore(url, { defaultSqlitePath });
      expect(store.kind).toBe('sqlite');
      await store.saveCohort({ criteria: {} }, new Date());
      await store.close();
    }
    expect(existsSync(defaultSqlitePath)).toBe(true);
    // WAL: other processes read while one writes.
    const db = new Database(defaultSqlitePath, { readonly: true });
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    db.close();
  });

  it('opens an in-memory SQLite store that keeps nothing', async () => {
    const first = await openGraphStore('sqlite::memory:', { defaultSqlitePath: path.join(dir, 'unused.sqlite') });
    const saved = await first.saveCohort({ criteria: { sex: ['MALE'] } }, new Date());
    expect(await first.findCohort(saved.id)).toBeDefined();
    await first.close();
    const second = await openGraphStore('sqlite::memory:', { defaultSqlitePath: path.join(dir, 'unused.sqlite') });
    expect(await second.findCohort(saved.id)).toBeUndefined();
    await second.close();
    expect(existsSync(path.join(dir, 'unused.sqlite'))).toBe(false);
  });

  it('migrates a saved-cohort file the catalogue wrote before the graph store, keeping its cohorts', async () => {
    const file = path.join(dir, 'catalogue.sqlite');
    const legacy = new Database(file);
    legacy.exec('CREATE TABLE saved_cohort (id TEXT PRIMARY KEY, criteria TEXT NOT NULL, created_at TEXT NOT NULL) STRICT');
    legacy.prepare('INSERT INTO saved_cohort VALUES (?, ?, ?)').run('6f9a3c1e-8d2b-4c5a-9e7f-0a1b2c3d4e5f', '{"cancerTypes":["LUNG"]}', '2026-01-02T03:04:05.000Z');
    legacy.pragma('user_version = 1');
    legacy.close();
    const store = await openGraphStore(`sqlite:${file}`, { defaultSqlitePath: '/nonexistent' });
    expect(await store.findCohort('6f9a3c1e-8d2b-4c5a-9e7f-0a1b2c3d4e5f')).toEqual({
      id: '6f9a3c1e-8d2b-4c5a-9e7f-0a1b2c3d4e5f', criteria: { cancerTypes: ['LUNG'] }, createdAt: new Date('2026-01-02T03:04:05.000Z'),
    });
    const request = await store.createAccessRequest({ requesterId: 'r', datasetIds: ['d'], purpose: 'p', cohortId: '6f9a3c1e-8d2b-4c5a-9e7f-0a1b2c3d4e5f' }, new Date());
    expect(request.cohortId).toBe('6f9a3c1e-8d2b-4c5a-9e7f-0a1b2c3d4e5f');
    await store.close();
  });

  it('rejects, rather than hangs, when the PostgreSQL server cannot be reached', async () => {
    // A port that was free a moment ago: nothing listens there.
    const port = await new Promise<number>((resolve) => {
      const server = createServer().listen(0, '127.0.0.1', () => {
        const { port: free } = server.address() as { port: number };
        server.close(() => resolve(free));
      });
    });
    await expect(openGraphStore(`postgresql://cig:pw@127.0.0.1:${port}/cig`, { defaultSqlitePath: '/nonexistent' })).rejects.toThrow(/ECONNREFUSED/);
  });

  it('refuses an unknown scheme before touching anything', async () => {
    await expect(openGraphStore('redis://localhost:6379', { defaultSqlitePath: path.join(dir, 'never.sqlite') })).rejects.toBeInstanceOf(StoreUrlError);
    expect(existsSync(path.join(dir, 'never.sqlite'))).toBe(false);
  });
});
