import { describe, expect, it } from 'vitest';
import { DatasetRecordsDocument, DatasetSubjectsDocument, StudySeriesDocument, SubjectStudiesDocument } from './__generated__/graphql.js';
import { CancerImagingError } from './errors.js';
import { buildRecordMethods } from './record-methods.js';
import type { Transport } from './transport.js';

// The browsing methods over a fake graph that pages as the real one does (offset cursors),
// with subjects holding more studies, and studies more series, than one page embeds: the
// walk must reach every series exactly once through the locations it keeps.

interface FakeStudy { id: string; series: string[] }
interface FakeSubject { id: string; studies: FakeStudy[] }

/** Subject i has `studies(i)` studies; study j of it has `series(i, j)` series. */
function buildDataset(subjects: number, studies: (i: number) => number, series: (i: number, j: number) => number): FakeSubject[] {
  return Array.from({ length: subjects }, (_, i) => ({
    id: `s${i}`,
    studies: Array.from({ length: studies(i) }, (_, j) => ({
      id: `s${i}/t${j}`,
      series: Array.from({ length: series(i, j) }, (_, k) => `s${i}/t${j}/r${k}`),
    })),
  }));
}

function connection<T, N>(all: readonly T[], first: number, after: string | null | undefined, node: (item: T) => N) {
  const start = after == null ? 0 : Number(after) + 1;
  const items = all.slice(start, start + first);
  return {
    totalCount: all.length,
    pageInfo: { hasNextPage: start + items.length < all.length, endCursor: items.length ? String(start + items.length - 1) : null },
    edges: items.map((item, i) => ({ cursor: String(start + i), node: node(item) })),
    nodes: items.map(node),
  };
}

const subjectFields = (s: FakeSubject) => ({ id: s.id, sex: 'FEMALE', ageBand: '60-64', diagnosis: 'LUNG', yearOfDiagnosis: 2020 });
const studyFields = (t: FakeStudy) => ({ id: t.id, studyInstanceUid: `1.2.${t.id}`, year: 2020, modalities: ['CT'], bodyPart: 'CHEST', description: null });
const seriesFields = (r: string) => ({ id: r, seriesInstanceUid: `1.2.${r}`, modality: 'CT', bodyPart: 'CHEST', manufacturer: null, description: null, instanceCount: 1, retrieveUrl: null });
const seriesWithSegmentations = (r: string) => ({ ...seriesFields(r), segmentations: [{ id: `${r}/seg`, format: 'DICOM_SEG', seriesInstanceUid: null, label: 'tumour' }] });

/** `maxRecordsFirst`: the largest page of DatasetRecords the fake's cost limit lets through. */
function fakeTransport(dataset: { value: FakeSubject[] }, maxRecordsFirst = 100) {
  const requests: string[] = [];
  const request = (async (document: unknown, variables: Record<string, any>) => {
    const subjects = dataset.value;
    if (document === DatasetSubjectsDocument) {
      requests.push('subjects');
      return { dataset: { id: 'd', subjects: connection(subjects, variables['first'], variables['after'], subjectFields) } };
    }
    if (document === SubjectStudiesDocument) {
      requests.push('studies');
      return {
        dataset: { id: 'd', subjects: connection(subjects, 1, variables['subjectAfter'], (s) => ({ id: s.id, studies: connection(s.studies, variables['first'], variables['after'], studyFields) })) },
      };
    }
    if (document === StudySeriesDocument) {
      requests.push('series');
      return {
        dataset: {
          id: 'd',
          subjects: connection(subjects, 1, variables['subjectAfter'], (s) => ({
            id: s.id,
            studies: connection(s.studies, 1, variables['studyAfter'], (t) => ({ id: t.id, series: connection(t.series, variables['first'], variables['after'], seriesWithSegmentations) })),
          })),
        },
      };
    }
    if (document === DatasetRecordsDocument) {
      requests.push('records');
      if (variables['first'] > maxRecordsFirst) throw new CancerImagingError('The operation\'s estimated cost is too high.', { code: 'OPERATION_TOO_COMPLEX', status: 400 });
      return {
        dataset: {
          id: 'd',
          subjects: connection(subjects, variables['first'], variables['after'], (s) => ({
            ...subjectFields(s),
            studies: connection(s.studies, variables['studiesFirst'], null, (t) => ({ ...studyFields(t), series: connection(t.series, variables['seriesFirst'], null, seriesFields) })),
          })),
        },
      };
    }
    throw new Error('unexpected document');
  }) as unknown as Transport['request'];
  return { transport: { request, execute: undefined as unknown as Transport['execute'] } satisfies Transport, requests };
}

