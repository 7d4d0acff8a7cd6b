import { sumProtectedCounts, type CountPart, type ProtectedSum } from './protected-sum.js';

/** A site's answer as cohortBySite and cohortReport give it: its cohort, or null when its kind was unreachable. */
export interface SiteCohortCounts {
  readonly cohort: {
    readonly subjects: CountPart;
    readonly studies: CountPart;
    readonly series: CountPart;
  } | null | undefined;
}

/** Protected totals over sites, one per count. */
export interface CohortTotals {
  readonly subjects: ProtectedSum;
  readonly studies: ProtectedSum;
  readonly series: ProtectedSum;
  /** How many sites were summed. */
  readonly sites: number;
}

/**
 * Sums per-site protected counts into totals that stay protected: `data.providers` of
 * `cohortBySite` or `sites` of a cohort report. A site whose kind was unreachable (no
 * cohort) counts as an unavailable part of every total, so each becomes a lower bound.
 */
export function sumCohortCounts(sites: Iterable<SiteCohortCounts>): CohortTotals {
  const all = [...sites];
  return {
    subjects: sumProtectedCounts(all.map((site) => site.cohort?.subjects)),
    studies: sumProtectedCounts(all.map((site) => site.cohort?.studies)),
    series: sumProtectedCounts(all.map((site) => site.cohort?.series)),
    sites: all.length,
  };
}
