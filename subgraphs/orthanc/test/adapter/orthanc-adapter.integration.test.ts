import { spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  BREAKDOWN_DIMENSIONS, ProviderAuthError, ProviderTimeoutError, ProviderUnavailableError, subjectRefKey, withDeadline,
  type BreakdownDimension, type ProviderAdapter, type SiteCriteria,
} from '@cancer-imaging/provider-kit';
import { SEXES, type Sex } from '@cancer-imaging/schema';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOrthancAdapter, createOrthancClient } from '../../src/adapter/index.js';
import { dicomJsonString } from '../../src/adapter/orthanc-dto.js';
import { startLocalOrthanc, uploadDicomFiles, type LocalOrthanc } from '../../src/local/orthanc-process.js';
import { orthancTestsEnabled } from '../../src/local/require-orthanc.js';
import {
  buildSampleDicom, expectedCohort, filesOfSite, forbiddenIdentifierValues, SAMPLE_DICOM_PYTHON, SAMPLE_DICOM_SCRIPT,
  type SampleCohortCriteria, type SampleDicomManifest, type SampleDicomSex,
} from '../../src/local/sample-dicom.js';
import {
  callContext, countingFetch, curatedDataset, orthancSite, PASSWORD_VAR, silentLogger, USER_VAR,
} from './support/helpers.js';

// The Orthanc adapter against a real Orthanc (Debian's 1.10.1, ApiVersion 16, with the
// DICOMweb plugin), loaded with the deterministic sample DICOM of src/local/sample-dicom.ts.
// Every count is compared with the generator's independent oracle, expectedCohort(), which
// computes from the manifest alone. Without the Orthanc binary the suite is skipped loudly,
// except under CI=true where orthancTestsEnabled() throws.

const enabled = orthancTestsEnabled();
const SITE = 'orthanc-a';

/** The contract's criteria and the oracle's (DICOM sex codes, dataset ids) side by side. */
function oracleCriteria(criteria: SiteCriteria): SampleCohortCriteria {
  return {
    ...(criteria.datasetLocalIds && { datasets: criteria.datasetLocalIds }),
    ...(criteria.cancerTypes && { cancerTypes: criteria.cancerTypes }),
    ...(criteria.modalities && { modalities: criteria.modalities }),
    ...(criteria.bodyParts && { bodyParts: criteria.bodyParts }),
    ...(criteria.manufacturers && { manufacturers: criteria.manufacturers }),
    ...(criteria.sex && { sex: criteria.sex.map((sex) => SEXES[sex].dicom as '' | 'F' | 'M' | 'O') }),
    ...(criteria.ageAtDiagnosis?.min !== undefined && { ageMin: criteria.ageAtDiagnosis.min }),
    ...(criteria.ageAtDiagnosis?.max !== undefined && { ageMax: criteria.ageAtDiagnosis.max }),
  };
}

/** Keys a breakdown may show, read from the manifest (not from the adapter). */
function candidateKeys(manifest: SampleDicomManifest, site: string, by: BreakdownDimension): string[] {
  const files = filesOfSite(manifest, site);
  switch (by) {
    case 'MODALITY': return [...new Set(files.map((file) => file.modality))];
    case 'BODY_PART': return [...new Set(files.map((file) => file.bodyPart))];
    case 'MANUFACTURER': return [...new Set(files.map((file) => file.manufacturer.trim().toUpperCase()))];
    case 'SEX': return Object.keys(SEXES);
    case 'CANCER_TYPE': return [...new Set(manifest.sites.find((s) => s.id === site)!.datasets.map((d) => d.cancerType ?? 'UNKNOWN'))];
    case 'AGE_BAND': return [...Array.from({ length: 18 }, (_, i) => `${i * 5}-${i * 5 + 4}`), '90+'];
  }
}

/**
 * The oracle's criteria for `base` narrowed to one breakdown key, or undefined when `base`
 * already leaves that key out: a bucket must count what such a narrowed query counts.
 */
