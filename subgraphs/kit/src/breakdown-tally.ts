import type { BreakdownRow } from './adapter.js';

/**
 * Counts distinct subjects per (dataset, key) for adapters that breakdown in memory
 * (Orthanc, XNAT, the in-memory reference). Adding a subject twice under the same key (two
 * matching series of one modality) counts it once.
 */
export class BreakdownTally {
  readonly #subjects = new Map<string, Set<string>>();

  add(datasetLocalId: string, subjectKey: string, key: string): void {
    const bucket = `${datasetLocalId}\u0000${key}`;
    let subjects = this.#subjects.get(bucket);
    if (!subjects) this.#subjects.set(bucket, (subjects = new Set()));
    subjects.add(subjectKey);
  }

  rows(): BreakdownRow[] {
    return [...this.#subjects].map(([bucket, subjects]) => {
      const [datasetLocalId, key] = bucket.split('\u0000') as [string, string];
      return { datasetLocalId, key, subjects: subjects.size };
    });
  }
}