describe('browsing records', () => {
  // Subject 3 has 23 studies (three pages of 10); study 1 of subject 5 has 120 series (three of 50).
  const dataset = { value: buildDataset(7, (i) => (i === 3 ? 23 : 2), (i, j) => (i === 5 && j === 1 ? 120 : 3)) };
  const all = dataset.value.flatMap((s) => s.studies.flatMap((t) => t.series));

  it('walks every series of a dataset exactly once, in order, continuing past the embedded pages', async () => {
    const { transport, requests } = fakeTransport(dataset);
    const rows = [];
    for await (const row of buildRecordMethods(transport).datasetSeries('d', { pageSize: 3 })) rows.push(row);
    expect(rows.map((row) => row.series.id)).toEqual(all);
    // Rows are series summaries, the same shape whether embedded or fetched per study.
    expect(rows.filter((row) => 'segmentations' in row.series)).toEqual([]);
    expect(rows.every((row) => row.series.id.startsWith(`${row.study.id}/`) && row.study.id.startsWith(`${row.subject.id}/`))).toBe(true);
    // 3 pages of subjects (3, 3, 1); past the embedded pages, at full size: subject 3's other
    // 13 studies in one page, then each of their series; study s5/t1's other 70 series.
    expect(requests.filter((r) => r === 'records')).toHaveLength(3);
    expect(requests.filter((r) => r === 'studies')).toHaveLength(1);
    expect(requests.filter((r) => r === 'series')).toHaveLength(13 + 1);
  });

  it('pages subjects, then a subject\'s studies, then a study\'s series, through their locations', async () => {
    const { transport } = fakeTransport(dataset);
    const methods = buildRecordMethods(transport);
    const subjects = await methods.subjects('d', { pageSize: 2 }).toArray();
    expect(subjects.map((s) => s.id)).toEqual(['s0', 's1', 's2', 's3', 's4', 's5', 's6']);
    expect(subjects[3]!.location).toEqual({ datasetId: 'd', subjectAfter: '2' });
    const studies = await methods.studies(subjects[3]!, { pageSize: 4 }).toArray();
    expect(studies).toHaveLength(23);
    const series = await methods.series((await methods.studies(subjects[5]!).toArray())[1]!, { pageSize: 100 }).toArray();
    expect(series).toHaveLength(120);
    expect(series.at(-1)!.id).toBe('s5/t1/r119');
    expect(series[0]!.segmentations).toEqual([expect.objectContaining({ format: 'DICOM_SEG' })]);
  });

  it('halves the page of subjects while the gateway refuses its cost, then carries on', async () => {
    const { transport, requests } = fakeTransport(dataset, 2);
    const rows = [];
    for await (const row of buildRecordMethods(transport).datasetSeries('d', { pageSize: 10 })) rows.push(row);
    expect(rows.map((row) => row.series.id)).toEqual(all);
    // 10 and 5 refused, then pages of 2 over 7 subjects.
    expect(requests.filter((r) => r === 'records')).toHaveLength(2 + 4);
  });

  it('fails with CONFLICT, never another subject\'s records, when the dataset changed meanwhile', async () => {
    const shifting = { value: dataset.value };
    const { transport } = fakeTransport(shifting);
    const methods = buildRecordMethods(transport);
    const [, second] = await methods.subjects('d').toArray({ max: 2 });
    shifting.value = dataset.value.slice(1);
    const error = await methods.studies(second!).toArray().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CancerImagingError);
    expect(error).toMatchObject({ code: 'CONFLICT' });
  });

  it('refuses a page size the graph would refuse, before any request', () => {
    const { transport, requests } = fakeTransport(dataset);
    expect(() => buildRecordMethods(transport).subjects('d', { pageSize: 500 })).toThrow(expect.objectContaining({ code: 'BAD_USER_INPUT' }));
    expect(requests).toEqual([]);
  });
});
