import { copyFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  BREAKDOWN_DIMENSIONS, ProviderBadResponseError, ProviderTimeoutError, ProviderUnavailableError, siteSchema, subjectRefKey,
  type CallContext, type CreateAdapter, type ProviderAdapter, type SiteConfig, type SiteCriteria, type SubjectRecord,
} from '@cancer-imaging/provider-kit';
import Database from 'better-sqlite3';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createCustomAdapter, createCustomAdapterFactory, CUSTOM_INDEX_API_VERSION, openIndexFile, writeIndex, type SeriesIndexRow,
} from '../src/index.js';
import { createReadPool } from '../src/adapter/read-pool.js';
import { byDatasetAndKey, expectedBreakdown, expectedCohort } from './fixtures/cohort-oracle.js';
import { buildSmallDemo, type SmallDemo } from './fixtures/small-demo.js';

const silent = pino({ level: 'silent' });
const deps = { logger: silent, datasets: [], env: {}, fetch: globalThis.fetch };
const ctx: CallContext = { signal: new AbortController().signal, logger: silent };
const aborted: CallContext = { signal: AbortSignal.abort(), logger: silent };

const customSite = (id: string, baseUrl: string, options: Record<string, unknown> = {}): SiteConfig => ({
  ...siteSchema.parse({ id, name: id, country: 'NL', kind: 'custom', baseUrl, options }),
  privacy: { minCount: 10, roundTo: 10 },
});

const CRITERIA: readonly (readonly [string, SiteCriteria])[] = [
  ['no criteria', {}],
  ['one cancer type', { cancerTypes: ['PROSTATE'] }],
  ['any of two cancer types, one of them shared by a two-type dataset', { cancerTypes: ['GLIOMA', 'LUNG'] }],
  ['any of two modalities', { modalities: ['CT', 'PT'] }],
  ['a modality with any of two body parts', { modalities: ['MR'], bodyParts: ['PROSTATE', 'PELVIS'] }],
  ['a sex with an inclusive age range', { sex: ['FEMALE'], ageAtDiagnosis: { min: 50, max: 65 } }],
  ['unknown or other sex', { sex: ['UNKNOWN', 'OTHER'] }],
  ['an open age range, which leaves out unknown ages', { ageAtDiagnosis: { min: 0 } }],
  ['children up to five', { ageAtDiagnosis: { max: 5 } }],
  ['a single year of diagnosis', { yearOfDiagnosis: { min: 2015, max: 2015 } }],
  ['manufacturers in another letter case', { manufacturers: ['siemens', 'Philips'] }],
  ['two datasets by local id', { datasetLocalIds: ['prostate-mr', 'lung-ct-pet'] }],
  ['segmentation series', { modalities: ['SEG', 'RTSTRUCT'] }],
  ['every field at once', {
    cancerTypes: ['PROSTATE', 'LUNG'], modalities: ['MR', 'CT'], bodyParts: ['PELVIS', 'PROSTATE', 'CHEST'],
    manufacturers: ['SIEMENS', 'GE MEDICAL SYSTEMS'], sex: ['MALE'], ageAtDiagnosis: { min: 55, max: 75 },
    yearOfDiagnosis: { min: 2012, max: 2020 }, datasetLocalIds: ['prostate-mr', 'lung-ct-pet'],
  }],
  ['criteria nothing meets', { cancerTypes: ['LIVER'], modalities: ['MG'] }],
  ['a dataset the site does not have', { datasetLocalIds: ['no-such-dataset'] }],
];

