import { DatasetRecordsDocument } from './__generated__/graphql.js';
import { CancerImagingError } from './errors.js';
import { MAX_PAGE_SIZE, paginate, type Page } from './paginate.js';
import {
  existing, fetchSeriesPage, fetchStudiesPage, required, toPage, toStudyRecord, toSubjectRecord,
  type SeriesSummary, type StudyRecord, type SubjectRecord,
} from './record-pages.js';
import type { Transport } from './transport.js';

/** One series of a dataset with the study and subject it belongs to (segmentations: `client.series(study)`). */
export interface DatasetSeriesRow {
  readonly subject: SubjectRecord;
  readonly study: StudyRecord;
  readonly series: SeriesSummary;
}

/**
 * Studies and series embedded per subject: the usual subject fits (a few studies of a
 * few series), and 100 subjects × 10 × 50 keep the estimated cost near half the gateway's
 * default limit.
 */
const EMBEDDED_STUDIES = 10;
const EMBEDDED_SERIES = 50;

/** A study with the first page of its series when the page of subjects embedded it. */
interface StudyWithSeries {
  readonly study: StudyRecord;
  readonly seriesPage: Page<SeriesSummary> | undefined;
}

interface SubjectWithStudies {
  readonly subject: SubjectRecord;
  readonly studyPage: Page<StudyWithSeries>;
}

/**
 * Every series of a dataset, depth first: a page of subjects with their first studies and
 * series per request, continued per subject or study only where those pages were not all.
 * A gateway whose cost limit refuses the page (OPERATION_TOO_COMPLEX) is asked again with
 * half as many subjects, down to one.
 */
export function walkDatasetSeries(transport: Transport, datasetId: string, pageSize: number, signal?: AbortSignal): AsyncIterable<DatasetSeriesRow> {
  let subjectsFirst = pageSize;

  async function fetchRecords(after: string | null) {
    for (;;) {
      try {
        const variables = { datasetId, first: subjectsFirst, after, studiesFirst: EMBEDDED_STUDIES, seriesFirst: EMBEDDED_SERIES };
        return await transport.request(DatasetRecordsDocument, variables, { signal });
      } catch (error) {
        if (!(error instanceof CancerImagingError && error.code === 'OPERATION_TOO_COMPLEX' && subjectsFirst > 1)) throw error;
        subjectsFirst = Math.floor(subjectsFirst / 2);
      }
    }
  }

  const subjects = paginate(async (after): Promise<Page<SubjectWithStudies>> => {
    const data = await fetchRecords(after);
    return toPage(required(existing(data.dataset, datasetId).subjects, 'subjects'), after, ({ studies, ...fields }, before) => {
      const subject = toSubjectRecord(datasetId, fields, before);
      const studyPage = toPage(required(studies, 'studies'), null, ({ series, ...studyFields }, studyBefore): StudyWithSeries => ({
        study: toStudyRecord(subject, studyFields, studyBefore),
        seriesPage: toPage(required(series, 'series'), null, (summary) => summary),
      }));
      return { subject, studyPage };
    });
  });

  // Pages past the embedded ones come from the per-subject and per-study queries, at full size.
  const moreStudies = (subject: SubjectRecord) => async (after: string | null): Promise<Page<StudyWithSeries>> => {
    const page = await fetchStudiesPage(transport, subject, MAX_PAGE_SIZE, after, signal);
    return { ...page, nodes: page.nodes.map((study) => ({ study, seriesPage: undefined })) };
  };
  const moreSeries = (study: StudyRecord) => async (after: string | null): Promise<Page<SeriesSummary>> => {
    const page = await fetchSeriesPage(transport, study, MAX_PAGE_SIZE, after, signal);
    // Rows carry series without segmentations, wherever the page came from.
    return { ...page, nodes: page.nodes.map(({ segmentations: _, ...summary }) => summary) };
  };

  return {
    async *[Symbol.asyncIterator]() {
      for await (const { subject, studyPage } of subjects) {
        for await (const { study, seriesPage } of paginate(moreStudies(subject), { firstPage: studyPage })) {
          for await (const series of paginate(moreSeries(study), seriesPage ? { firstPage: seriesPage } : {})) {
            yield { subject, study, series };
          }
        }
      }
    },
  };
}