function narrowedTo(base: SampleCohortCriteria, by: BreakdownDimension, key: string): SampleCohortCriteria | undefined {
  const within = (list: readonly string[] | undefined, value: string) => !list || list.some((v) => v.trim().toUpperCase() === value.toUpperCase());
  switch (by) {
    case 'MODALITY': return within(base.modalities, key) ? { ...base, modalities: [key] } : undefined;
    case 'BODY_PART': return within(base.bodyParts, key) ? { ...base, bodyParts: [key] } : undefined;
    case 'MANUFACTURER': return within(base.manufacturers, key) ? { ...base, manufacturers: [key] } : undefined;
    case 'CANCER_TYPE': return within(base.cancerTypes, key) ? { ...base, cancerTypes: [key] } : undefined;
    case 'SEX': {
      const dicom = SEXES[key as Sex].dicom as SampleDicomSex;
      return !base.sex || base.sex.includes(dicom) ? { ...base, sex: [dicom] } : undefined;
    }
    case 'AGE_BAND': {
      const [low, high] = key === '90+' ? [90, Number.POSITIVE_INFINITY] : key.split('-').map(Number) as [number, number];
      const ageMin = Math.max(low, base.ageMin ?? 0);
      const ageMax = Math.min(high, base.ageMax ?? Number.POSITIVE_INFINITY);
      return ageMin <= ageMax ? { ...base, ageMin, ...(Number.isFinite(ageMax) && { ageMax }) } : undefined;
    }
  }
}

const byDatasetAndKey = (a: { dataset: string; key: string }, b: { dataset: string; key: string }) =>
  a.dataset < b.dataset ? -1 : a.dataset > b.dataset ? 1 : a.key < b.key ? -1 : a.key > b.key ? 1 : 0;

const COMBOS: { name: string; criteria: SiteCriteria }[] = [
  { name: 'no criteria', criteria: {} },
  { name: 'CT', criteria: { modalities: ['CT'] } },
  { name: 'MR or PT of women and men', criteria: { modalities: ['MR', 'PT'], sex: ['FEMALE', 'MALE'] } },
  { name: 'prostate or pelvis by Siemens or Philips (any case)', criteria: { bodyParts: ['PROSTATE', 'PELVIS'], manufacturers: ['siemens', 'Philips'] } },
  { name: 'aged 55 to 70 at the first study', criteria: { ageAtDiagnosis: { min: 55, max: 70 } } },
  { name: 'lung cancer, sex unknown or other', criteria: { cancerTypes: ['LUNG'], sex: ['UNKNOWN', 'OTHER'] } },
  { name: 'SEG series of one dataset', criteria: { datasetLocalIds: ['PROSTATE-MR-02'], modalities: ['SEG'] } },
  { name: 'GE scanners, up to 60 years old', criteria: { manufacturers: ['ge medical systems'], ageAtDiagnosis: { max: 60 } } },
  { name: 'prostate cancer, chest CT (none)', criteria: { cancerTypes: ['PROSTATE'], modalities: ['CT'], bodyParts: ['CHEST'] } },
];