describe('custom adapter over the demo index', () => {
  let dir: string;
  let demo: SmallDemo;
  let adapters: Map<string, ProviderAdapter>;
  const siteIds = ['site-nl', 'site-es', 'site-de'];
  const outputs: unknown[] = [];
  const adapter = (siteId: string) => adapters.get(siteId)!;
  const siteRows = (siteId: string) => demo.rows.filter((r) => r.siteId === siteId);

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'cig-custom-'));
    demo = await buildSmallDemo(dir);
    adapters = new Map(siteIds.map((id) => [id, createCustomAdapter(demo.registry.sites.find((s) => s.id === id)!, { ...deps, demoIndexPath: demo.file })]));
  });

  afterAll(async () => {
    for (const a of adapters?.values() ?? []) await a.close?.();
    await rm(dir, { recursive: true, force: true });
  });

  it('describes itself with its index version and every criterion it applies exactly', async () => {
    const description = await adapter('site-nl').describe(ctx);
    expect(description).toEqual({
      apiVersion: CUSTOM_INDEX_API_VERSION,
      exactCriteria: ['cancerTypes', 'modalities', 'bodyParts', 'manufacturers', 'sex', 'ageAtDiagnosis', 'yearOfDiagnosis'],
    });
  });

  it('lists each site\'s datasets with the generator\'s totals, and no other site\'s', async () => {
    for (const siteId of siteIds) {
      const datasets = await adapter(siteId).listDatasets(ctx);
      outputs.push(datasets);
      const expected = expectedCohort(demo.rows, siteId, {}).byDataset.map(({ datasetLocalId, ...counts }) => ({ localId: datasetLocalId, ...counts }));
      expect(datasets).toEqual(expected);
      const declared = demo.registry.datasets.filter((d) => d.site === siteId);
      for (const d of declared) expect(datasets.find((x) => x.localId === d.localId)?.subjects).toBe(d.size!.subjects);
      expect(datasets.length).toBe(declared.length);
    }
  });

  describe.each(CRITERIA)('countCohort with %s', (name, criteria) => {
    it('equals the count computed independently over the generated rows, per site and per dataset', async () => {
      let matched = 0;
      for (const siteId of siteIds) {
        const counted = await adapter(siteId).countCohort(criteria, ctx);
        outputs.push(counted);
        expect(counted).toEqual({ ...expectedCohort(demo.rows, siteId, criteria), unsupportedCriteria: [] });
        matched += counted.series;
      }
      // Guard against vacuous agreement: criteria meant to match do match something.
      if (!/nothing|does not have/.test(name)) expect(matched).toBeGreaterThan(0);
      else expect(matched).toBe(0);
    });
  });

  describe.each(CRITERIA.filter(([name]) => /no criteria|any of two modalities|a sex with|every field|manufacturers/.test(name)))('breakdownCohort with %s', (_name, criteria) => {
    it.each(BREAKDOWN_DIMENSIONS)('by %s equals the breakdown computed independently over the generated rows', async (by) => {
      for (const siteId of siteIds) {
        const rows = [...await adapter(siteId).breakdownCohort(criteria, by, ctx)].sort(byDatasetAndKey);
        outputs.push(rows);
        expect(rows).toEqual(expectedBreakdown(demo.rows, siteId, criteria, by));
      }
    });
  });

  it('counts an index without the count summary (a provider-built one) exactly as one with it', async () => {
    const copy = path.join(dir, 'no-summary.sqlite');
    await copyFile(demo.file, copy);
    const db = new Database(copy);
    db.exec('DROP TABLE series_summary');
    db.close();
    const plain = createCustomAdapter(customSite('site-nl', `file:${copy}`), deps);
    for (const [, criteria] of CRITERIA.slice(0, 6)) {
      expect(await plain.countCohort(criteria, ctx)).toEqual(await adapter('site-nl').countCohort(criteria, ctx));
      for (const by of BREAKDOWN_DIMENSIONS) {
        expect([...await plain.breakdownCohort(criteria, by, ctx)].sort(byDatasetAndKey)).toEqual([...await adapter('site-nl').breakdownCohort(criteria, by, ctx)].sort(byDatasetAndKey));
      }
    }
    await plain.close?.();
  });

  it('counts and breaks down on reader threads exactly as inline, and still reports a missing file as unreachable', async () => {
    const pool = createReadPool(2);
    try {
      const pooled = createCustomAdapter(demo.registry.sites.find((s) => s.id === 'site-es')!, { ...deps, demoIndexPath: demo.file, readPool: pool });
      for (const [, criteria] of CRITERIA) {
        expect(await pooled.countCohort(criteria, ctx)).toEqual(await adapter('site-es').countCohort(criteria, ctx));
      }
      for (const by of BREAKDOWN_DIMENSIONS) {
        expect([...await pooled.breakdownCohort({}, by, ctx)].sort(byDatasetAndKey)).toEqual([...await adapter('site-es').breakdownCohort({}, by, ctx)].sort(byDatasetAndKey));
      }
      expect(await pooled.listDatasets(ctx)).toEqual(await adapter('site-es').listDatasets(ctx));
      const missing = createCustomAdapter(customSite('site-nl', `file:${path.join(dir, 'never-written.sqlite')}`), { ...deps, readPool: pool });
      await expect(missing.countCohort({}, ctx)).rejects.toBeInstanceOf(ProviderUnavailableError);
      expect(pool.size).toBe(2);
      await pooled.close?.();
    } finally {
      await pool.close();
    }
  });

  it('counts a subject once although several of its series and studies match', async () => {
    const counted = await adapter('site-nl').countCohort({ datasetLocalIds: ['prostate-mr'] }, ctx);
    expect(counted.subjects).toBe(150);
    expect(counted.studies).toBeGreaterThan(150);
    expect(counted.series).toBeGreaterThan(counted.studies);
  });

  it('pages through every subject of a dataset exactly once, in a stable PatientID order', async () => {
    const expected = new Map<string, SeriesIndexRow>();
    for (const row of siteRows('site-nl')) if (row.datasetId === 'prostate-mr') expected.set(row.patientId, row);
    const seen: SubjectRecord[] = [];
    for (let offset = 0; ; offset += 7) {
      const page = await adapter('site-nl').listSubjects('prostate-mr', { offset, limit: 7 }, ctx);
      outputs.push(page);
      expect(page.totalCount).toBe(150);
      seen.push(...page.items);
      if (page.items.length < 7) break;
    }
    expect(seen.map((s) => s.nativePatientId)).toEqual([...expected.keys()].sort());
    for (const subject of seen) {
      const row = expected.get(subject.nativePatientId)!;
      expect(subject).toEqual({
        nativePatientId: row.patientId, datasetLocalId: 'prostate-mr', sex: 'MALE', ageAtDiagnosis: row.ageAtDiagnosis,
        diagnosis: 'PROSTATE', yearOfDiagnosis: row.yearOfDiagnosis,
      });
    }
    const again = await adapter('site-nl').listSubjects('prostate-mr', { offset: 70, limit: 7 }, ctx);
    expect(again.items).toEqual(seen.slice(70, 77));
  });

  it('returns an empty page past the end, for a zero limit and for an unknown dataset', async () => {
    expect(await adapter('site-nl').listSubjects('prostate-mr', { offset: 150, limit: 10 }, ctx)).toEqual({ items: [], totalCount: 150 });
    expect(await adapter('site-nl').listSubjects('prostate-mr', { offset: 0, limit: 0 }, ctx)).toEqual({ items: [], totalCount: 150 });
    expect(await adapter('site-nl').listSubjects('neuroblastoma', { offset: 0, limit: 10 }, ctx)).toEqual({ items: [], totalCount: 0 });
  });

  it('keeps the same dataset id at two sites apart', async () => {
    const nl = await adapter('site-nl').listSubjects('lung-ct-pet', { offset: 0, limit: 100 }, ctx);
    const es = await adapter('site-es').listSubjects('lung-ct-pet', { offset: 0, limit: 100 }, ctx);
    expect([nl.totalCount, es.totalCount]).toEqual([100, 30]);
    const esStudies = [...new Set(siteRows('site-es').map((r) => r.studyUid))];
    const crossed = await adapter('site-nl').listSeries(esStudies, ctx);
    expect([...crossed.values()].every((list) => list.length === 0)).toBe(true);
  });

  it('lists the studies of a whole batch of subjects as it lists them one by one, matching the generated studies', async () => {
    const subjects = (await adapter('site-nl').listSubjects('prostate-mr', { offset: 0, limit: 150 }, ctx)).items;
    const lung = (await adapter('site-nl').listSubjects('lung-ct-pet', { offset: 0, limit: 100 }, ctx)).items;
    const refs = [...subjects, ...lung, { nativePatientId: 'PAT9999999', datasetLocalId: 'prostate-mr' }];
    expect(refs.length).toBeGreaterThan(249); // crosses the 2-parameters-per-subject chunk
    const batch = await adapter('site-nl').listStudies(refs, ctx);
    outputs.push([...batch]);
    expect(batch.size).toBe(refs.length);
    expect(batch.get(subjectRefKey(refs.at(-1)!))).toEqual([]);
    for (const ref of refs.slice(0, 40)) {
      const single = await adapter('site-nl').listStudies([ref], ctx);
      expect(batch.get(subjectRefKey(ref))).toEqual(single.get(subjectRefKey(ref)));
    }
    for (const ref of refs.slice(0, -1)) {
      const rows = siteRows('site-nl').filter((r) => r.datasetId === ref.datasetLocalId && r.patientId === ref.nativePatientId);
      const studies = batch.get(subjectRefKey(ref))!;
      expect(studies.map((s) => s.studyInstanceUid).sort()).toEqual([...new Set(rows.map((r) => r.studyUid))].sort());
      for (const study of studies) {
        const studyRows = rows.filter((r) => r.studyUid === study.studyInstanceUid);
        expect(study.localId).toBe(study.studyInstanceUid);
        expect(study.year).toBe(studyRows[0]!.studyYear);
        expect(study.description).toBe(studyRows[0]!.studyDescription);
        expect(study.modalities).toEqual([...new Set(studyRows.map((r) => r.modality))].sort());
        const parts = studyRows.map((r) => r.bodyPart).filter((b) => b !== null);
        const tally = (part: string) => parts.filter((p) => p === part).length;
        if (study.bodyPart) expect(Math.max(...parts.map(tally))).toBe(tally(study.bodyPart));
      }
      const years = studies.map((s) => s.year!);
      expect(years).toEqual([...years].sort((a, b) => a - b));
    }
  });

  it('lists the series of a whole batch of studies as it lists them one by one, in Series Number order', async () => {
    const studyUids = [...new Set(siteRows('site-nl').map((r) => r.studyUid))];
    expect(studyUids.length).toBeGreaterThan(499); // crosses the parameter chunk
    const batch = await adapter('site-nl').listSeries([...studyUids, 'unknown-study'], ctx);
    outputs.push([...batch]);
    expect(batch.get('unknown-study')).toEqual([]);
    for (const uid of studyUids.slice(0, 60)) {
      expect(batch.get(uid)).toEqual((await adapter('site-nl').listSeries([uid], ctx)).get(uid));
    }
    for (const uid of studyUids) {
      const rows = siteRows('site-nl').filter((r) => r.studyUid === uid)
        .sort((a, b) => a.seriesNumber! - b.seriesNumber! || (a.seriesUid < b.seriesUid ? -1 : 1));
      expect(batch.get(uid)).toEqual(rows.map((r) => ({
        localId: r.seriesUid, seriesInstanceUid: r.seriesUid, modality: r.modality, bodyPart: r.bodyPart, manufacturer: r.manufacturer,
        description: r.seriesDescription, instanceCount: r.instanceCount,
      })));
    }
  });

  it('lists the segmentations of a whole batch of series as it lists them one by one', async () => {
    const seriesUids = siteRows('site-nl').map((r) => r.seriesUid);
    const batch = await adapter('site-nl').listSegmentations(seriesUids, ctx);
    outputs.push([...batch]);
    expect(batch.size).toBe(seriesUids.length);
    const expected = demo.segmentations.filter((s) => s.siteId === 'site-nl');
    expect(expected.length).toBeGreaterThan(10);
    expect([...batch.values()].flat().length).toBe(expected.length);
    for (const seg of expected) {
      expect(batch.get(seg.seriesUid)).toContainEqual({ localId: seg.segUid, format: seg.format, seriesInstanceUid: seg.segUid, label: seg.label });
      expect((await adapter('site-nl').listSegmentations([seg.seriesUid], ctx)).get(seg.seriesUid)).toEqual(batch.get(seg.seriesUid));
    }
  });

  it('never returns a patient name or birth date, and no field that could carry one', async () => {
    const names = new Set(demo.rows.map((r) => r.patientName).filter((v) => v !== null));
    const births = new Set(demo.rows.map((r) => r.birthDate).filter((v) => v !== null));
    const json = JSON.stringify(outputs);
    expect(outputs.length).toBeGreaterThan(20);
    for (const value of [...names, ...births]) expect(json.includes(value), value).toBe(false);
    expect(json).not.toMatch(/SYNTH[A-Z]+\^/);
    expect(json).not.toMatch(/patientName|patient_name|birthDate|birth_date/);
  });

  it('refuses every operation with ProviderTimeoutError once the deadline has passed', async () => {
    const a = adapter('site-es');
    const calls: (() => Promise<unknown>)[] = [
      () => a.describe(aborted),
      () => a.listDatasets(aborted),
      () => a.countCohort({}, aborted),
      () => a.listSubjects('brain', { offset: 0, limit: 5 }, aborted),
      () => a.listStudies([{ nativePatientId: 'PAT0000001', datasetLocalId: 'brain' }], aborted),
      () => a.listSeries(['2.25.1'], aborted),
      () => a.listSegmentations(['2.25.1'], aborted),
    ];
    for (const call of calls) await expect(call()).rejects.toBeInstanceOf(ProviderTimeoutError);
  });

  it('stops a long batch between chunks when the deadline passes mid-way', async () => {
    const controller = new AbortController();
    const studyUids = [...new Set(siteRows('site-nl').map((r) => r.studyUid))];
    // The deadline passes after the first chunk: the second read of the signal sees it aborted.
    let reads = 0;
    const counting: CallContext = {
      logger: silent,
      get signal() {
        if (++reads === 2) controller.abort();
        return controller.signal;
      },
    };
    await expect(adapter('site-nl').listSeries(studyUids, counting)).rejects.toBeInstanceOf(ProviderTimeoutError);
  });
});

