import {
  BREAKDOWN_DIMENSIONS, ProviderError, subjectRefKey, withDeadline,
  type BreakdownDimension, type BreakdownRow, type ProviderAdapter, type SiteCriteria,
} from '@cancer-imaging/provider-kit';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createOrthancAdapter, OrthancNotFoundError, OrthancUnsupportedFeatureError } from '../../src/adapter/index.js';
import { FakeOrthanc, type FakeStudySpec } from './support/fake-orthanc.js';
import {
  callContext, capturingLogger, countingFetch, curatedDataset, orthancSite, PASSWORD_VAR, silentLogger, USER_VAR,
} from './support/helpers.js';

// The Orthanc adapter against a fake Orthanc served by msw (support/fake-orthanc.ts), whose
// responses have the shapes recorded from a real Orthanc 1.10.1 (fixtures/). The same
// behaviours are checked against a real Orthanc in orthanc-adapter.integration.test.ts.

const BASE = 'http://fake-orthanc.test';
const server = setupServer();
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterEach(() => server.resetHandlers());
afterAll(() => server.close());

const DATASETS = [
  curatedDataset('orthanc-a', 'LUNG', ['LUNG']),
  curatedDataset('orthanc-a', 'PROSTATE', ['PROSTATE']),
  curatedDataset('orthanc-a', 'MIXED', ['LUNG', 'BREAST']),
];

/**
 * Seven subjects' worth of studies (hand-computed expectations below):
 * P1 (F, 060Y written) LUNG: S1 2020 CT+PT+RTSTRUCT, S2 2021 CT.  P2 (M, no PatientAge, born
 * 1950-06-15) LUNG: S3 2020-06-14 CT (age 69) and PROSTATE: S4 2019 MR+SEG (age 68).  P3 (sex
 * empty, 045Y written although born 1970) PROSTATE: S5 MR PELVIS.  P4 (O, no age) MIXED: S6 CT.
 * P5 (F, 30) EXTRA (not curated): S7 MR.  P6: S8 without a protocol (no dataset).
 */
const STUDIES: FakeStudySpec[] = [
  { patientId: 'P1', patientName: 'PEETERS^ANNA', sex: 'F', birthDate: '19600101', age: '060Y', studyUid: '1.2.1', date: '20200101', protocol: 'LUNG', description: 'CT THORAX', series: [
    { modality: 'CT', bodyPart: 'CHEST', manufacturer: 'SIEMENS', instances: 2, description: 'THORAX' },
    { modality: 'PT', bodyPart: 'WHOLEBODY', manufacturer: 'GE MEDICAL SYSTEMS' },
    { modality: 'RTSTRUCT', bodyPart: 'CHEST', manufacturer: 'Varian', references: 0 },
  ] },
  { patientId: 'P1', patientName: 'PEETERS^ANNA', sex: 'F', birthDate: '19600101', age: '061Y', studyUid: '1.2.2', date: '20210601', protocol: 'LUNG', series: [
    { modality: 'CT', bodyPart: 'CHEST', manufacturer: 'Siemens' },
  ] },
  { patientId: 'P2', sex: 'M', birthDate: '19500615', studyUid: '1.2.3', date: '20200614', protocol: 'LUNG', series: [
    { modality: 'CT', bodyPart: 'CHEST', manufacturer: 'GE MEDICAL SYSTEMS' },
  ] },
  { patientId: 'P2', sex: 'M', birthDate: '19500615', studyUid: '1.2.4', date: '20190101', protocol: 'PROSTATE', series: [
    { modality: 'MR', bodyPart: 'PROSTATE', manufacturer: 'PHILIPS', instances: 3 },
    { modality: 'SEG', bodyPart: 'PROSTATE', manufacturer: 'QIICR', references: 0, label: 'Prostate' },
  ] },
  { patientId: 'P3', sex: '', birthDate: '19700101', age: '045Y', studyUid: '1.2.5', date: '20160101', protocol: 'PROSTATE', series: [
    { modality: 'MR', bodyPart: 'PELVIS', manufacturer: 'philips' },
  ] },
  { patientId: 'P4', sex: 'O', studyUid: '1.2.6', date: '20200101', protocol: 'MIXED', series: [{ modality: 'CT', bodyPart: 'CHEST', manufacturer: 'SIEMENS' }] },
  { patientId: 'P5', sex: 'F', birthDate: '19900101', studyUid: '1.2.7', date: '20200101', protocol: 'EXTRA', series: [{ modality: 'MR', bodyPart: 'BREAST', manufacturer: 'GE MEDICAL SYSTEMS' }] },
  { patientId: 'P6', sex: 'F', birthDate: '19900101', studyUid: '1.2.8', date: '20200101', series: [{ modality: 'CT', bodyPart: 'CHEST', manufacturer: 'SIEMENS' }] },
];

