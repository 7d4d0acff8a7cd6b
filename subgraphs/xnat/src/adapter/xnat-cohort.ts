import {
  BreakdownTally, manufacturerKey, UNKNOWN_KEY,
  type BreakdownDimension, type BreakdownRow, type CohortCountRecord, type CountsRecord, type CriteriaField,
} from '@cancer-imaging/provider-kit';
import { bodyPartFromDicom, modalityFromDicom } from '@cancer-imaging/schema';
import { compareText, type ScanEntry, type SessionEntry, type SubjectEntry } from './xnat-mappers.js';

/**
 * A cohort at an XNAT site once the criteria have selected it (see xnat-criteria.ts for the
 * semantics), and the two answers made from it: the counts and the breakdowns. countCohort
 * and breakdownCohort both start from the same selection, so a breakdown cannot count a
 * subject the count leaves out, nor the other way round.
 */

/** A session of a selected subject, with its scans the criteria select. */
export interface SelectedSession {
  readonly session: SessionEntry;
  /** Never empty. */
  readonly scans: readonly ScanEntry[];
}

/** A subject of one project the criteria select, with its sessions that have a selected scan. */
export interface SelectedSubject {
  readonly projectId: string;
  readonly subject: SubjectEntry;
  /** Never empty: a subject without a selected scan is not in the cohort. */
  readonly sessions: readonly SelectedSession[];
}

export interface CohortSelection {
  readonly subjects: readonly SelectedSubject[];
  /** Criteria fields the site could not apply exactly (sorted). */
  readonly unsupported: readonly CriteriaField[];
}

/** Subjects, sessions (studies) and scans (series) of a selection, in total and per project. */
export function countSelection(selection: CohortSelection): CohortCountRecord {
  const byProject = new Map<string, { subjects: number; studies: number; series: number }>();
  for (const { projectId, sessions } of selection.subjects) {
    let row = byProject.get(projectId);
    if (!row) byProject.set(projectId, (row = { subjects: 0, studies: 0, series: 0 }));
    row.subjects += 1;
    row.studies += sessions.length;
    for (const { scans } of sessions) row.series += scans.length;
  }
  const rows: (CountsRecord & { datasetLocalId: string })[] = [...byProject]
    .map(([datasetLocalId, row]) => ({ datasetLocalId, ...row }))
    .sort((a, b) => compareText(a.datasetLocalId, b.datasetLocalId));
  return {
    subjects: rows.reduce((sum, row) => sum + row.subjects, 0),
    studies: rows.reduce((sum, row) => sum + row.studies, 0),
    series: rows.reduce((sum, row) => sum + row.series, 0),
    byDataset: rows,
    unsupportedCriteria: selection.unsupported,
  };
}

/** Dimensions a subject counts under once per matching scan's key. */
export type SeriesDimension = Extract<BreakdownDimension, 'MODALITY' | 'BODY_PART' | 'MANUFACTURER'>;

export function isSeriesDimension(by: BreakdownDimension): by is SeriesDimension {
  return by === 'MODALITY' || by === 'BODY_PART' || by === 'MANUFACTURER';
}

/**
 * A scan's key under a series-level dimension. Modality and body part go through the same
 * parsing as the criteria (scanMatches), so a bucket is exactly the cohort narrowed to its
 * key: a scan stored without a Modality (or with one outside the vocabulary) is UNKNOWN,
 * although a series record shows it as OT, because no `modalities` criterion selects it.
 * On a site whose scans carry no body part every scan is UNKNOWN under BODY_PART.
 */
export function scanKey(scan: Pick<ScanEntry, 'modality' | 'bodyPart' | 'manufacturer'>, by: SeriesDimension): string {
  switch (by) {
    case 'MODALITY': return modalityFromDicom(scan.modality) ?? UNKNOWN_KEY;
    case 'BODY_PART': return bodyPartFromDicom(scan.bodyPart) ?? UNKNOWN_KEY;
    case 'MANUFACTURER': return manufacturerKey(scan.manufacturer);
  }
}

/** Subjects per project and key of a series-level dimension: each subject under the key of every selected scan. */
export function breakdownByScan(selection: CohortSelection, by: SeriesDimension): BreakdownRow[] {
  const tally = new BreakdownTally();
  for (const { projectId, subject, sessions } of selection.subjects) {
    for (const { scans } of sessions) for (const scan of scans) tally.add(projectId, subject.id, scanKey(scan, by));
  }
  return tally.rows();
}

/** Subjects per project and key of a subject-level dimension: each subject under exactly one key. */
export function breakdownBySubject(selection: CohortSelection, keyOf: (projectId: string, subject: SubjectEntry) => string): BreakdownRow[] {
  const tally = new BreakdownTally();
  for (const { projectId, subject } of selection.subjects) tally.add(projectId, subject.id, keyOf(projectId, subject));
  return tally.rows();
}