describe.skipIf(!enabled)('Orthanc adapter against a real Orthanc', () => {
  let workDir: string;
  let manifest: SampleDicomManifest;
  let orthanc: LocalOrthanc;

  const datasets = () => manifest.sites.find((s) => s.id === SITE)!.datasets
    .map((dataset) => curatedDataset(SITE, dataset.id, dataset.cancerType ? [dataset.cancerType] : []));

  function adapterFor(target: Pick<LocalOrthanc, 'url' | 'username' | 'password'>, fetchImpl: typeof fetch = fetch, password = target.password): ProviderAdapter {
    return createOrthancAdapter(orthancSite({ id: SITE, baseUrl: target.url }), {
      logger: silentLogger, datasets: datasets(), env: { [USER_VAR]: target.username, [PASSWORD_VAR]: password }, fetch: fetchImpl,
    });
  }

  beforeAll(async () => {
    workDir = await mkdtemp(path.join(tmpdir(), 'cig-orthanc-adapter-'));
    manifest = await buildSampleDicom({ outDir: path.join(workDir, 'dicom') });
    orthanc = await startLocalOrthanc({ name: 'cig-adapter-it' });
    await uploadDicomFiles(orthanc, filesOfSite(manifest, SITE).map((file) => file.path));
  });

  afterAll(async () => {
    await orthanc?.stop();
    if (workDir) await rm(workDir, { recursive: true, force: true });
  });

  it('describes the site from /system', async () => {
    const description = await adapterFor(orthanc).describe(callContext());
    expect(description.apiVersion).toMatch(/^\d+ \(Orthanc \d+\.\d+\.\d+\)$/);
    expect(description.exactCriteria).toEqual(['cancerTypes', 'modalities', 'bodyParts', 'manufacturers', 'sex', 'ageAtDiagnosis']);
  });

  it('lists the datasets with the oracle\'s totals', async () => {
    const expected = expectedCohort(manifest, SITE);
    const listed = await adapterFor(orthanc).listDatasets(callContext());
    expect(listed).toEqual(expected.byDataset.map((row) => ({ localId: row.dataset, subjects: row.subjects, studies: row.studies, series: row.series })));
  });

  it(`counts cohorts as the independent oracle does (${COMBOS.length} criteria combinations)`, async () => {
    const site = adapterFor(orthanc);
    for (const { name, criteria } of COMBOS) {
      const expected = expectedCohort(manifest, SITE, oracleCriteria(criteria));
      const counts = await site.countCohort(criteria, callContext());
      expect({ subjects: counts.subjects, studies: counts.studies, series: counts.series }, name)
        .toEqual({ subjects: expected.subjects, studies: expected.studies, series: expected.series });
      expect(counts.byDataset.map((row) => ({ dataset: row.datasetLocalId, subjects: row.subjects, studies: row.studies, series: row.series })), name)
        .toEqual(expected.byDataset);
      expect(counts.unsupportedCriteria, name).toEqual([]);
    }
    // Sanity: the combinations are not all empty, and a patient enrolled in two datasets counts twice.
    expect(expectedCohort(manifest, SITE, oracleCriteria({ modalities: ['CT'] })).subjects).toBeGreaterThan(0);
    expect((await site.countCohort({}, callContext())).subjects).toBe(manifest.totals[SITE]!.subjects);
  });

  it(`breaks cohorts down by every dimension as the oracle narrowed to each key counts them (${COMBOS.length} criteria combinations)`, async () => {
    const site = adapterFor(orthanc);
    let buckets = 0;
    for (const { name, criteria } of COMBOS) {
      const base = oracleCriteria(criteria);
      for (const by of BREAKDOWN_DIMENSIONS) {
        const expected = candidateKeys(manifest, SITE, by).flatMap((key) => {
          const narrowed = narrowedTo(base, by, key);
          return narrowed ? expectedCohort(manifest, SITE, narrowed).byDataset.map((row) => ({ dataset: row.dataset, key, subjects: row.subjects })) : [];
        });
        const rows = await site.breakdownCohort(criteria, by, callContext());
        const actual = rows.map((row) => ({ dataset: row.datasetLocalId, key: row.key, subjects: row.subjects }));
        expect(actual.sort(byDatasetAndKey), `${name} ${by}`).toEqual(expected.sort(byDatasetAndKey));
        buckets += actual.length;
      }
    }
    // Sanity: the sample has several modalities, manufacturers, sexes and age bands.
    const unrestricted = await site.breakdownCohort({}, 'MODALITY', callContext());
    expect(new Set(unrestricted.map((row) => row.key))).toEqual(new Set(['CT', 'MR', 'PT', 'SEG', 'RTSTRUCT']));
    expect(buckets).toBeGreaterThan(100);
  });

  it('answers a cohort\'s count and its six breakdowns together in the calls of the count alone', async () => {
    const criteria: SiteCriteria = { modalities: ['CT', 'MR'], ageAtDiagnosis: { min: 40 } };
    const alone = countingFetch(fetch);
    await adapterFor(orthanc, alone.fetch).countCohort(criteria, callContext());
    const together = countingFetch(fetch);
    const site = adapterFor(orthanc, together.fetch);
    await Promise.all([site.countCohort(criteria, callContext()), ...BREAKDOWN_DIMENSIONS.map((by) => site.breakdownCohort(criteria, by, callContext()))]);
    expect(together.log.byEndpoint()).toEqual(alone.log.byEndpoint());
  });

  it('reports yearOfDiagnosis as unsupported instead of applying it', async () => {
    const counts = await adapterFor(orthanc).countCohort({ yearOfDiagnosis: { min: 2100 } }, callContext());
    expect(counts.unsupportedCriteria).toEqual(['yearOfDiagnosis']);
    expect(counts.subjects).toBe(expectedCohort(manifest, SITE).subjects);
  });

  it('reads instance tags for the first cohort query only', async () => {
    const { fetch: counting, log } = countingFetch(fetch);
    const site = adapterFor(orthanc, counting);
    const criteria: SiteCriteria = { modalities: ['CT'], ageAtDiagnosis: { min: 40 } };
    await site.countCohort(criteria, callContext());
    const studies = manifest.totals[SITE]!.studies;
    // First query, 33 studies: /changes?last, /statistics, the study list, /system, one
    // series find for the 33 StudyInstanceUIDs, 33 simplified-tags reads (PatientAge and
    // ClinicalTrialProtocolID are not main tags in 1.10), one series find for the criteria:
    // 39 calls.
    expect(log.byEndpoint()).toEqual({
      'GET /changes?last': 1, 'GET /statistics': 1, 'GET /system': 1, 'POST /tools/find': 3, 'GET /instances/{id}/simplified-tags': studies,
    });
    log.reset();
    await site.countCohort(criteria, callContext());
    // Second identical query: /changes, /statistics and the criteria's series find. No tag read.
    expect(log.byEndpoint()).toEqual({ 'GET /changes': 1, 'GET /statistics': 1, 'POST /tools/find': 1 });
    expect(log.tagReads()).toBe(0);
  });

  it('pages every subject, study and series exactly once', async () => {
    const site = adapterFor(orthanc);
    const ctx = callContext();
    const files = filesOfSite(manifest, SITE);
    for (const dataset of manifest.sites.find((s) => s.id === SITE)!.datasets) {
      const subjects: string[] = [];
      let totalCount = -1;
      for (let offset = 0; ; offset += 4) {
        const page = await site.listSubjects(dataset.id, { offset, limit: 4 }, ctx);
        totalCount = page.totalCount;
        subjects.push(...page.items.map((item) => item.nativePatientId));
        if (page.items.length < 4) break;
      }
      const inDataset = files.filter((file) => file.dataset === dataset.id);
      const expectedSubjects = [...new Set(inDataset.map((file) => file.identifiers.PatientID))].sort();
      expect(subjects).toEqual(expectedSubjects);
      expect(new Set(subjects).size).toBe(subjects.length);
      expect(totalCount).toBe(expectedSubjects.length);

      const refs = subjects.map((nativePatientId) => ({ nativePatientId, datasetLocalId: dataset.id }));
      const studies = await site.listStudies(refs, ctx);
      const studyRecords = refs.flatMap((ref) => studies.get(subjectRefKey(ref)) ?? []);
      expect(studyRecords.map((s) => s.studyInstanceUid).sort()).toEqual([...new Set(inDataset.map((file) => file.studyInstanceUid))].sort());

      const series = await site.listSeries(studyRecords.map((s) => s.localId), ctx);
      const seriesRecords = studyRecords.flatMap((study) => series.get(study.localId) ?? []);
      const expectedSeries = [...new Set(inDataset.map((file) => file.seriesInstanceUid))].sort();
      expect(seriesRecords.map((s) => s.seriesInstanceUid).sort()).toEqual(expectedSeries);
      for (const record of seriesRecords) {
        const ofSeries = inDataset.filter((file) => file.seriesInstanceUid === record.seriesInstanceUid);
        expect(record).toMatchObject({ modality: ofSeries[0]!.modality, bodyPart: ofSeries[0]!.bodyPart, manufacturer: ofSeries[0]!.manufacturer, instanceCount: ofSeries.length });
        expect(record.localId).toMatch(/^[0-9a-f]{8}(-[0-9a-f]{8}){4}$/);
      }
    }
  });

  it('finds every SEG and RTSTRUCT of a series, and nothing for the others', async () => {
    const site = adapterFor(orthanc);
    const ctx = callContext();
    const files = filesOfSite(manifest, SITE);
    const studies = [...new Set(files.map((file) => file.studyInstanceUid))];
    const subjects = await Promise.all(manifest.sites.find((s) => s.id === SITE)!.datasets.map((d) => site.listSubjects(d.id, { offset: 0, limit: 100 }, ctx)));
    const studyRecords = [...(await site.listStudies(subjects.flatMap((page) => page.items), ctx)).values()].flat();
    expect(studyRecords).toHaveLength(studies.length);
    const series = [...(await site.listSeries(studyRecords.map((s) => s.localId), ctx)).values()].flat();
    const segmentations = await site.listSegmentations(series.map((s) => s.localId), ctx);
    for (const record of series) {
      const expected = files
        .filter((file) => file.referencedSeriesInstanceUids.includes(record.seriesInstanceUid))
        .map((file) => ({ uid: file.seriesInstanceUid, format: file.modality === 'SEG' ? 'DICOM_SEG' : 'RTSTRUCT' }));
      const found = (segmentations.get(record.localId) ?? []).map((s) => ({ uid: s.seriesInstanceUid, format: s.format }));
      expect(found, record.seriesInstanceUid).toEqual(expected);
    }
    expect([...segmentations.values()].flat().length).toBe(files.filter((file) => file.modality === 'SEG' || file.modality === 'RTSTRUCT').length);
  });

  it('returns no direct identifier written in the files', async () => {
    const site = adapterFor(orthanc);
    const ctx = callContext();
    const outputs: unknown[] = [await site.describe(ctx), await site.listDatasets(ctx), await site.countCohort({ modalities: ['MR', 'CT', 'SEG', 'RTSTRUCT'] }, ctx)];
    for (const dataset of manifest.sites.find((s) => s.id === SITE)!.datasets) {
      const page = await site.listSubjects(dataset.id, { offset: 0, limit: 100 }, ctx);
      outputs.push(page.items.map(({ nativePatientId: _kitOnly, ...rest }) => rest));
      const studies = [...(await site.listStudies(page.items, ctx)).values()].flat();
      const series = [...(await site.listSeries(studies.map((s) => s.localId), ctx)).values()].flat();
      outputs.push(studies, series, [...(await site.listSegmentations(series.map((s) => s.localId), ctx)).values()]);
    }
    const text = JSON.stringify(outputs).toUpperCase();
    const forbidden = forbiddenIdentifierValues(manifest);
    expect(forbidden.length).toBeGreaterThan(10);
    for (const value of forbidden) expect(text, value).not.toContain(value.toUpperCase());
  });

  it('streams a series as a non-empty ZIP', async () => {
    const site = adapterFor(orthanc);
    const ctx = callContext();
    const page = await site.listSubjects('LUNG-CT-01', { offset: 0, limit: 1 }, ctx);
    const study = [...(await site.listStudies(page.items, ctx)).values()].flat()[0]!;
    const series = (await site.listSeries([study.localId], ctx)).get(study.localId)![0]!;
    const archive = await site.retrieveSeries!(series.localId, ctx);
    expect(archive.contentType).toBe('application/zip');
    expect(archive.filename).toBe(`${series.seriesInstanceUid}.zip`);
    const bytes = new Uint8Array(await new Response(archive.body).arrayBuffer());
    expect(bytes.length).toBeGreaterThan(1_000);
    expect([...bytes.slice(0, 4)]).toEqual([0x50, 0x4b, 0x03, 0x04]);
  });

  it('answers QIDO-RS through the DICOMweb plugin with the same series', async () => {
    const client = createOrthancClient({ baseUrl: orthanc.url, credentials: { username: orthanc.username, password: orthanc.password }, fetch });
    expect(await client.plugins(AbortSignal.timeout(5_000))).toContain('dicom-web');
    const file = filesOfSite(manifest, SITE)[0]!;
    const found = await client.qidoSeries({ StudyInstanceUID: file.studyInstanceUid }, AbortSignal.timeout(5_000));
    const expected = [...new Set(filesOfSite(manifest, SITE).filter((f) => f.studyInstanceUid === file.studyInstanceUid).map((f) => f.seriesInstanceUid))].sort();
    expect(found.map((dataset) => dicomJsonString(dataset, '0020000E')).sort()).toEqual(expected);
  });

  it('sees a deleted study (no /changes entry in 1.10) and its upload again, re-reading only its tags', async () => {
    const { fetch: counting, log } = countingFetch(fetch);
    const site = adapterFor(orthanc, counting);
    const criteria: SiteCriteria = { ageAtDiagnosis: { min: 0 } };
    await site.countCohort(criteria, callContext());
    const files = filesOfSite(manifest, SITE);
    const victim = files.find((file) => file.dataset === 'PROSTATE-MR-02')!.studyInstanceUid;
    const auth = `Basic ${Buffer.from(`${orthanc.username}:${orthanc.password}`).toString('base64')}`;
    const [studyId] = (await (await fetch(`${orthanc.url}/tools/find`, {
      method: 'POST', headers: { authorization: auth }, body: JSON.stringify({ Level: 'Study', Query: { StudyInstanceUID: victim } }),
    })).json()) as string[];
    expect((await fetch(`${orthanc.url}/studies/${studyId}`, { method: 'DELETE', headers: { authorization: auth } })).ok).toBe(true);
    try {
      const without = { ...manifest, files: manifest.files.filter((file) => file.studyInstanceUid !== victim) };
      log.reset();
      const afterDelete = await site.countCohort(criteria, callContext());
      expect(afterDelete.studies).toBe(expectedCohort(without, SITE, oracleCriteria(criteria)).studies);
      expect(log.tagReads()).toBe(0);
    } finally {
      await uploadDicomFiles(orthanc, files.filter((file) => file.studyInstanceUid === victim).map((file) => file.path));
    }
    log.reset();
    const restored = await site.countCohort(criteria, callContext());
    expect(restored.studies).toBe(expectedCohort(manifest, SITE, oracleCriteria(criteria)).studies);
    expect(log.tagReads()).toBe(1);
    // Orthanc logs StableStudy/StableSeries/StablePatient one second later (StableAge 1):
    // those say nothing about content, so the next query neither rebuilds nor reads tags.
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    log.reset();
    await site.countCohort(criteria, callContext());
    expect(log.byEndpoint()).toEqual({ 'GET /changes': 1, 'GET /statistics': 1 });
  });

  it('refuses a wrong password with ProviderAuthError', async () => {
    const error = await adapterFor(orthanc, fetch, 'not-the-password').countCohort({}, callContext()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderAuthError);
  });

  it('stops at the deadline with ProviderTimeoutError when Orthanc is frozen', async () => {
    const site = adapterFor(orthanc);
    await site.describe(callContext());
    const deadlineMs = 800;
    orthanc.freeze();
    try {
      const started = performance.now();
      const error = await withDeadline(deadlineMs, silentLogger, (ctx) => site.countCohort({ modalities: ['MR'] }, ctx)).catch((e: unknown) => e);
      const elapsed = performance.now() - started;
      expect(error).toBeInstanceOf(ProviderTimeoutError);
      expect(elapsed).toBeGreaterThanOrEqual(deadlineMs - 50);
      expect(elapsed).toBeLessThan(deadlineMs + 500);
    } finally {
      orthanc.thaw();
    }
    // Thawed, the same adapter answers again.
    expect((await site.countCohort({}, callContext())).subjects).toBe(manifest.totals[SITE]!.subjects);
  });

  it('reports a stopped Orthanc as ProviderUnavailableError', async () => {
    const stopped = await startLocalOrthanc({ name: 'cig-adapter-stopped', dicomWeb: false });
    const site = adapterFor(stopped);
    await site.describe(callContext());
    await stopped.stop();
    const error = await site.countCohort({}, callContext()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderUnavailableError);
  });
});