const COHORTS: { name: string; criteria: SiteCriteria; totals: [number, number, number]; byDataset: Record<string, [number, number, number]>; unsupported?: string[] }[] = [
  { name: 'no criteria', criteria: {}, totals: [6, 7, 10], byDataset: { EXTRA: [1, 1, 1], LUNG: [2, 3, 5], MIXED: [1, 1, 1], PROSTATE: [2, 2, 3] } },
  { name: 'modality CT', criteria: { modalities: ['CT'] }, totals: [3, 4, 4], byDataset: { LUNG: [2, 3, 3], MIXED: [1, 1, 1] } },
  { name: 'sex FEMALE', criteria: { sex: ['FEMALE'] }, totals: [2, 3, 5], byDataset: { EXTRA: [1, 1, 1], LUNG: [1, 2, 4] } },
  { name: 'sex UNKNOWN (empty PatientSex)', criteria: { sex: ['UNKNOWN'] }, totals: [1, 1, 1], byDataset: { PROSTATE: [1, 1, 1] } },
  { name: 'age 60-68 at the earliest study of the dataset', criteria: { ageAtDiagnosis: { min: 60, max: 68 } }, totals: [2, 3, 6], byDataset: { LUNG: [1, 2, 4], PROSTATE: [1, 1, 2] } },
  { name: 'manufacturer, case-insensitive', criteria: { manufacturers: ['siemens'] }, totals: [2, 3, 3], byDataset: { LUNG: [1, 2, 2], MIXED: [1, 1, 1] } },
  { name: 'MR of prostate or pelvis', criteria: { modalities: ['MR'], bodyParts: ['PROSTATE', 'PELVIS'] }, totals: [2, 2, 2], byDataset: { PROSTATE: [2, 2, 2] } },
  { name: 'one dataset, males', criteria: { datasetLocalIds: ['PROSTATE'], sex: ['MALE'] }, totals: [1, 1, 2], byDataset: { PROSTATE: [1, 1, 2] } },
  { name: 'LUNG: exact for LUNG, undecidable for MIXED and EXTRA', criteria: { cancerTypes: ['LUNG'] }, totals: [2, 3, 5], byDataset: { LUNG: [2, 3, 5] }, unsupported: ['cancerTypes'] },
  { name: 'LUNG or BREAST: MIXED included, EXTRA undecidable', criteria: { cancerTypes: ['LUNG', 'BREAST'] }, totals: [3, 4, 6], byDataset: { LUNG: [2, 3, 5], MIXED: [1, 1, 1] }, unsupported: ['cancerTypes'] },
  { name: 'yearOfDiagnosis: not applied, reported', criteria: { yearOfDiagnosis: { min: 2020 } }, totals: [6, 7, 10], byDataset: { EXTRA: [1, 1, 1], LUNG: [2, 3, 5], MIXED: [1, 1, 1], PROSTATE: [2, 2, 3] }, unsupported: ['yearOfDiagnosis'] },
];

let orthanc: FakeOrthanc;
let counted: ReturnType<typeof countingFetch>;

function adapter(options: Record<string, unknown> = {}, datasets = DATASETS): ProviderAdapter {
  return createOrthancAdapter(orthancSite({ baseUrl: BASE, options }), {
    logger: silentLogger, datasets, env: { [USER_VAR]: 'u', [PASSWORD_VAR]: 'p' }, fetch: counted.fetch,
  });
}

beforeEach(() => {
  orthanc = new FakeOrthanc(BASE);
  for (const study of STUDIES) orthanc.addStudy(study);
  server.use(...orthanc.handlers());
  counted = countingFetch();
});

describe('Orthanc adapter: describe', () => {
  it('reports the API version and the criteria it answers exactly', async () => {
    const description = await adapter().describe(callContext());
    expect(description.apiVersion).toBe('16 (Orthanc 1.10.1)');
    // MIXED has two cancer types: cancerTypes is not exact for this site; yearOfDiagnosis never is.
    expect(description.exactCriteria).toEqual(['modalities', 'bodyParts', 'manufacturers', 'sex', 'ageAtDiagnosis']);
    const singleTyped = await adapter({}, DATASETS.slice(0, 2)).describe(callContext());
    expect(singleTyped.exactCriteria).toContain('cancerTypes');
  });

  it('refuses label grouping before Orthanc 1.12 with a clear ProviderError', async () => {
    const labelled = adapter({ grouping: { by: 'label' } });
    const error = await labelled.describe(callContext()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OrthancUnsupportedFeatureError);
    expect((error as ProviderError).code).toBe('PROVIDER_BAD_RESPONSE');
    expect((error as Error).message).toMatch(/label.*1\.12.*1\.10\.1/);
    await expect(labelled.countCohort({}, callContext())).rejects.toBeInstanceOf(OrthancUnsupportedFeatureError);
  });
});