describe('custom adapter failures and index locations', () => {
  let dir: string;
  let demoFile: string;
  let demo: SmallDemo;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'cig-custom-fail-'));
    demo = await buildSmallDemo(path.join(dir, 'cache'));
    demoFile = demo.file;
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('reports a missing index file as unreachable, logs why, and serves once the file appears', async () => {
    const lines: string[] = [];
    const logger = pino({ level: 'warn' }, { write: (line: string) => { lines.push(line); } });
    const file = path.join(dir, 'later.sqlite');
    const a = createCustomAdapter(customSite('site-nl', `file:${file}`), { ...deps, logger });
    await expect(a.describe({ signal: ctx.signal, logger })).rejects.toBeInstanceOf(ProviderUnavailableError);
    expect(lines.join('')).toContain('custom index operation failed');
    await copyFile(demoFile, file);
    expect((await a.countCohort({}, ctx)).subjects).toBe(310);
    await a.close?.();
  });

  it('reports a directory that does not exist as unreachable', async () => {
    const a = createCustomAdapter(customSite('site-nl', `file:${path.join(dir, 'no', 'such', 'index.sqlite')}`), deps);
    await expect(a.listDatasets(ctx)).rejects.toBeInstanceOf(ProviderUnavailableError);
  });

  it('reports a file that is not SQLite as a bad response, without its path in the message', async () => {
    const file = path.join(dir, 'garbage.sqlite');
    await writeFile(file, 'not a database '.repeat(500));
    const a = createCustomAdapter(customSite('site-nl', `file:${file}`), deps);
    const error = await a.countCohort({}, ctx).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderBadResponseError);
    expect((error as Error).message).not.toContain(dir);
  });

  it('reports an index without the expected columns as a bad response naming them', async () => {
    const file = path.join(dir, 'other-schema.sqlite');
    const db = new Database(file);
    db.exec('CREATE TABLE series (site_id TEXT, dataset_id TEXT, patient_id TEXT); CREATE TABLE segmentation (site_id TEXT)');
    db.close();
    const a = createCustomAdapter(customSite('site-nl', `file:${file}`), deps);
    await expect(a.describe(ctx)).rejects.toThrow(/lacks required columns: .*series\.modality/);
    await expect(a.describe(ctx)).rejects.toBeInstanceOf(ProviderBadResponseError);
  });

  it('breaks down a provider-built index whose raw values differ only in spelling, counting each subject once per key', async () => {
    const file = path.join(dir, 'spellings.sqlite');
    const row = (patientId: string, seriesUid: string, manufacturer: string | null, modality: string, sex: 'M' | 'F'): SeriesIndexRow => ({
      siteId: 'own', datasetId: 'own-collection', patientId, patientName: null, birthDate: null, sex, ageAtDiagnosis: 64,
      diagnosis: 'PROSTATE', yearOfDiagnosis: 2019, studyUid: `1.2.3.${patientId}`, studyYear: 2019, studyDescription: null,
      seriesUid, seriesNumber: null, modality, bodyPart: null, manufacturer, seriesDescription: null, instanceCount: null,
    });
    writeIndex(file, [
      { series: [row('1', '1.1', 'SIEMENS', 'MR', 'M'), row('1', '1.2', 'Siemens ', 'KO', 'M'), row('1', '1.3', null, 'PR', 'M')], segmentations: [] },
      { series: [row('2', '2.1', 'siemens', 'MR', 'F')], segmentations: [] },
    ]);
    const a = createCustomAdapter(customSite('own', `file://${file}`), deps);
    const sorted = async (by: (typeof BREAKDOWN_DIMENSIONS)[number], criteria: SiteCriteria = {}) => [...await a.breakdownCohort(criteria, by, ctx)].sort(byDatasetAndKey);
    expect(await sorted('MANUFACTURER')).toEqual([
      { datasetLocalId: 'own-collection', key: 'SIEMENS', subjects: 2 },
      { datasetLocalId: 'own-collection', key: 'UNKNOWN', subjects: 1 },
    ]);
    // KO and PR are both outside the vocabulary: one subject, one UNKNOWN bucket.
    expect(await sorted('MODALITY')).toEqual([
      { datasetLocalId: 'own-collection', key: 'MR', subjects: 2 },
      { datasetLocalId: 'own-collection', key: 'UNKNOWN', subjects: 1 },
    ]);
    expect(await sorted('SEX', { modalities: ['MR'] })).toEqual([
      { datasetLocalId: 'own-collection', key: 'FEMALE', subjects: 1 },
      { datasetLocalId: 'own-collection', key: 'MALE', subjects: 1 },
    ]);
    expect(await sorted('AGE_BAND')).toEqual([{ datasetLocalId: 'own-collection', key: '60-64', subjects: 2 }]);
    await a.close?.();
  });

  it('serves a provider-built index from a file: locator read-only', async () => {
    const file = path.join(dir, 'own-index.sqlite');
    const row = (patientId: string, seriesUid: string, modality: string): SeriesIndexRow => ({
      siteId: 'own', datasetId: 'own-collection', patientId, patientName: 'OWN^NAME', birthDate: '19500101', sex: 'M', ageAtDiagnosis: 70,
      diagnosis: 'PROSTATE', yearOfDiagnosis: 2019, studyUid: `1.2.3.${patientId.length}`, studyYear: 2019, studyDescription: null,
      seriesUid, seriesNumber: null, modality, bodyPart: 'PROSTATE', manufacturer: 'Siemens Healthineers', seriesDescription: null, instanceCount: null,
    });
    writeIndex(file, [{ series: [row('P1', '1.2.3.4.1', 'MR'), row('P1', '1.2.3.4.2', 'PR')], segmentations: [] }]);
    let opened: Database.Database | undefined;
    const a = createCustomAdapter(customSite('own', `file://${file}`), {
      ...deps,
      openIndex: (f) => (opened = openIndexFile(f)),
    });
    const counted = await a.countCohort({ manufacturers: ['SIEMENS HEALTHINEERS'], modalities: ['MR'] }, ctx);
    expect(counted).toMatchObject({ subjects: 1, studies: 1, series: 1 });
    expect(opened?.readonly).toBe(true);
    const series = (await a.listSeries(['1.2.3.2'], ctx)).get('1.2.3.2')!;
    // A modality outside the contract is reported as OT; unknown numbers sort by UID.
    expect(series.map((s) => [s.seriesInstanceUid, s.modality])).toEqual([['1.2.3.4.1', 'MR'], ['1.2.3.4.2', 'OT']]);
    await a.close?.();
    expect(opened?.open).toBe(true); // a connection from openIndex belongs to the caller
    opened?.close();
  });

  it('closes the connection it opened and reopens on the next call', async () => {
    const a = createCustomAdapter(customSite('site-es', 'demo:'), { ...deps, demoIndexPath: demoFile });
    const before = await a.countCohort({}, ctx);
    await a.close?.();
    expect(await a.countCohort({}, ctx)).toEqual(before);
    await a.close?.();
  });

  it('lets several demo sites share one connection through openIndex', async () => {
    const shared = openIndexFile(demoFile);
    let opens = 0;
    const factory: CreateAdapter = createCustomAdapterFactory({ demoIndexPath: demoFile, openIndex: () => { opens++; return shared; } });
    const sites = demo.registry.sites.filter((s) => s.kind === 'custom');
    const built = await Promise.all(sites.map((site) => factory(site, deps)));
    const totals = await Promise.all(built.map((a) => a.countCohort({}, ctx)));
    expect(totals.map((t) => t.subjects)).toEqual([310, 165, 75]);
    expect(opens).toBe(3);
    for (const a of built) await a.close?.();
    expect(shared.open).toBe(true);
    shared.close();
  });

  it('refuses at creation a demo site for which no index was built', () => {
    expect(() => createCustomAdapter(customSite('site-nl', 'demo:'), deps)).toThrow(/ensureDemoIndex/);
  });
});