/**
 * A larger site for bounded batching: the built-in spec's breast dataset scaled to 80
 * subjects, 30 of them with a second study (110 studies), each study with about ten
 * series (eight extra dynamic phases), so well over 1,000 series in all.
 */
async function writeScaledSpec(file: string): Promise<void> {
  const printed = spawnSync(SAMPLE_DICOM_PYTHON, [SAMPLE_DICOM_SCRIPT, '--print-default-spec'], { encoding: 'utf8' });
  if (printed.status !== 0) throw new Error(`cannot print the default sample spec: ${printed.stderr}`);
  const spec = JSON.parse(printed.stdout) as { crossEnrolment?: unknown[]; sites: { id: string; datasets: Record<string, unknown>[] }[] };
  const site = spec.sites.find((s) => s.id === 'orthanc-b')!;
  const breast = site.datasets[0]!;
  Object.assign(breast, { subjects: 80, sex: { F: 70, M: 6, '': 4 }, repeatStudies: 30, omitPatientAge: 20 });
  const phases = Array.from({ length: 8 }, (_, i) => ({
    modality: 'MR', bodyPart: 'BREAST', description: `DCE PHASE ${i + 1}`, manufacturers: ['GE MEDICAL SYSTEMS', 'SIEMENS', 'PHILIPS'], fraction: 1, instances: [1, 1],
  }));
  (breast.series as unknown[]).splice(1, 0, ...phases);
  for (const series of breast.series as { instances?: number[] }[]) if (series.instances) series.instances = [1, 1];
  await writeFile(file, JSON.stringify({ ...spec, crossEnrolment: [], sites: [site] }));
}

