import { BODY_PARTS, MODALITIES, type CancerType } from '@cancer-imaging/schema';
import type { CohortCountRecord, SiteCriteria } from '@cancer-imaging/provider-kit';
import type { TProject, TScan, TSubject } from './msw-xnat.js';

/**
 * The expected cohort counts of a test data set, computed straight from the data with the
 * semantics of docs/xnat.md, independently of the adapter's code.
 */

/** The stored DICOM Modality only: a scan stored without one counts under no modality. */
function modalityOf(scan: TScan): string {
  return scan.modality.trim().toUpperCase();
}

function sexOf(subject: TSubject): string {
  return subject.gender === 'female' ? 'FEMALE' : subject.gender === 'male' ? 'MALE' : 'UNKNOWN';
}

function ageOf(subject: TSubject, project: TProject): number | null {
  if (subject.age !== '') return Number(subject.age);
  const dates = project.sessions.filter((s) => s.subjectId === subject.id && s.scans.length > 0).map((s) => s.date).sort();
  const first = dates[0];
  if (!first) return null;
  const [y, m, d] = first.split('-').map(Number) as [number, number, number];
  if (subject.dob !== '') {
    const [by, bm, bd] = subject.dob.split('-').map(Number) as [number, number, number];
    return y - by - (m < bm || (m === bm && d < bd) ? 1 : 0);
  }
  if (subject.yob !== '') return y - Number(subject.yob);
  return null;
}

function scanMatches(scan: TScan, criteria: SiteCriteria): boolean {
  const modality = modalityOf(scan);
  if (criteria.modalities && !criteria.modalities.some((m) => MODALITIES[m].dicom === modality)) return false;
  const part = scan.bodyPart.trim().toUpperCase();
  if (criteria.bodyParts && !criteria.bodyParts.some((b) => BODY_PARTS[b].dicom === part)) return false;
  const manufacturer = scan.manufacturer.trim().toUpperCase();
  if (criteria.manufacturers && (!manufacturer || !criteria.manufacturers.some((m) => m.trim().toUpperCase() === manufacturer))) return false;
  return true;
}

export function expectedCohort(projects: readonly TProject[], curated: Readonly<Record<string, CancerType>>, criteria: SiteCriteria): Omit<CohortCountRecord, 'unsupportedCriteria'> {
  const byDataset: { datasetLocalId: string; subjects: number; studies: number; series: number }[] = [];
  for (const project of [...projects].sort((a, b) => (a.id < b.id ? -1 : 1))) {
    if (criteria.datasetLocalIds && !criteria.datasetLocalIds.includes(project.id)) continue;
    if (criteria.cancerTypes && !criteria.cancerTypes.includes(curated[project.id]!)) continue;
    let subjects = 0;
    let studies = 0;
    let series = 0;
    for (const subject of project.subjects) {
      if (criteria.sex && !criteria.sex.includes(sexOf(subject) as never)) continue;
      if (criteria.ageAtDiagnosis) {
        const age = ageOf(subject, project);
        const { min, max } = criteria.ageAtDiagnosis;
        if (age === null || (min !== undefined && age < min) || (max !== undefined && age > max)) continue;
      }
      let counted = false;
      for (const session of project.sessions.filter((s) => s.subjectId === subject.id)) {
        const n = session.scans.filter((scan) => scanMatches(scan, criteria)).length;
        if (n === 0) continue;
        counted = true;
        studies += 1;
        series += n;
      }
      if (counted) subjects += 1;
    }
    if (subjects > 0) byDataset.push({ datasetLocalId: project.id, subjects, studies, series });
  }
  return {
    subjects: byDataset.reduce((s, r) => s + r.subjects, 0),
    studies: byDataset.reduce((s, r) => s + r.studies, 0),
    series: byDataset.reduce((s, r) => s + r.series, 0),
    byDataset,
  };
}
