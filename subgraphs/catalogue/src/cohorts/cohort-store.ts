import { isStoreId, type GraphStore } from '@cancer-imaging/provider-kit';
import type { SavedCriteria } from './saved-criteria.js';

/** A cohort as saved: the criteria, validated, bound to an id, the time it was saved and who saved it. */
export interface SavedCohortRecord {
  readonly id: string;
  readonly criteria: SavedCriteria;
  readonly createdAt: Date;
  /** Who saved it; undefined for an anonymous caller. */
  readonly ownerId?: string;
}

/**
 * The catalogue's view of the saved cohorts in the graph store: the store keeps criteria as
 * plain JSON, and only criteria that passed toSavedCriteria are ever saved through here, so
 * what comes back is SavedCriteria. Saved cohorts are never rewritten: there is no update.
 */
export interface CohortStore {
  save(criteria: SavedCriteria, now: Date, ownerId?: string): Promise<SavedCohortRecord>;
  find(id: string): Promise<SavedCohortRecord | undefined>;
}

/** Ids are the store's random UUIDs: unguessable, so a report link is shared on purpose only. */
export function isCohortId(id: string): boolean {
  return isStoreId(id);
}

const asCatalogueRecord = (record: { id: string; criteria: Readonly<Record<string, unknown>>; createdAt: Date; ownerId?: string }): SavedCohortRecord =>
  record as SavedCohortRecord;

export function cohortStoreOver(store: GraphStore): CohortStore {
  return {
    async save(criteria, now, ownerId) {
      return asCatalogueRecord(await store.saveCohort({ criteria, ...(ownerId !== undefined && { ownerId }) }, now));
    },
    async find(id) {
      if (!isCohortId(id)) return undefined;
      const record = await store.findCohort(id);
      return record && asCatalogueRecord(record);
    },
  };
}
