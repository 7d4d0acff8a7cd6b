import { bodyPartFromDicom, modalityFromDicom, type CancerType, type Sex } from '@cancer-imaging/schema';
import type { CriteriaField, DatasetMetadata, Range, SiteCriteria } from '@cancer-imaging/provider-kit';
import type { ScanEntry } from './xnat-mappers.js';

/**
 * Cohort criteria over an XNAT site, with the Orthanc kind's semantics (docs/orthanc.md):
 *
 * - a subject is an XNAT subject within a project (dataset); any-of within a field, all-of
 *   across fields;
 * - subject-level fields select subjects: `cancerTypes` through the project's curated cancer
 *   type, `sex` through the subject's gender (UNKNOWN when empty or unrecognised),
 *   `ageAtDiagnosis` through the subject's age in whole years at its earliest image session
 *   in the project (the demographics `age`, else from `dob`, else from `yob`, and that
 *   session's date); an unknown age never matches a range;
 * - series-level fields select scans: modality (the scan's stored DICOM `modality`; a scan
 *   stored without one matches no modality),
 *   body part (`bodyPartExamined`, DICOM defined terms), manufacturer (the scan's
 *   `scanner/manufacturer`: case-insensitive, whole value, trimmed);
 * - a scan counts when its subject is selected and it matches; a session or subject counts
 *   when it has at least one counted scan;
 * - `yearOfDiagnosis` has no XNAT source: not applied, reported in unsupportedCriteria;
 * - `cancerTypes` is exact for a project curated with exactly one cancer type (or several,
 *   all wanted or none); for any other project its subjects are NOT counted and
 *   `cancerTypes` is reported, so the count is a lower bound, never widened;
 * - `bodyParts` on a site whose scans carry no bodyPartExamined field: no scan matches and
 *   `bodyParts` is reported.
 */

/** The criteria fields every XNAT site answers exactly, whatever its projects. */
export const ALWAYS_EXACT: readonly CriteriaField[] = ['modalities', 'bodyParts', 'manufacturers', 'sex', 'ageAtDiagnosis'];

/**
 * The fields a site answers exactly: ALWAYS_EXACT (without `bodyParts` once the site has
 * shown it lacks the field), plus `cancerTypes` when every project the site can serve is
 * curated with exactly one cancer type.
 */
export function exactCriteriaFor(
  curated: readonly DatasetMetadata[], projects: readonly string[] | undefined, bodyPartsKnownMissing = false,
): CriteriaField[] {
  const exact = ALWAYS_EXACT.filter((field) => !(bodyPartsKnownMissing && field === 'bodyParts'));
  const single = (dataset: DatasetMetadata | undefined) => dataset !== undefined && dataset.cancerTypes.length === 1;
  const cancerTypesExact = projects
    ? projects.every((id) => single(curated.find((dataset) => dataset.localId === id)))
    : curated.length > 0 && curated.every(single);
  if (cancerTypesExact) exact.unshift('cancerTypes');
  return exact;
}

// Shared with the Orthanc kind: one definition of the dataset-based criteria semantics.
export { decideCancerType, diagnosisOf, hasSeriesCriteria, inRange, sexMatches, type CancerTypeDecision } from '@cancer-imaging/provider-kit';

/** Whether one scan matches the series-level criteria. */
export function scanMatches(scan: Pick<ScanEntry, 'modality' | 'bodyPart' | 'manufacturer'>, criteria: SiteCriteria): boolean {
  if (criteria.modalities) {
    const modality = modalityFromDicom(scan.modality);
    if (!modality || !criteria.modalities.includes(modality)) return false;
  }
  if (criteria.bodyParts) {
    const part = bodyPartFromDicom(scan.bodyPart);
    if (!part || !criteria.bodyParts.includes(part)) return false;
  }
  if (criteria.manufacturers) {
    const manufacturer = scan.manufacturer?.trim().toUpperCase();
    if (!manufacturer || !criteria.manufacturers.some((m) => m.trim().toUpperCase() === manufacturer)) return false;
  }
  return true;
}
