import { openSqliteGraphStore, type GraphStore } from '@cancer-imaging/provider-kit';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { cohortStoreOver, isCohortId } from './cohort-store.js';

describe('the catalogue cohort store over the graph store', () => {
  let graphStore: GraphStore;
  beforeEach(() => { graphStore = openSqliteGraphStore(':memory:'); });
  afterEach(() => graphStore.close());

  it('saves validated criteria with the time and the owner, and finds them again', async () => {
    const cohorts = cohortStoreOver(graphStore);
    const when = new Date('2026-11-27T10:00:00.000Z');
    const saved = await cohorts.save({ cancerTypes: ['LUNG'], ageAtDiagnosis: { min: 40 } }, when, 'researcher-1');
    expect(isCohortId(saved.id)).toBe(true);
    expect(await cohorts.find(saved.id)).toEqual({ id: saved.id, criteria: { cancerTypes: ['LUNG'], ageAtDiagnosis: { min: 40 } }, createdAt: when, ownerId: 'researcher-1' });
    expect(await graphStore.findCohort(saved.id)).toEqual(saved);
  });

  it('saves an anonymous caller\'s cohort without an owner, under a new id each time', async () => {
    const cohorts = cohortStoreOver(graphStore);
    const a = await cohorts.save({ sex: ['FEMALE'] }, new Date());
    const b = await cohorts.save({ sex: ['FEMALE'] }, new Date());
    expect(a.id).not.toBe(b.id);
    expect(await cohorts.find(a.id)).not.toHaveProperty('ownerId');
  });

  it('finds nothing for an unknown id, and does not query with a malformed one', async () => {
    const cohorts = cohortStoreOver(graphStore);
    const findCohort = vi.spyOn(graphStore, 'findCohort');
    expect(await cohorts.find('00000000-0000-4000-8000-000000000000')).toBeUndefined();
    expect(await cohorts.find("x' OR 1=1 --")).toBeUndefined();
    expect(findCohort).toHaveBeenCalledTimes(1);
  });
});
