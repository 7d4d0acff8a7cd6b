import {
  DatasetSubjectsDocument, StudySeriesDocument, SubjectStudiesDocument,
  type SegmentationFieldsFragment, type SeriesFieldsFragment, type StudyFieldsFragment, type SubjectFieldsFragment,
} from './__generated__/graphql.js';
import { CancerImagingError } from './errors.js';
import type { Page } from './paginate.js';
import type { Transport } from './transport.js';

/**
 * Pages of a granted dataset's records: subjects, a subject's studies, a study's series.
 * The graph has no root field for a subject or a study, so a record carries its
 * `location`: the cursors that reach it again through its dataset, as
 * `subjects(first: 1, after: ...)`. Cursors are positions; the ids are checked on the way
 * back, so a dataset that changed meanwhile gives a CONFLICT error, never another
 * subject's records.
 */

/** Where a subject sits in its dataset. */
export interface SubjectLocation {
  readonly datasetId: string;
  /** The cursor of the subject before it; null for the first. */
  readonly subjectAfter: string | null;
}

/** Where a study sits: its subject's location, the subject's id, the cursor before the study. */
export interface StudyLocation extends SubjectLocation {
  readonly subjectId: string;
  readonly studyAfter: string | null;
}

/** A pseudonymised subject, with what `client.studies(subject)` needs to page its studies. */
export type SubjectRecord = SubjectFieldsFragment & { readonly location: SubjectLocation };
/** A study, with what `client.series(study)` needs to page its series. */
export type StudyRecord = StudyFieldsFragment & { readonly location: StudyLocation };
/** A series with its retrieve link (null where the site serves no images). */
export type SeriesSummary = SeriesFieldsFragment;
/** A series with its retrieve link and its segmentations. */
export type SeriesRecord = SeriesFieldsFragment & { readonly segmentations: readonly SegmentationFieldsFragment[] };

/** A connection as the records operations select it: edges, so each record comes with its cursor. */
export interface Edges<TNode> {
  readonly totalCount: number;
  readonly pageInfo: { readonly hasNextPage: boolean; readonly endCursor: string | null };
  readonly edges: readonly { readonly cursor: string; readonly node: TNode }[];
}

/** A page of edges as SDK records, each told the cursor before it (the page's `after` for the first). */
export function toPage<TNode, TRecord>(connection: Edges<TNode>, after: string | null, toRecord: (node: TNode, before: string | null) => TRecord): Page<TRecord> {
  return {
    totalCount: connection.totalCount,
    hasNextPage: connection.pageInfo.hasNextPage,
    endCursor: connection.pageInfo.endCursor,
    nodes: connection.edges.map((edge, index) => toRecord(edge.node, index === 0 ? after : connection.edges[index - 1]!.cursor)),
  };
}

/** The dataset of an answer; an unknown id is an error here, as there is nothing to browse. */
export function existing<T>(dataset: T | null, datasetId: string): T {
  if (dataset === null) throw new CancerImagingError(`No dataset has the id ${datasetId}.`, { code: 'NOT_FOUND' });
  return dataset;
}

/** The graph hides a connection (null) only beside an error, which `request` has thrown; this is for a graph that did not. */
export function required<T>(value: T | null | undefined, what: string): T {
  if (value == null) throw new CancerImagingError(`The graph returned no ${what}.`, { code: 'INTERNAL' });
  return value;
}

function moved(what: string): CancerImagingError {
  return new CancerImagingError(`The ${what} changed while browsing (its records moved); start again from the dataset.`, { code: 'CONFLICT' });
}

export function toSubjectRecord(datasetId: string, node: SubjectFieldsFragment, before: string | null): SubjectRecord {
  return { ...node, location: { datasetId, subjectAfter: before } };
}

export function toStudyRecord(subject: SubjectRecord, node: StudyFieldsFragment, before: string | null): StudyRecord {
  return { ...node, location: { ...subject.location, subjectId: subject.id, studyAfter: before } };
}

export async function fetchSubjectsPage(transport: Transport, datasetId: string, first: number, after: string | null, signal?: AbortSignal): Promise<Page<SubjectRecord>> {
  const data = await transport.request(DatasetSubjectsDocument, { datasetId, first, after }, { signal });
  const subjects = required(existing(data.dataset, datasetId).subjects, 'subjects');
  return toPage(subjects, after, (node, before) => toSubjectRecord(datasetId, node, before));
}

export async function fetchStudiesPage(transport: Transport, subject: SubjectRecord, first: number, after: string | null, signal?: AbortSignal): Promise<Page<StudyRecord>> {
  const { datasetId, subjectAfter } = subject.location;
  const data = await transport.request(SubjectStudiesDocument, { datasetId, subjectAfter, first, after }, { signal });
  const found = required(existing(data.dataset, datasetId).subjects, 'subjects').nodes[0];
  if (found?.id !== subject.id) throw moved('dataset');
  return toPage(required(found.studies, 'studies'), after, (node, before) => toStudyRecord(subject, node, before));
}

export async function fetchSeriesPage(transport: Transport, study: StudyRecord, first: number, after: string | null, signal?: AbortSignal): Promise<Page<SeriesRecord>> {
  const { datasetId, subjectAfter, subjectId, studyAfter } = study.location;
  const data = await transport.request(StudySeriesDocument, { datasetId, subjectAfter, studyAfter, first, after }, { signal });
  const subject = required(existing(data.dataset, datasetId).subjects, 'subjects').nodes[0];
  if (subject?.id !== subjectId) throw moved('dataset');
  const found = required(subject.studies, 'studies').nodes[0];
  if (found?.id !== study.id) throw moved('subject');
  return toPage(required(found.series, 'series'), after, (node) => node);
}
