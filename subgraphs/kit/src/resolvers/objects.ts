import type { CohortCriteriaInput } from '../criteria.js';
import type { SegmentationRecord, SeriesRecord, StudyRecord, SubjectRecord, SubjectRef } from '../adapter.js';
import type { SiteRuntime } from '../site-runtime.js';

/**
 * The objects resolvers pass down. Fields not in the schema (site, ref, record) never
 * reach a response: GraphQL only serialises what the query selects from the schema.
 */
export interface ProviderObject {
  readonly id: string;
  readonly site: SiteRuntime;
}

export interface DatasetObject {
  readonly id: string;
  readonly localId: string;
  readonly site: SiteRuntime;
}

export interface SubjectObject {
  readonly id: string;
  readonly site: SiteRuntime;
  readonly datasetId: string;
  readonly ref: SubjectRef;
  readonly record: SubjectRecord;
}

export interface StudyObject {
  readonly id: string;
  readonly site: SiteRuntime;
  readonly datasetId: string;
  readonly record: StudyRecord;
}

export interface SeriesObject {
  readonly id: string;
  readonly site: SiteRuntime;
  readonly datasetId: string;
  readonly record: SeriesRecord;
}

export interface SegmentationObject {
  readonly id: string;
  readonly record: SegmentationRecord;
}

/** A site's part of a saved cohort, with the criteria the catalogue saved. */
export interface CohortSiteObject {
  readonly id: string;
  readonly site: SiteRuntime;
  readonly criteria: CohortCriteriaInput;
}