describe('Orthanc adapter: cohort counts', () => {
  for (const { name, criteria, totals, byDataset, unsupported } of COHORTS) {
    it(`counts subjects, studies and series per dataset: ${name}`, async () => {
      const counts = await adapter().countCohort(criteria, callContext());
      expect([counts.subjects, counts.studies, counts.series]).toEqual(totals);
      expect(Object.fromEntries(counts.byDataset.map((row) => [row.datasetLocalId, [row.subjects, row.studies, row.series]]))).toEqual(byDataset);
      expect(counts.unsupportedCriteria).toEqual(unsupported ?? []);
    });
  }

  it('reads tags once: a second identical query reads no tags and only /changes, /statistics and one find', async () => {
    const site = adapter();
    await site.countCohort({ modalities: ['CT'] }, callContext());
    // 1.10: the change sequence, the counts, the study list, /system (features), one series
    // find for the 8 studies, one simplified-tags read per study, the criteria's series find.
    expect(counted.log.byEndpoint()).toEqual({
      'GET /changes?last': 1, 'GET /statistics': 1, 'POST /tools/find': 3, 'GET /system': 1, 'GET /instances/{id}/simplified-tags': 8,
    });
    counted.log.reset();
    orthanc.markStable([...orthanc.studies.keys()][0]!);
    const second = await site.countCohort({ modalities: ['CT'] }, callContext());
    expect(second.subjects).toBe(3);
    expect(counted.log.byEndpoint()).toEqual({ 'GET /changes': 1, 'GET /statistics': 1, 'POST /tools/find': 1 });
    expect(counted.log.tagReads()).toBe(0);
  });

  it('takes PatientAge from RequestedTags on ApiVersion 17 (no instance read)', async () => {
    orthanc.apiVersion = 17;
    orthanc.version = '1.11.0';
    const counts = await adapter().countCohort({ ageAtDiagnosis: { min: 60, max: 68 } }, callContext());
    expect([counts.subjects, counts.studies, counts.series]).toEqual([2, 3, 6]);
    expect(counted.log.tagReads()).toBe(0);
  });

  it('sees a new study through /changes and re-reads only its tags', async () => {
    const site = adapter();
    await site.countCohort({}, callContext());
    orthanc.addStudy({ patientId: 'P7', sex: 'M', age: '070Y', studyUid: '1.2.9', date: '20220101', protocol: 'LUNG', series: [{ modality: 'CT', bodyPart: 'CHEST', manufacturer: 'SIEMENS' }] });
    counted.log.reset();
    const counts = await site.countCohort({}, callContext());
    expect([counts.subjects, counts.studies, counts.series]).toEqual([7, 8, 11]);
    expect(counted.log.tagReads()).toBe(1);
    expect(counted.log.byEndpoint()['GET /changes']).toBe(1);
  });

  it('sees a deletion (Orthanc 1.10 logs no change for it) through /statistics', async () => {
    const site = adapter();
    await site.countCohort({}, callContext());
    orthanc.deleteStudy([...orthanc.studies.values()].find((s) => s.spec.studyUid === '1.2.7')!.id);
    counted.log.reset();
    const counts = await site.countCohort({}, callContext());
    expect([counts.subjects, counts.studies, counts.series]).toEqual([5, 6, 9]);
    expect(counts.byDataset.map((row) => row.datasetLocalId)).not.toContain('EXTRA');
    expect(counted.log.tagReads()).toBe(0);
  });

  it('re-reads the tags of a study that received an instance (its LastUpdate changed)', async () => {
    const site = adapter();
    await site.countCohort({}, callContext());
    orthanc.addInstanceTo([...orthanc.studies.values()].find((s) => s.spec.studyUid === '1.2.1')!.id);
    counted.log.reset();
    const counts = await site.countCohort({}, callContext());
    expect(counts.series).toBe(10);
    expect(counted.log.tagReads()).toBe(1);
  });

  it('starts again when the change sequence goes back (a new Orthanc database)', async () => {
    const site = adapter();
    await site.countCohort({}, callContext());
    orthanc.resetDatabase();
    orthanc.addStudy(STUDIES[0]!);
    const counts = await site.countCohort({}, callContext());
    expect([counts.subjects, counts.studies, counts.series]).toEqual([1, 1, 3]);
  });

  it('groups by a study main tag (InstitutionName) without reading any instance', async () => {
    orthanc.resetDatabase();
    orthanc.addStudy({ ...STUDIES[0]!, institution: 'Hospital A' });
    orthanc.addStudy({ ...STUDIES[2]!, institution: 'Hospital B' });
    const counts = await adapter({ grouping: { by: 'tag', tag: 'InstitutionName' } }, []).countCohort({ modalities: ['CT'] }, callContext());
    expect(counts.byDataset.map((row) => row.datasetLocalId)).toEqual(['Hospital A', 'Hospital B']);
    expect(counted.log.tagReads()).toBe(0);
  });

  it('groups the whole site as one dataset named after its only curated dataset', async () => {
    const site = adapter({ grouping: { by: 'site' } }, [curatedDataset('orthanc-a', 'whole-site', ['LUNG'])]);
    const counts = await site.countCohort({ cancerTypes: ['LUNG'] }, callContext());
    expect(counts.byDataset).toEqual([{ datasetLocalId: 'whole-site', subjects: 6, studies: 8, series: 11 }]);
    expect(counts.unsupportedCriteria).toEqual([]);
  });

  it('groups by study description prefix, listing a prefix without studies too', async () => {
    const site = adapter({ grouping: { by: 'studyDescriptionPrefix', prefixes: ['CT', 'MR'] } }, []);
    const counts = await site.countCohort({}, callContext());
    expect(counts.byDataset).toEqual([{ datasetLocalId: 'CT', subjects: 1, studies: 1, series: 3 }]);
    expect(await site.listDatasets(callContext())).toEqual([
      { localId: 'CT', subjects: 1, studies: 1, series: 3 },
      { localId: 'MR', subjects: 0, studies: 0, series: 0 },
    ]);
  });

  it('groups the whole site as "all" when several datasets are curated: cancerTypes is then undecidable', async () => {
    const site = adapter({ grouping: { by: 'site' } });
    expect((await site.describe(callContext())).exactCriteria).not.toContain('cancerTypes');
    const counts = await site.countCohort({ cancerTypes: ['LUNG'] }, callContext());
    expect([counts.subjects, counts.unsupportedCriteria]).toEqual([0, ['cancerTypes']]);
    expect(await site.listDatasets(callContext())).toContainEqual({ localId: 'all', subjects: 6, studies: 8, series: 11 });
  });

  it('groups by label on Orthanc 1.12', async () => {
    orthanc.apiVersion = 22;
    orthanc.version = '1.12.4';
    orthanc.resetDatabase();
    orthanc.addStudy({ ...STUDIES[0]!, labels: ['trial-a'] });
    orthanc.addStudy({ ...STUDIES[2]!, labels: ['trial-a', 'trial-b'] });
    orthanc.addStudy({ ...STUDIES[4]! });
    const site = adapter({ grouping: { by: 'label' } }, []);
    expect((await site.describe(callContext())).apiVersion).toBe('22 (Orthanc 1.12.4)');
    const counts = await site.countCohort({}, callContext());
    expect(counts.byDataset).toEqual([
      { datasetLocalId: 'trial-a', subjects: 2, studies: 2, series: 4 },
      { datasetLocalId: 'trial-b', subjects: 1, studies: 1, series: 1 },
    ]);
    // A study in two labelled datasets is one study in the site's totals.
    expect([counts.subjects, counts.studies, counts.series]).toEqual([3, 2, 4]);
  });
});

