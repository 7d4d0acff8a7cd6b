import { walkDatasetSeries, type DatasetSeriesRow } from './dataset-series.js';
import { paginate, toPageSize, type PageOptions, type Paginated } from './paginate.js';
import {
  fetchSeriesPage, fetchStudiesPage, fetchSubjectsPage,
  type SeriesRecord, type StudyRecord, type SubjectRecord,
} from './record-pages.js';
import type { Transport } from './transport.js';

export type { DatasetSeriesRow } from './dataset-series.js';
export type { SeriesRecord, SeriesSummary, StudyLocation, StudyRecord, SubjectLocation, SubjectRecord } from './record-pages.js';

/**
 * Record-level browsing of a granted dataset: subjects → studies → series. Each needs a
 * token with a grant for the dataset (UNAUTHENTICATED without a token, FORBIDDEN without a
 * grant), and every read is audited.
 */
export interface RecordMethods {
  /** A granted dataset's pseudonymised subjects. */
  subjects(datasetId: string, options?: PageOptions): Paginated<SubjectRecord>;
  /** A subject's studies, the subject as `subjects()` yielded it. */
  studies(subject: SubjectRecord, options?: PageOptions): Paginated<StudyRecord>;
  /** A study's series with retrieve links and segmentations, the study as `studies()` yielded it. */
  series(study: StudyRecord, options?: PageOptions): Paginated<SeriesRecord>;
  /**
   * Every series of a granted dataset with its study and subject: one request per page of
   * subjects in the usual case (`pageSize` subjects, default 50), more only for a subject
   * with over 10 studies or a study with over 50 series. Rows leave segmentations out.
   */
  datasetSeries(datasetId: string, options?: PageOptions): AsyncIterable<DatasetSeriesRow>;
}

export function buildRecordMethods(transport: Transport): RecordMethods {
  return {
    subjects(datasetId, options = {}) {
      const first = toPageSize(options.pageSize);
      return paginate((after) => fetchSubjectsPage(transport, datasetId, first, after, options.signal));
    },
    studies(subject, options = {}) {
      const first = toPageSize(options.pageSize);
      return paginate((after) => fetchStudiesPage(transport, subject, first, after, options.signal));
    },
    series(study, options = {}) {
      const first = toPageSize(options.pageSize);
      return paginate((after) => fetchSeriesPage(transport, study, first, after, options.signal));
    },
    datasetSeries(datasetId, options = {}) {
      return walkDatasetSeries(transport, datasetId, toPageSize(options.pageSize), options.signal);
    },
  };
}
