import {
  BreakdownTally, manufacturerKey, UNKNOWN_KEY,
  type BreakdownDimension, type BreakdownRow, type CohortCountRecord, type CountsRecord, type CriteriaField,
} from '@cancer-imaging/provider-kit';
import { bodyPartFromDicom, modalityFromDicom } from '@cancer-imaging/schema';
import { compareText, type SeriesSummary, type StudyEntry } from './orthanc-mappers.js';

/**
 * A cohort at an Orthanc site once the criteria have selected it (see orthanc-criteria.ts
 * for the semantics), and the two answers made from it: the counts and the breakdowns.
 * countCohort and breakdownCohort both start from the same selection, so a breakdown
 * cannot count a subject the count leaves out, nor the other way round.
 */

/** A subject of one dataset: its studies in that dataset, earliest first. */
export interface SubjectGroup {
  readonly datasetLocalId: string;
  readonly nativePatientId: string;
  readonly studies: StudyEntry[];
}

/** dataset localId -> PatientID -> subject. */
export type SubjectIndex = Map<string, Map<string, SubjectGroup>>;

/** A study of a selected subject, with the series of it the criteria select (Orthanc ids). */
export interface SelectedStudy {
  readonly study: StudyEntry;
  readonly seriesIds: readonly string[];
}

/** A subject the criteria select, with its studies that have at least one selected series. */
export interface SelectedSubject {
  readonly subject: SubjectGroup;
  /** Never empty: a subject without a selected series is not in the cohort. */
  readonly studies: readonly SelectedStudy[];
}

export interface CohortSelection {
  readonly subjects: readonly SelectedSubject[];
  /** Criteria fields the site could not apply exactly (sorted). */
  readonly unsupported: readonly CriteriaField[];
  /** Ages of the subjects, when the criteria needed them (ageAtDiagnosis). */
  readonly ages?: ReadonlyMap<SubjectGroup, number | null>;
  /** The selected series by Orthanc id, when series-level criteria read them (their find). */
  readonly seriesSummaries?: ReadonlyMap<string, SeriesSummary>;
}

/** Distinct subjects, studies and series of a selection, in total and per dataset. */
export function countSelection(selection: CohortSelection): CohortCountRecord {
  const byDataset = new Map<string, { subjects: number; studies: Set<string>; series: Set<string> }>();
  const allStudies = new Set<string>();
  const allSeries = new Set<string>();
  for (const { subject, studies } of selection.subjects) {
    let row = byDataset.get(subject.datasetLocalId);
    if (!row) byDataset.set(subject.datasetLocalId, (row = { subjects: 0, studies: new Set(), series: new Set() }));
    row.subjects += 1;
    for (const { study, seriesIds } of studies) {
      row.studies.add(study.orthancId);
      allStudies.add(study.orthancId);
      for (const id of seriesIds) {
        row.series.add(id);
        allSeries.add(id);
      }
    }
  }
  const rows: (CountsRecord & { datasetLocalId: string })[] = [...byDataset]
    .map(([datasetLocalId, row]) => ({ datasetLocalId, subjects: row.subjects, studies: row.studies.size, series: row.series.size }))
    .sort((a, b) => compareText(a.datasetLocalId, b.datasetLocalId));
  return {
    subjects: selection.subjects.length,
    studies: allStudies.size,
    series: allSeries.size,
    byDataset: rows,
    unsupportedCriteria: selection.unsupported,
  };
}

/** Dimensions a subject counts under once per matching series' key. */
export type SeriesDimension = Extract<BreakdownDimension, 'MODALITY' | 'BODY_PART' | 'MANUFACTURER'>;

export function isSeriesDimension(by: BreakdownDimension): by is SeriesDimension {
  return by === 'MODALITY' || by === 'BODY_PART' || by === 'MANUFACTURER';
}

/**
 * A series' key under a series-level dimension. Modality and body part go through the same
 * parsing as the criteria (seriesMatches), so a bucket is exactly the cohort narrowed to
 * its key. A Modality outside the vocabulary (KO, SR, PR) is UNKNOWN here although a
 * series record shows it as OT: no `modalities` criterion selects it, not even OT.
 */
export function seriesKey(series: Pick<SeriesSummary, 'modality' | 'bodyPart' | 'manufacturer'>, by: SeriesDimension): string {
  switch (by) {
    case 'MODALITY': return modalityFromDicom(series.modality) ?? UNKNOWN_KEY;
    case 'BODY_PART': return bodyPartFromDicom(series.bodyPart) ?? UNKNOWN_KEY;
    case 'MANUFACTURER': return manufacturerKey(series.manufacturer);
  }
}

/**
 * Subjects per dataset and key of a series-level dimension: each subject under the key of
 * every selected series it has. A series the summaries lack (deleted since the snapshot)
 * still counts, under UNKNOWN, as it does in the count.
 */
export function breakdownBySeries(selection: CohortSelection, by: SeriesDimension, summaries: ReadonlyMap<string, SeriesSummary>): BreakdownRow[] {
  const tally = new BreakdownTally();
  for (const { subject, studies } of selection.subjects) {
    for (const { seriesIds } of studies) {
      for (const id of seriesIds) {
        const summary = summaries.get(id);
        tally.add(subject.datasetLocalId, subject.nativePatientId, summary ? seriesKey(summary, by) : UNKNOWN_KEY);
      }
    }
  }
  return tally.rows();
}

/** Subjects per dataset and key of a subject-level dimension: each subject under exactly one key. */
export function breakdownBySubject(selection: CohortSelection, keyOf: (subject: SubjectGroup) => string): BreakdownRow[] {
  const tally = new BreakdownTally();
  for (const { subject } of selection.subjects) tally.add(subject.datasetLocalId, subject.nativePatientId, keyOf(subject));
  return tally.rows();
}