/** Breakdown rows as dataset -> key -> subjects, to compare with hand-computed tables. */
function table(rows: readonly BreakdownRow[]): Record<string, Record<string, number>> {
  const out: Record<string, Record<string, number>> = {};
  for (const row of rows) {
    expect(out[row.datasetLocalId]?.[row.key], `${row.datasetLocalId}/${row.key} twice`).toBeUndefined();
    (out[row.datasetLocalId] ??= {})[row.key] = row.subjects;
  }
  return out;
}

/** Hand-computed from STUDIES: P2 is two subjects (LUNG at 69, PROSTATE at 68). */
const BREAKDOWNS: { by: BreakdownDimension; criteria: SiteCriteria; expected: Record<string, Record<string, number>> }[] = [
  { by: 'MODALITY', criteria: {}, expected: { LUNG: { CT: 2, PT: 1, RTSTRUCT: 1 }, PROSTATE: { MR: 2, SEG: 1 }, MIXED: { CT: 1 }, EXTRA: { MR: 1 } } },
  { by: 'BODY_PART', criteria: {}, expected: { LUNG: { CHEST: 2, WHOLEBODY: 1 }, PROSTATE: { PROSTATE: 1, PELVIS: 1 }, MIXED: { CHEST: 1 }, EXTRA: { BREAST: 1 } } },
  // "SIEMENS" and "Siemens" are one key; so are "PHILIPS" and "philips".
  { by: 'MANUFACTURER', criteria: {}, expected: { LUNG: { SIEMENS: 1, 'GE MEDICAL SYSTEMS': 2, VARIAN: 1 }, PROSTATE: { PHILIPS: 2, QIICR: 1 }, MIXED: { SIEMENS: 1 }, EXTRA: { 'GE MEDICAL SYSTEMS': 1 } } },
  { by: 'SEX', criteria: {}, expected: { LUNG: { FEMALE: 1, MALE: 1 }, PROSTATE: { MALE: 1, UNKNOWN: 1 }, MIXED: { OTHER: 1 }, EXTRA: { FEMALE: 1 } } },
  // MIXED has two curated cancer types and EXTRA none: their subjects' cancer type is unknown.
  { by: 'CANCER_TYPE', criteria: {}, expected: { LUNG: { LUNG: 2 }, PROSTATE: { PROSTATE: 2 }, MIXED: { UNKNOWN: 1 }, EXTRA: { UNKNOWN: 1 } } },
  { by: 'AGE_BAND', criteria: {}, expected: { LUNG: { '60-64': 1, '65-69': 1 }, PROSTATE: { '45-49': 1, '65-69': 1 }, MIXED: { UNKNOWN: 1 }, EXTRA: { '30-34': 1 } } },
  { by: 'MODALITY', criteria: { modalities: ['CT', 'MR'], sex: ['MALE', 'FEMALE'] }, expected: { LUNG: { CT: 2 }, PROSTATE: { MR: 1 }, EXTRA: { MR: 1 } } },
  { by: 'SEX', criteria: { modalities: ['CT'] }, expected: { LUNG: { FEMALE: 1, MALE: 1 }, MIXED: { OTHER: 1 } } },
  { by: 'AGE_BAND', criteria: { ageAtDiagnosis: { min: 60, max: 68 } }, expected: { LUNG: { '60-64': 1 }, PROSTATE: { '65-69': 1 } } },
  { by: 'MANUFACTURER', criteria: { manufacturers: ['siemens'] }, expected: { LUNG: { SIEMENS: 1 }, MIXED: { SIEMENS: 1 } } },
  { by: 'CANCER_TYPE', criteria: { cancerTypes: ['LUNG', 'BREAST'] }, expected: { LUNG: { LUNG: 2 }, MIXED: { UNKNOWN: 1 } } },
];

