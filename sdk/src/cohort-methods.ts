import {
  CohortBreakdownDocument, CohortBySiteDocument, CohortReportDocument, SaveCohortDocument, SavedCohortDocument,
  type CohortBreakdownQuery, type CohortBySiteQuery, type CohortCriteria, type CohortDimension, type CohortReportQuery,
  type SaveCohortMutation, type SavedCohortQuery,
} from './__generated__/graphql.js';
import { CancerImagingError } from './errors.js';
import type { PartialResult, Transport } from './transport.js';

/** Options of a cohort search. */
export interface CohortOptions {
  /** Answer within this many ms (100 to 60000); a site still counting reports TIMEOUT. */
  readonly deadlineMs?: number;
  readonly signal?: AbortSignal;
}

/** Search: protected cohort counts per site, and saved cohorts with their reports. Open to anyone. */
export interface CohortMethods {
  /** Protected counts per site; a failed site shows in its `status`, not as a thrown error. */
  cohortBySite(criteria: CohortCriteria, options?: CohortOptions): Promise<PartialResult<CohortBySiteQuery>>;
  /** Subjects per site split by one dimension; buckets below a site's threshold are left out. */
  cohortBreakdown(criteria: CohortCriteria, by: CohortDimension, options?: CohortOptions): Promise<PartialResult<CohortBreakdownQuery>>;
  /** Saves criteria under a new id, bound to them and the time, for a report. */
  saveCohort(criteria: CohortCriteria): Promise<SaveCohortMutation['saveCohort']>;
  /** A saved cohort's criteria; null for an unknown id. */
  savedCohort(id: string): Promise<SavedCohortQuery['savedCohort']>;
  /** A saved cohort's protected counts per site and dataset, computed now; null for an unknown id. */
  cohortReport(id: string): Promise<PartialResult<CohortReportQuery>>;
}

/** Partial data is the point of a cohort answer; only an answer with no data at all is thrown. */
function withData<T>(result: PartialResult<T>): PartialResult<T> {
  if (result.data === null) throw result.errors[0] ?? new CancerImagingError('The graph returned no data.', { code: 'INTERNAL' });
  return result;
}

export function buildCohortMethods(transport: Transport): CohortMethods {
  return {
    async cohortBySite(criteria, { deadlineMs, signal } = {}) {
      return withData(await transport.execute(CohortBySiteDocument, { criteria, ...(deadlineMs !== undefined && { deadlineMs }) }, { signal }));
    },
    async cohortBreakdown(criteria, by, { deadlineMs, signal } = {}) {
      return withData(await transport.execute(CohortBreakdownDocument, { criteria, by, ...(deadlineMs !== undefined && { deadlineMs }) }, { signal }));
    },
    async saveCohort(criteria) {
      return (await transport.request(SaveCohortDocument, { criteria })).saveCohort;
    },
    async savedCohort(id) {
      return (await transport.request(SavedCohortDocument, { id })).savedCohort;
    },
    async cohortReport(id) {
      return withData(await transport.execute(CohortReportDocument, { id }));
    },
  };
}
