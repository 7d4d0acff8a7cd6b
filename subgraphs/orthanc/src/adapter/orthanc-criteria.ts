import { BODY_PARTS, MODALITIES, bodyPartFromDicom, modalityFromDicom, type CancerType, type Sex } from '@cancer-imaging/schema';
import type { CriteriaField, DatasetMetadata, Range, SiteCriteria } from '@cancer-imaging/provider-kit';
import type { SeriesSummary } from './orthanc-mappers.js';

/**
 * Cohort criteria over an Orthanc site. Semantics (shared with the sample generator's
 * oracle, `expectedCohort` in src/local/sample-dicom.ts):
 *
 * - a subject is a PatientID within a dataset; any-of within a field, all-of across fields;
 * - subject-level fields select subjects: `cancerTypes` through the dataset's curated
 *   cancer type, `sex` through PatientSex (UNKNOWN = empty, absent or unrecognised),
 *   `ageAtDiagnosis` through the subject's age in whole years at its earliest study in the
 *   dataset (PatientAge of that study, else computed from PatientBirthDate and StudyDate
 *   inside the adapter); an unknown age never matches a range;
 * - series-level fields select series: Modality, BodyPartExamined (DICOM defined terms),
 *   Manufacturer (case-insensitive, whole value, trimmed);
 * - a series counts when its subject is selected and it matches; a study or subject counts
 *   when it has at least one counted series;
 * - `yearOfDiagnosis` has no DICOM source: it is not applied and is reported in
 *   unsupportedCriteria (the count is for the other criteria, flagged, never silent);
 * - `cancerTypes` is exact for a dataset whose curated metadata names exactly one cancer
 *   type (and for a multi-type dataset all of whose types are wanted, or none of them).
 *   For any other dataset (several types, partly wanted; or no curated metadata) it cannot
 *   be decided: that dataset's subjects are NOT counted and `cancerTypes` is reported in
 *   unsupportedCriteria, so the count is a lower bound, never widened.
 */

/** The criteria fields every Orthanc site answers exactly, whatever its datasets. */
export const ALWAYS_EXACT: readonly CriteriaField[] = ['modalities', 'bodyParts', 'manufacturers', 'sex', 'ageAtDiagnosis'];

/**
 * The fields a site answers exactly: ALWAYS_EXACT, plus `cancerTypes` when every dataset
 * the site can have is curated with exactly one cancer type. When the grouping fixes the
 * dataset ids (site, study description prefixes) those are checked; otherwise (tag, label)
 * the curated datasets are, and a dataset found in the data but not curated is reported
 * per query in unsupportedCriteria. `yearOfDiagnosis` never (no DICOM source).
 */
export function exactCriteriaFor(curated: readonly DatasetMetadata[], staticDatasetIds?: readonly string[]): CriteriaField[] {
  const exact = [...ALWAYS_EXACT];
  const single = (dataset: DatasetMetadata | undefined) => dataset !== undefined && dataset.cancerTypes.length === 1;
  const cancerTypesExact = staticDatasetIds
    ? staticDatasetIds.every((id) => single(curated.find((dataset) => dataset.localId === id)))
    : curated.length > 0 && curated.every(single);
  if (cancerTypesExact) exact.unshift('cancerTypes');
  return exact;
}

export { decideCancerType, diagnosisOf, hasSeriesCriteria, inRange, sexMatches, type CancerTypeDecision } from '@cancer-imaging/provider-kit';

/** Characters Orthanc's matching treats as syntax: a value holding one cannot be sent as is. */
const MATCHING_SYNTAX = /[\\*?]/;

/**
 * The /tools/find Query at Series level for the series-level criteria, using Orthanc's
 * list matching ("MR\\CT"). The adapter still checks every returned series in memory
 * (seriesMatches), so the server-side filter only has to be a superset: a manufacturer
 * that contains Orthanc matching syntax is left out of the query rather than escaped.
 */
export function toSeriesQuery(criteria: SiteCriteria): Record<string, string> {
  const query: Record<string, string> = {};
  if (criteria.modalities) query.Modality = criteria.modalities.map((m) => MODALITIES[m].dicom).join('\\');
  if (criteria.bodyParts) query.BodyPartExamined = criteria.bodyParts.map((b) => BODY_PARTS[b].dicom).join('\\');
  if (criteria.manufacturers && !criteria.manufacturers.some((m) => MATCHING_SYNTAX.test(m) || m.trim() === '')) {
    query.Manufacturer = criteria.manufacturers.map((m) => m.trim()).join('\\');
  }
  return query;
}

/** Whether one series matches the series-level criteria (the exact, in-memory check). */
export function seriesMatches(series: Pick<SeriesSummary, 'modality' | 'bodyPart' | 'manufacturer'>, criteria: SiteCriteria): boolean {
  if (criteria.modalities) {
    const modality = modalityFromDicom(series.modality);
    if (!modality || !criteria.modalities.includes(modality)) return false;
  }
  if (criteria.bodyParts) {
    const part = bodyPartFromDicom(series.bodyPart);
    if (!part || !criteria.bodyParts.includes(part)) return false;
  }
  if (criteria.manufacturers) {
    const manufacturer = series.manufacturer?.trim().toUpperCase();
    if (!manufacturer || !criteria.manufacturers.some((m) => m.trim().toUpperCase() === manufacturer)) return false;
  }
  return true;
}
