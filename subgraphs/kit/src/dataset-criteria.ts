import type { CancerType, Sex } from '@cancer-imaging/schema';
import type { Range, SiteCriteria } from './adapter.js';

/**
 * Criteria helpers every kind that counts in memory shares (Orthanc, XNAT): the semantics
 * of docs/orthanc.md, in one place.
 */

export type CancerTypeDecision = 'include' | 'exclude' | 'undecidable';

/**
 * Whether a dataset's subjects match `cancerTypes`, from the dataset's curated types:
 * all of its types wanted → include; none → exclude; some, or no curated type → undecidable
 * (the kind then leaves the dataset out and reports `cancerTypes`, never widening).
 */
export function decideCancerType(datasetTypes: readonly string[] | undefined, wanted: readonly CancerType[]): CancerTypeDecision {
  if (!datasetTypes || datasetTypes.length === 0) return 'undecidable';
  const types = new Set(datasetTypes.map((type) => type.trim().toUpperCase()));
  const hits = [...types].filter((type) => (wanted as readonly string[]).includes(type)).length;
  if (hits === 0) return 'exclude';
  return hits === types.size ? 'include' : 'undecidable';
}

/** The single cancer type of a dataset, as the diagnosis of its subjects; null otherwise. */
export function diagnosisOf(datasetTypes: readonly string[] | undefined): CancerType | null {
  if (!datasetTypes || datasetTypes.length !== 1) return null;
  return datasetTypes[0]!.trim().toUpperCase() as CancerType;
}

/** Inclusive range match; an unknown value never matches a range. */
export function inRange(value: number | null | undefined, range: Range | undefined): boolean {
  if (!range) return true;
  if (value == null) return false;
  return (range.min === undefined || value >= range.min) && (range.max === undefined || value <= range.max);
}

export function sexMatches(sex: Sex, wanted: readonly Sex[] | undefined): boolean {
  return !wanted || wanted.includes(sex);
}

/** Does the query restrict series (modality, body part, manufacturer)? */
export function hasSeriesCriteria(criteria: SiteCriteria): boolean {
  return criteria.modalities !== undefined || criteria.bodyParts !== undefined || criteria.manufacturers !== undefined;
}
