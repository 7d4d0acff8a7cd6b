import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isCohortId, openSqliteCohortStore } from './cohort-store.js';

describe('the SQLite cohort store', () => {
  let dir: string;
  beforeAll(async () => { dir = await mkdtemp(path.join(tmpdir(), 'cig-cohorts-')); });
  afterAll(async () => { await rm(dir, { recursive: true, force: true }); });

  it('keeps a saved cohort, with its criteria and time, across a restart', async () => {
    const file = path.join(dir, 'nested', 'catalogue.sqlite');
    const first = openSqliteCohortStore(file);
    const saved = await first.save({ cancerTypes: ['LUNG'], ageAtDiagnosis: { min: 40 } }, new Date('2026-11-27T10:00:00.000Z'));
    await first.close();
    const second = openSqliteCohortStore(file);
    expect(await second.find(saved.id)).toEqual({ id: saved.id, criteria: { cancerTypes: ['LUNG'], ageAtDiagnosis: { min: 40 } }, createdAt: new Date('2026-11-27T10:00:00.000Z') });
    await second.close();
  });

  it('gives every save a new random id, even for the same criteria at the same time', async () => {
    const store = openSqliteCohortStore(':memory:');
    const when = new Date();
    const a = await store.save({ sex: ['FEMALE'] }, when);
    const b = await store.save({ sex: ['FEMALE'] }, when);
    expect(isCohortId(a.id) && isCohortId(b.id)).toBe(true);
    expect(a.id).not.toBe(b.id);
    await store.close();
  });

  it('finds nothing for an unknown or malformed id, without querying with it', async () => {
    const store = openSqliteCohortStore(':memory:');
    expect(await store.find('00000000-0000-4000-8000-000000000000')).toBeUndefined();
    expect(await store.find("x' OR 1=1 --")).toBeUndefined();
    await store.close();
  });
});