describe('Orthanc adapter: cohort breakdowns', () => {
  for (const { by, criteria, expected } of BREAKDOWNS) {
    it(`counts subjects per dataset and ${by} key: ${JSON.stringify(criteria)}`, async () => {
      expect(table(await adapter().breakdownCohort(criteria, by, callContext()))).toEqual(expected);
    });
  }

  it('puts every counted subject under one key of a subject-level dimension, and makes each series-level bucket the cohort narrowed to its key', async () => {
    const site = adapter();
    for (const { name, criteria } of COHORTS) {
      const counts = await site.countCohort(criteria, callContext());
      const subjects = Object.fromEntries(counts.byDataset.map((row) => [row.datasetLocalId, row.subjects]));
      for (const by of ['SEX', 'CANCER_TYPE', 'AGE_BAND'] as const) {
        const sums: Record<string, number> = {};
        for (const row of await site.breakdownCohort(criteria, by, callContext())) sums[row.datasetLocalId] = (sums[row.datasetLocalId] ?? 0) + row.subjects;
        expect(sums, `${name} ${by}`).toEqual(subjects);
      }
      for (const [by, field] of [['MODALITY', 'modalities'], ['BODY_PART', 'bodyParts'], ['MANUFACTURER', 'manufacturers']] as const) {
        const buckets = table(await site.breakdownCohort(criteria, by, callContext()));
        const keys = new Set(Object.values(buckets).flatMap((row) => Object.keys(row)));
        expect(keys.has('UNKNOWN'), `${name} ${by}`).toBe(false);
        for (const key of keys) {
          const narrowed = await site.countCohort({ ...criteria, [field]: [key] }, callContext());
          const expected = Object.fromEntries(narrowed.byDataset.map((row) => [row.datasetLocalId, row.subjects]));
          const actual = Object.fromEntries(Object.entries(buckets).filter(([, row]) => row[key] !== undefined).map(([dataset, row]) => [dataset, row[key]]));
          expect(actual, `${name} ${by} ${key}`).toEqual(expected);
        }
      }
    }
  });

  it('puts a series whose Modality, body part and manufacturer it cannot name under UNKNOWN: no criterion selects them', async () => {
    orthanc.addStudy({ patientId: 'P7', sex: 'M', age: '070Y', studyUid: '1.2.9', date: '20220101', protocol: 'LUNG', series: [{ modality: 'SR' }] });
    const site = adapter();
    expect(table(await site.breakdownCohort({ datasetLocalIds: ['LUNG'] }, 'MODALITY', callContext()))).toEqual({ LUNG: { CT: 2, PT: 1, RTSTRUCT: 1, UNKNOWN: 1 } });
    expect(table(await site.breakdownCohort({ datasetLocalIds: ['LUNG'] }, 'BODY_PART', callContext())).LUNG!.UNKNOWN).toBe(1);
    expect(table(await site.breakdownCohort({ datasetLocalIds: ['LUNG'] }, 'MANUFACTURER', callContext())).LUNG!.UNKNOWN).toBe(1);
    // A series record calls it OT, but no modality criterion selects it, OT included.
    expect((await site.countCohort({ datasetLocalIds: ['LUNG'], modalities: ['OT'] }, callContext())).subjects).toBe(0);
    expect(table(await site.breakdownCohort({ datasetLocalIds: ['LUNG'] }, 'AGE_BAND', callContext()))).toEqual({ LUNG: { '60-64': 1, '65-69': 1, '70-74': 1 } });
  });

  it('reports yearOfDiagnosis through the count only, and breaks down as if it were not set', async () => {
    const site = adapter();
    expect(await site.breakdownCohort({ yearOfDiagnosis: { min: 2100 } }, 'SEX', callContext())).toEqual(await site.breakdownCohort({}, 'SEX', callContext()));
  });

  it('costs the count\'s upstream calls and no more when asked with the count, on a cold site and a warm one', async () => {
    const criteria: SiteCriteria = { modalities: ['CT', 'MR'] };
    await adapter().countCohort(criteria, callContext());
    const countAlone = counted.log.byEndpoint();
    counted = countingFetch();
    const site = adapter();
    const together = () => Promise.all([
      site.countCohort(criteria, callContext()),
      ...BREAKDOWN_DIMENSIONS.map((by) => site.breakdownCohort(criteria, by, callContext())),
    ]);
    await together();
    // Cold: the instance reads for the grouping tag, the series lists they need and the
    // criteria's find happen once for the count and the six breakdowns.
    expect(counted.log.byEndpoint()).toEqual(countAlone);
    expect(counted.log.tagReads()).toBe(8);
    counted.log.reset();
    await together();
    expect(counted.log.byEndpoint()).toEqual({ 'GET /changes': 1, 'GET /statistics': 1, 'POST /tools/find': 1 });
  });

  it('reads a cohort\'s series lists once, in one find for most of the site, for its series-level breakdowns', async () => {
    // Grouped by site, the snapshot holds no series list yet (no instance is read to group).
    const site = adapter({ grouping: { by: 'site' }, batchSize: 2 }, [curatedDataset('orthanc-a', 'whole-site', ['LUNG'])]);
    const ask = () => Promise.all([
      site.countCohort({}, callContext()),
      site.breakdownCohort({}, 'MODALITY', callContext()),
      site.breakdownCohort({}, 'BODY_PART', callContext()),
      site.breakdownCohort({}, 'MANUFACTURER', callContext()),
    ]);
    const [counts, modality] = await ask();
    expect(counts.subjects).toBe(6);
    expect(table(modality)).toEqual({ 'whole-site': { CT: 4, PT: 1, RTSTRUCT: 1, MR: 3, SEG: 1 } });
    // The study list, then ONE unrestricted series find, where seriesOf would make
    // ceil(8 / batchSize 2) = 4.
    expect(counted.log.byEndpoint()).toEqual({ 'GET /changes?last': 1, 'GET /statistics': 1, 'POST /tools/find': 2 });
    counted.log.reset();
    await ask();
    expect(counted.log.byEndpoint()).toEqual({ 'GET /changes': 1, 'GET /statistics': 1 });
  });
});

