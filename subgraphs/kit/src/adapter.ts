import type { Logger } from 'pino';
import type { BodyPart, CancerType, Modality, Sex } from '@cancer-imaging/schema';
import type { DatasetMetadata, SiteConfig } from './registry.js';

/**
 * The provider adapter contract: what a kind implements so the kit can serve its sites.
 * One adapter instance serves one site. Adapters return plain records; the kit turns them
 * into graph objects, pseudonymises subjects, protects counts, paginates and authorises.
 * Adapters throw ProviderError subclasses (errors.ts) on upstream failure and must honour
 * `ctx.signal` (the site's deadline).
 */
export interface ProviderAdapter {
  /** What the site is and can do; called for Provider.status and before cohort counts. */
  describe(ctx: CallContext): Promise<SiteDescription>;
  /** The site's datasets with their totals. */
  listDatasets(ctx: CallContext): Promise<DatasetRecord[]>;
  /** Raw counts of the cohort at this site, in total and per dataset. The kit protects them. */
  countCohort(criteria: SiteCriteria, ctx: CallContext): Promise<CohortCountRecord>;
  /**
   * Raw subject counts of the cohort per dataset and per key of one dimension (see
   * BreakdownRow). Same criteria semantics as countCohort; the kit sums, protects and
   * drops small buckets.
   */
  breakdownCohort(criteria: SiteCriteria, by: BreakdownDimension, ctx: CallContext): Promise<readonly BreakdownRow[]>;
  /**
   * One page of a dataset's subjects in a stable order (the same order on every call while
   * the data does not change), with the total number of subjects in the dataset.
   */
  listSubjects(datasetLocalId: string, page: PageRequest, ctx: CallContext): Promise<PageResult<SubjectRecord>>;
  /** Studies of many subjects at once (the kit batches per request), keyed by subject ref. */
  listStudies(subjects: readonly SubjectRef[], ctx: CallContext): Promise<ReadonlyMap<string, StudyRecord[]>>;
  /** Series of many studies at once, keyed by study localId, each list in a stable order. */
  listSeries(studyLocalIds: readonly string[], ctx: CallContext): Promise<ReadonlyMap<string, SeriesRecord[]>>;
  /** Segmentations referencing many series at once, keyed by series localId. */
  listSegmentations(seriesLocalIds: readonly string[], ctx: CallContext): Promise<ReadonlyMap<string, SegmentationRecord[]>>;
  /**
   * Streams one series (e.g. a ZIP of its instances) for a caller the kit has authorised.
   * Optional: a kind without image data (an index only) leaves it out and its series have
   * no retrieve link.
   */
  retrieveSeries?(seriesLocalId: string, ctx: CallContext): Promise<SeriesArchive>;
  /** Releases connections and files. */
  close?(): Promise<void>;
}

/** A series streamed back to the caller through the gateway. */
export interface SeriesArchive {
  readonly contentType: string;
  /** Suggested file name, without any identifier (e.g. the SeriesInstanceUID). */
  readonly filename: string;
  readonly body: ReadableStream<Uint8Array>;
  readonly contentLength?: number;
}

/** Builds the adapter of one site; called once per site at start. */
export type CreateAdapter = (site: SiteConfig, deps: AdapterDeps) => ProviderAdapter | Promise<ProviderAdapter>;

export interface AdapterDeps {
  readonly logger: Logger;
  /** The site's curated dataset metadata from the registry (e.g. a dataset's cancer type). */
  readonly datasets: readonly DatasetMetadata[];
  /** The process environment, for the credential variables the registry names. */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Injected so tests can intercept upstream calls (msw intercepts global fetch). */
  readonly fetch: typeof fetch;
}

export interface CallContext {
  readonly signal: AbortSignal;
  readonly logger: Logger;
}

/** Criteria fields by name, as reported in capabilities and unsupportedCriteria. */
export const CRITERIA_FIELDS = [
  'cancerTypes', 'modalities', 'bodyParts', 'manufacturers', 'sex',
  'ageAtDiagnosis', 'yearOfDiagnosis', 'datasetIds', 'providerIds',
] as const;
export type CriteriaField = (typeof CRITERIA_FIELDS)[number];

export interface SiteDescription {
  /** Version of the repository's API (e.g. Orthanc ApiVersion), if it has one. */
  readonly apiVersion?: string;
  /** The criteria fields this site applies exactly; the others are reported as unsupported. */
  readonly exactCriteria: readonly CriteriaField[];
}

export interface Range {
  readonly min?: number;
  readonly max?: number;
}