describe.skipIf(!enabled)('Orthanc adapter: bounded calls on a site of 110 studies', () => {
  let workDir: string;
  let manifest: SampleDicomManifest;
  let orthanc: LocalOrthanc;
  const BULK = 'orthanc-b';

  beforeAll(async () => {
    workDir = await mkdtemp(path.join(tmpdir(), 'cig-orthanc-bulk-'));
    const specFile = path.join(workDir, 'spec.json');
    await writeScaledSpec(specFile);
    manifest = await buildSampleDicom({ outDir: path.join(workDir, 'dicom'), specFile });
    orthanc = await startLocalOrthanc({ name: 'cig-adapter-bulk', dicomWeb: false });
    await uploadDicomFiles(orthanc, filesOfSite(manifest, BULK).map((file) => file.path));
  }, 120_000);

  afterAll(async () => {
    await orthanc?.stop();
    if (workDir) await rm(workDir, { recursive: true, force: true });
  });

  function adapterFor(fetchImpl: typeof fetch): ProviderAdapter {
    return createOrthancAdapter(orthancSite({ id: BULK, baseUrl: orthanc.url }), {
      logger: silentLogger,
      datasets: [curatedDataset(BULK, 'BREAST-MR-03', ['BREAST'])],
      env: { [USER_VAR]: orthanc.username, [PASSWORD_VAR]: orthanc.password },
      fetch: fetchImpl,
    });
  }

  it('lists the 1,000+ series of 100 studies with one /tools/find for them', async () => {
    expect(manifest.totals[BULK]!.studies).toBe(110);
    const { fetch: counting, log } = countingFetch(fetch);
    const site = adapterFor(counting);
    const auth = `Basic ${Buffer.from(`${orthanc.username}:${orthanc.password}`).toString('base64')}`;
    const studyIds = ((await (await fetch(`${orthanc.url}/tools/find`, {
      method: 'POST', headers: { authorization: auth }, body: JSON.stringify({ Level: 'Study', Query: {} }),
    })).json()) as string[]).sort().slice(0, 100);
    const series = await site.listSeries(studyIds, callContext());
    // A cold adapter, 100 studies: /changes?last + /statistics + the study list (find) + ONE
    // Series-level find with the 100 StudyInstanceUIDs list-matched = 4 calls in all.
    expect(log.byEndpoint()).toEqual({ 'GET /changes?last': 1, 'GET /statistics': 1, 'POST /tools/find': 2 });
    const uids = [...series.values()].flat().map((s) => s.seriesInstanceUid);
    expect(new Set(uids).size).toBe(uids.length);
    expect(uids.length).toBeGreaterThanOrEqual(1_000);
    log.reset();
    // Warm: the same 100 studies again cost /changes + /statistics, no find.
    await site.listSeries(studyIds, callContext());
    expect(log.byEndpoint()).toEqual({ 'GET /changes': 1, 'GET /statistics': 1 });
  });

  it('lists every series of the 110 studies exactly once, one find per 100 studies', async () => {
    const { fetch: counting, log } = countingFetch(fetch);
    const site = adapterFor(counting);
    const subjects = await site.listSubjects('BREAST-MR-03', { offset: 0, limit: 100 }, callContext());
    expect(subjects.totalCount).toBe(80);
    const all = [subjects.items, (await site.listSubjects('BREAST-MR-03', { offset: 100, limit: 100 }, callContext())).items].flat();
    const studies = [...(await site.listStudies(all, callContext())).values()].flat();
    expect(studies).toHaveLength(110);
    log.reset();
    const series = [...(await site.listSeries(studies.map((s) => s.localId), callContext())).values()].flat();
    // The series were cached by listSubjects (ages need each study's representative series):
    // nothing but /changes and /statistics now.
    expect(log.byEndpoint()).toEqual({ 'GET /changes': 1, 'GET /statistics': 1 });
    const expected = [...new Set(filesOfSite(manifest, BULK).map((file) => file.seriesInstanceUid))].sort();
    expect(series.map((s) => s.seriesInstanceUid).sort()).toEqual(expected);
    const fresh = countingFetch(fetch);
    await adapterFor(fresh.fetch).listSeries(studies.map((s) => s.localId), callContext());
    // A cold adapter: 110 studies in two chunks (100 + 10): the study list + 2 series finds.
    expect(fresh.log.byEndpoint()).toEqual({ 'GET /changes?last': 1, 'GET /statistics': 1, 'POST /tools/find': 3 });
  });

  it('counts cohorts on the larger site as the oracle does', async () => {
    const site = adapterFor(fetch);
    for (const criteria of [{}, { modalities: ['CT'] }, { sex: ['MALE', 'UNKNOWN'], ageAtDiagnosis: { min: 50 } }, { manufacturers: ['philips'], modalities: ['MR'] }] as SiteCriteria[]) {
      const expected = expectedCohort(manifest, BULK, oracleCriteria(criteria));
      const counts = await site.countCohort(criteria, callContext());
      expect([counts.subjects, counts.studies, counts.series], JSON.stringify(criteria)).toEqual([expected.subjects, expected.studies, expected.series]);
    }
  });
});