describe('Orthanc adapter: browsing', () => {
  it('lists datasets with totals, curated ones without studies included', async () => {
    const datasets = await adapter({}, [...DATASETS, curatedDataset('orthanc-a', 'EMPTY', ['LIVER'])]).listDatasets(callContext());
    expect(datasets).toEqual([
      { localId: 'EMPTY', subjects: 0, studies: 0, series: 0 },
      { localId: 'EXTRA', subjects: 1, studies: 1, series: 1 },
      { localId: 'LUNG', subjects: 2, studies: 3, series: 5 },
      { localId: 'MIXED', subjects: 1, studies: 1, series: 1 },
      { localId: 'PROSTATE', subjects: 2, studies: 2, series: 3 },
    ]);
  });

  it('pages subjects in PatientID order with their sex, age and diagnosis', async () => {
    const site = adapter();
    const first = await site.listSubjects('PROSTATE', { offset: 0, limit: 1 }, callContext());
    const second = await site.listSubjects('PROSTATE', { offset: 1, limit: 5 }, callContext());
    expect(first.totalCount).toBe(2);
    expect([...first.items, ...second.items]).toEqual([
      { nativePatientId: 'P2', datasetLocalId: 'PROSTATE', sex: 'MALE', ageAtDiagnosis: 68, diagnosis: 'PROSTATE', yearOfDiagnosis: null },
      { nativePatientId: 'P3', datasetLocalId: 'PROSTATE', sex: 'UNKNOWN', ageAtDiagnosis: 45, diagnosis: 'PROSTATE', yearOfDiagnosis: null },
    ]);
    const mixed = await site.listSubjects('MIXED', { offset: 0, limit: 10 }, callContext());
    expect(mixed.items[0]).toMatchObject({ diagnosis: null, ageAtDiagnosis: null, sex: 'OTHER' });
    expect(await site.listSubjects('NOPE', { offset: 0, limit: 10 }, callContext())).toEqual({ items: [], totalCount: 0 });
  });

  it('lists a subject\'s studies of one dataset only, with Orthanc ids apart from UIDs', async () => {
    const site = adapter();
    const refs = [{ nativePatientId: 'P2', datasetLocalId: 'LUNG' }, { nativePatientId: 'P2', datasetLocalId: 'PROSTATE' }, { nativePatientId: 'NOBODY', datasetLocalId: 'LUNG' }];
    const studies = await site.listStudies(refs, callContext());
    expect(studies.get(subjectRefKey(refs[0]!))!.map((s) => s.studyInstanceUid)).toEqual(['1.2.3']);
    const prostate = studies.get(subjectRefKey(refs[1]!))!;
    expect(prostate).toEqual([{ localId: expect.stringMatching(/^[0-9a-f]{8}(-[0-9a-f]{8}){4}$/), studyInstanceUid: '1.2.4', year: 2019, modalities: ['MR', 'SEG'], bodyPart: 'PROSTATE', description: null }]);
    expect(studies.get(subjectRefKey(refs[2]!))).toEqual([]);
  });

  it('lists series of many studies with one find per 100 StudyInstanceUIDs', async () => {
    orthanc.resetDatabase();
    const ids: string[] = [];
    for (let i = 0; i < 250; i++) ids.push(orthanc.addStudy({ patientId: `Q${i}`, studyUid: `1.3.${i}`, protocol: 'BULK', series: [{ modality: 'CT' }, { modality: 'MR', instances: 2 }] }));
    const site = adapter();
    const series = await site.listSeries(ids, callContext());
    expect([...series.values()].flat()).toHaveLength(500);
    // /changes?last + /statistics + the study list, then ceil(250 / 100) = 3 series finds.
    expect(counted.log.byEndpoint()).toEqual({ 'GET /changes?last': 1, 'GET /statistics': 1, 'POST /tools/find': 4 });
    counted.log.reset();
    await site.listSeries(ids.slice(0, 100), callContext());
    expect(counted.log.byEndpoint()).toEqual({ 'GET /changes': 1, 'GET /statistics': 1 });
  });

  it('lists series in SeriesInstanceUID order and unknown studies as empty', async () => {
    const study = [...orthanc.studies.values()].find((s) => s.spec.studyUid === '1.2.1')!;
    const series = await adapter().listSeries([study.id, 'unknown'], callContext());
    expect(series.get(study.id)!.map((s) => [s.seriesInstanceUid, s.modality, s.instanceCount])).toEqual([['1.2.1.1', 'CT', 2], ['1.2.1.2', 'PT', 1], ['1.2.1.3', 'RTSTRUCT', 1]]);
    expect(series.get('unknown')).toEqual([]);
  });

  it('finds the SEG and RTSTRUCT series that reference a series', async () => {
    const s1 = [...orthanc.studies.values()].find((s) => s.spec.studyUid === '1.2.1')!;
    const s4 = [...orthanc.studies.values()].find((s) => s.spec.studyUid === '1.2.4')!;
    const site = adapter();
    const segmentations = await site.listSegmentations([s1.series[0]!.id, s1.series[1]!.id, s4.series[0]!.id], callContext());
    expect(segmentations.get(s1.series[0]!.id)).toEqual([{ localId: s1.series[2]!.id, format: 'RTSTRUCT', seriesInstanceUid: '1.2.1.3', label: 'GTV' }]);
    expect(segmentations.get(s1.series[1]!.id)).toEqual([]);
    expect(segmentations.get(s4.series[0]!.id)).toEqual([{ localId: s4.series[1]!.id, format: 'DICOM_SEG', seriesInstanceUid: '1.2.4.2', label: 'Prostate' }]);
    counted.log.reset();
    await site.listSegmentations([s1.series[0]!.id], callContext());
    expect(counted.log.tagReads()).toBe(0);
  });

  it('streams a series as a ZIP named after its SeriesInstanceUID', async () => {
    const series = [...orthanc.studies.values()][0]!.series[0]!;
    const archive = await adapter().retrieveSeries!(series.id, callContext());
    expect(archive).toMatchObject({ contentType: 'application/zip', filename: `${series.uid}.zip` });
    const bytes = new Uint8Array(await new Response(archive.body).arrayBuffer());
    expect([...bytes.slice(0, 2)]).toEqual([0x50, 0x4b]);
    await expect(adapter().retrieveSeries!('../../system', callContext())).rejects.toBeInstanceOf(OrthancNotFoundError);
    await expect(adapter().retrieveSeries!('00000000-00000000-00000000-00000000-00000000', callContext())).rejects.toBeInstanceOf(OrthancNotFoundError);
  });

  it('returns no direct identifier in any record', async () => {
    const site = adapter();
    const ctx = callContext();
    const outputs: unknown[] = [await site.listDatasets(ctx), await site.countCohort({ modalities: ['CT', 'MR'] }, ctx)];
    for (const dataset of ['LUNG', 'PROSTATE', 'MIXED', 'EXTRA']) {
      const subjects = await site.listSubjects(dataset, { offset: 0, limit: 100 }, ctx);
      outputs.push(subjects.items.map(({ nativePatientId: _id, ...rest }) => rest));
      const studies = [...(await site.listStudies(subjects.items, ctx)).values()].flat();
      outputs.push(studies);
      const series = [...(await site.listSeries(studies.map((s) => s.localId), ctx)).values()].flat();
      outputs.push(series, [...(await site.listSegmentations(series.map((s) => s.localId), ctx)).values()]);
    }
    const text = JSON.stringify(outputs);
    for (const forbidden of ['PEETERS', 'ANNA', 'DOE', 'JANE', 'ACC-0001', 'OPERATOR', 'REFERRER', '19600101', '19500615', '"P1"', '"P2"']) {
      expect(text).not.toContain(forbidden);
    }
  });
});

describe('Orthanc adapter: failures', () => {
  it('stops at the deadline with PROVIDER_TIMEOUT when Orthanc hangs', async () => {
    const { delay, http } = await import('msw');
    server.use(http.get(`${BASE}/changes`, async () => { await delay('infinite'); return new Response(); }));
    const started = performance.now();
    const error = await withDeadline(200, silentLogger, (ctx) => adapter().countCohort({}, ctx)).catch((e: unknown) => e);
    expect((error as ProviderError).code).toBe('PROVIDER_TIMEOUT');
    expect(performance.now() - started).toBeLessThan(1_500);
  });

  it('logs a failed operation with its code and no credential', async () => {
    const { http, HttpResponse } = await import('msw');
    server.use(http.get(`${BASE}/system`, () => new HttpResponse(null, { status: 401 })));
    const { logger, lines } = capturingLogger();
    const error = await adapter().describe(callContext(undefined, logger)).catch((e: unknown) => e);
    expect((error as ProviderError).code).toBe('PROVIDER_AUTH_FAILED');
    expect(lines.join('\n')).toContain('PROVIDER_AUTH_FAILED');
    expect(lines.join('\n')).not.toMatch(/authorization|Basic dTpw/i);
  });
});