/**
 * Validated criteria for one site: lists are non-empty and de-duplicated (an absent field
 * means "no restriction"), ranges have min <= max, and dataset ids are this site's local ids.
 */
export interface SiteCriteria {
  readonly cancerTypes?: readonly CancerType[];
  readonly modalities?: readonly Modality[];
  readonly bodyParts?: readonly BodyPart[];
  readonly manufacturers?: readonly string[];
  readonly sex?: readonly Sex[];
  readonly ageAtDiagnosis?: Range;
  readonly yearOfDiagnosis?: Range;
  readonly datasetLocalIds?: readonly string[];
}

export interface DatasetRecord {
  readonly localId: string;
  readonly subjects: number;
  readonly studies: number;
  readonly series: number;
}

export interface CountsRecord {
  readonly subjects: number;
  readonly studies: number;
  readonly series: number;
}

export interface CohortCountRecord extends CountsRecord {
  readonly byDataset: readonly (CountsRecord & { readonly datasetLocalId: string })[];
  /** Criteria fields the site could not apply exactly for this query. */
  readonly unsupportedCriteria: readonly CriteriaField[];
}

/** What a breakdown splits a cohort's subjects by (the contract's CohortDimension). */
export const BREAKDOWN_DIMENSIONS = ['MODALITY', 'BODY_PART', 'CANCER_TYPE', 'SEX', 'AGE_BAND', 'MANUFACTURER'] as const;
export type BreakdownDimension = (typeof BREAKDOWN_DIMENSIONS)[number];

/** The key of a bucket whose value the site does not know. */
export const UNKNOWN_KEY = 'UNKNOWN';

/**
 * Distinct subjects of one dataset with a given key. Keys: enum names (Modality, BodyPart,
 * CancerType, Sex), `toAgeBand` bands for AGE_BAND, `manufacturerKey` for MANUFACTURER, and
 * UNKNOWN_KEY for an unknown value. For series-level dimensions (MODALITY, BODY_PART,
 * MANUFACTURER) a subject counts under every key it has a matching series with; for the
 * subject-level ones under exactly one key. Rows with zero subjects may be left out.
 */
export interface BreakdownRow {
  readonly datasetLocalId: string;
  readonly key: string;
  readonly subjects: number;
}

/**
 * A Manufacturer tag as a breakdown key: vendors spell themselves inconsistently (SIEMENS,
 * Siemens). Trimmed and upper-cased only, as the manufacturers criterion compares, so a
 * bucket is what narrowing the cohort to its key selects.
 */
export function manufacturerKey(manufacturer: string | null | undefined): string {
  const key = manufacturer?.trim().toUpperCase();
  return key ? key : UNKNOWN_KEY;
}

export interface PageRequest {
  readonly offset: number;
  readonly limit: number;
}

export interface PageResult<T> {
  readonly items: readonly T[];
  readonly totalCount: number;
}

/**
 * A subject as the adapter sees it. `nativePatientId` is the repository's own patient id:
 * the kit only ever uses it to compute the pseudonym and to ask for the subject's studies;
 * it never reaches a response.
 */
export interface SubjectRecord {
  readonly nativePatientId: string;
  readonly datasetLocalId: string;
  readonly sex: Sex;
  readonly ageAtDiagnosis?: number | null;
  readonly diagnosis?: CancerType | null;
  readonly yearOfDiagnosis?: number | null;
}

export interface SubjectRef {
  readonly nativePatientId: string;
  readonly datasetLocalId: string;
}

/** The key the kit uses for a subject in listStudies' map. */
export function subjectRefKey(ref: SubjectRef): string {
  return `${ref.datasetLocalId}\u0000${ref.nativePatientId}`;
}

export interface StudyRecord {
  /** The repository's id of the study (Orthanc id, XNAT experiment id, or the UID). */
  readonly localId: string;
  readonly studyInstanceUid: string;
  readonly year?: number | null;
  readonly modalities: readonly Modality[];
  readonly bodyPart?: BodyPart | null;
  readonly description?: string | null;
}

export interface SeriesRecord {
  readonly localId: string;
  readonly seriesInstanceUid: string;
  readonly modality: Modality;
  readonly bodyPart?: BodyPart | null;
  readonly manufacturer?: string | null;
  readonly description?: string | null;
  readonly instanceCount?: number | null;
}

export interface SegmentationRecord {
  readonly localId: string;
  readonly format: 'DICOM_SEG' | 'RTSTRUCT' | 'ROI_COLLECTION';
  readonly seriesInstanceUid?: string | null;
  readonly label?: string | null;
}
