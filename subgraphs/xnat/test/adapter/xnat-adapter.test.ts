import { subjectRefKey, type ProviderAdapter, type SiteCriteria } from '@cancer-imaging/provider-kit';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createXnatAdapter } from '../../src/adapter/index.js';
import { callContext, capturingLogger, curatedDataset, ENV, silentLogger, xnatSite } from './support/helpers.js';
import { buildProjects, createFakeXnat, type FakeXnat, type FakeXnatOptions, type TProject } from './support/msw-xnat.js';
import { expectedCohort } from './support/oracle.js';

// The XNAT adapter over a small msw-served XNAT (support/msw-xnat.ts, shapes of the
// recorded fixtures). Expected counts come from support/oracle.ts, computed straight from
// the data set, not from the adapter's code.

const BASE = 'http://xnat-adapter.test';
const server = setupServer();
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterEach(() => server.resetHandlers());
afterAll(() => server.close());

const PROJECTS: TProject[] = buildProjects({ projects: [{ id: 'LUNG-CT', subjects: 23 }, { id: 'PROSTATE-MR', subjects: 17 }], withRois: true });
const CURATED = { 'LUNG-CT': 'LUNG', 'PROSTATE-MR': 'PROSTATE' } as const;
const DATASETS = [curatedDataset('xnat-a', 'LUNG-CT', ['LUNG']), curatedDataset('xnat-a', 'PROSTATE-MR', ['PROSTATE'])];

function setup(fakeOptions: Partial<FakeXnatOptions> = {}, siteOptions: Record<string, unknown> = {}, logger = silentLogger): { adapter: ProviderAdapter; fake: FakeXnat } {
  const fake = createFakeXnat(PROJECTS, { base: BASE, users: { 'cig-reader': 'xN4t-s3cret-Pa55!' }, ...fakeOptions });
  server.use(...fake.handlers);
  const adapter = createXnatAdapter(xnatSite({ baseUrl: BASE, options: siteOptions }), {
    logger, datasets: DATASETS, env: ENV, fetch: (...args) => globalThis.fetch(...args),
  });
  return { adapter, fake };
}

const CRITERIA: [string, SiteCriteria][] = [
  ['no criteria', {}],
  ['modality CT', { modalities: ['CT'] }],
  ['female aged 50 to 70', { sex: ['FEMALE'], ageAtDiagnosis: { min: 50, max: 70 } }],
  ['body part LUNG or CHEST from a manufacturer written "siemens"', { bodyParts: ['LUNG', 'CHEST'], manufacturers: ['siemens'] }],
  ['cancer type LUNG', { cancerTypes: ['LUNG'] }],
  ['MR or PT in one dataset, male or unknown sex', { modalities: ['MR', 'PT'], sex: ['MALE', 'UNKNOWN'], datasetLocalIds: ['PROSTATE-MR'] }],
  ['age at most 45 with modality PT', { ageAtDiagnosis: { max: 45 }, modalities: ['PT'] }],
];

// The data sets file dose reports as xnat:otherDicomScanData, a type no session type
// implies: a site holding them names it for the search path.
const WITH_REPORTS = { extraScanTypes: ['xnat:otherDicomScanData'] };

describe('XNAT adapter: cohort counts', () => {
  for (const [mode, fakeOptions, siteOptions] of [
    ['the search service (one search per scan type)', {}, WITH_REPORTS],
    ['the search service with one type lacking a display document (its sessions listed)', { typesWithoutDisplay: ['xnat:petScanData'] }, WITH_REPORTS],
    ['the listing fallback (search answers 404)', { search: 404 as const }, {}],
    ['the listing fallback (search answers an HTML page)', { search: 'html' as const }, {}],
    ['the listing fallback (search fails with 500)', { search: 500 as const }, WITH_REPORTS],
    ['listing only (useSearchService false)', {}, { useSearchService: false }],
  ] as const) {
    it(`counts ${CRITERIA.length} criteria exactly as computed from the data, through ${mode}`, async () => {
      const { adapter } = setup(fakeOptions, siteOptions);
      for (const [name, criteria] of CRITERIA) {
        const counted = await adapter.countCohort(criteria, callContext());
        const expected = expectedCohort(PROJECTS, CURATED, criteria);
        expect({ ...counted, unsupportedCriteria: undefined }, name).toEqual({ ...expected, unsupportedCriteria: undefined });
        expect(counted.unsupportedCriteria, name).toEqual([]);
        expect(expected.series, name).toBeGreaterThan(0);
      }
    });
  }

  it('gives the same counts through the search service and through the listing fallback', async () => {
    const search = setup({}, WITH_REPORTS);
    const viaSearch = await Promise.all(CRITERIA.map(([, c]) => search.adapter.countCohort(c, callContext())));
    // Per project: CT, MR and PET sessions imply xnat:ctScanData, xnat:mrScanData and
    // xnat:petScanData; xnat:segScanData and the configured xnat:otherDicomScanData; the
    // SEG search once more naming bodyPartExamined by xpath (its display document lacks it).
    expect(search.fake.calls.filter((c) => c === 'POST /data/search')).toHaveLength(2 * 6);
    expect(search.fake.calls.filter((c) => c.includes('/scans'))).toHaveLength(0);
    server.resetHandlers();
    const listing = setup({ search: 403 });
    const viaListing = await Promise.all(CRITERIA.map(([, c]) => listing.adapter.countCohort(c, callContext())));
    expect(listing.fake.calls.filter((c) => c.includes('/scans')).length).toBeGreaterThan(0);
    expect(viaListing).toEqual(viaSearch);
  });

  it('lists yearOfDiagnosis as unsupported and still counts the other criteria', async () => {
    const { adapter } = setup();
    const counted = await adapter.countCohort({ yearOfDiagnosis: { min: 2015 }, modalities: ['CT'] }, callContext());
    expect(counted.unsupportedCriteria).toEqual(['yearOfDiagnosis']);
    expect(counted.series).toBe(expectedCohort(PROJECTS, CURATED, { modalities: ['CT'] }).series);
  });

  it('does not count, through the search path, scans of a type no session type implies unless the site names it', async () => {
    const { adapter } = setup();
    const counted = await adapter.countCohort({}, callContext());
    const expected = expectedCohort(PROJECTS, CURATED, {});
    const reports = PROJECTS.flatMap((p) => p.sessions.flatMap((s) => s.scans)).filter((scan) => scan.xsiType === 'xnat:otherDicomScanData').length;
    expect(reports).toBeGreaterThan(0);
    expect(counted.series).toBe(expected.series - reports);
    expect((await adapter.describe(callContext())).apiVersion).toMatch(/counts via the search service$/);
  });

  it('lists only the sessions a failing type search leaves unanswered, does not fail the site, and does not ask that type again for a while', async () => {
    const { adapter, fake } = setup({ typesWithoutDisplay: ['xnat:petScanData'] }, { ...WITH_REPORTS, snapshotTtlMs: 0 });
    const counted = await adapter.countCohort({ modalities: ['PT'] }, callContext());
    expect(counted.series).toBe(expectedCohort(PROJECTS, CURATED, { modalities: ['PT'] }).series);
    const petSessions = PROJECTS.flatMap((p) => p.sessions).filter((s) => s.xsiType === 'xnat:petSessionData').length;
    expect(fake.calls.filter((c) => c === 'GET /data/experiments/{id}/scans')).toHaveLength(petSessions);
    expect((await adapter.describe(callContext())).apiVersion).toMatch(/counts via the search service, listing the sessions it cannot answer for/);
    fake.reset();
    await adapter.countCohort({}, callContext());
    // ct, mr, seg (by xpath now), otherDicom per project; pet is not asked again.
    expect(fake.calls.filter((c) => c === 'POST /data/search')).toHaveLength(2 * 4);
  });

  it('reports bodyParts as unsupported on a site whose scans carry no bodyPartExamined, counting no scan', async () => {
    for (const fakeOptions of [{ bodyPartField: false }, { bodyPartField: false, search: 404 as const }]) {
      server.resetHandlers();
      const { adapter } = setup(fakeOptions);
      const counted = await adapter.countCohort({ bodyParts: ['CHEST'] }, callContext());
      expect(counted.unsupportedCriteria).toEqual(['bodyParts']);
      expect(counted.series).toBe(0);
      expect((await adapter.describe(callContext())).exactCriteria).not.toContain('bodyParts');
    }
  });

  it('breaks a cohort down by body part as all UNKNOWN on a site whose scans carry no bodyPartExamined', async () => {
    const { adapter } = setup({ bodyPartField: false });
    const counted = await adapter.countCohort({ modalities: ['CT'] }, callContext());
    const rows = await adapter.breakdownCohort({ modalities: ['CT'] }, 'BODY_PART', callContext());
    expect(rows.map((row) => [row.datasetLocalId, row.key, row.subjects]).sort())
      .toEqual(counted.byDataset.map((row) => [row.datasetLocalId, 'UNKNOWN', row.subjects]).sort());
  });

  it('reuses the project snapshots within the TTL and rebuilds them after it', async () => {
    const { adapter, fake } = setup({}, { snapshotTtlMs: 80 });
    await adapter.countCohort({}, callContext());
    const first = fake.calls.length;
    await adapter.countCohort({ modalities: ['MR'] }, callContext());
    await adapter.listSubjects('LUNG-CT', { offset: 0, limit: 5 }, callContext());
    expect(fake.calls.length).toBe(first);
    await new Promise((resolve) => setTimeout(resolve, 100));
    fake.reset();
    await adapter.countCohort({}, callContext());
    // Per (curated) project, the subjects and experiments listings and one search per scan
    // type (ct, mr, pet, and seg by xpath as learnt the first time); no login.
    expect(fake.byEndpoint()).toEqual({
      'GET /data/projects/{p}/subjects': 2, 'GET /data/projects/{p}/experiments': 2, 'POST /data/search': 2 * 4,
    });
    // The first time: the login too, and the SEG search asked again by xpath per project.
    expect(first).toBe(1 + 2 * (2 + 5));
  });

  it('says in describe(), without an upstream call, whether counts come from the search service or from listing', async () => {
    const search = setup();
    expect((await search.adapter.describe(callContext())).apiVersion).toBe('XNAT 1.8 REST; counts via the search service when it answers');
    expect(search.fake.calls).toEqual([]);
    await search.adapter.countCohort({}, callContext());
    const described = await search.adapter.describe(callContext());
    expect(described.apiVersion).toBe('XNAT 1.8 REST; counts via the search service');
    expect(described.exactCriteria).toEqual(['cancerTypes', 'modalities', 'bodyParts', 'manufacturers', 'sex', 'ageAtDiagnosis']);
    server.resetHandlers();
    const listing = setup({ search: 404 });
    await listing.adapter.countCohort({}, callContext());
    expect((await listing.adapter.describe(callContext())).apiVersion).toMatch(/counts by listing \(search service unavailable or disabled\)/);
    server.resetHandlers();
    const off = setup({}, { useSearchService: false });
    expect((await off.adapter.describe(callContext())).apiVersion).toMatch(/counts by listing/);
  });

  it('reads the project list only for a site without curated datasets, and counts a curated project the site lacks as empty', async () => {
    const uncurated = createFakeXnat(PROJECTS, { base: BASE, users: { 'cig-reader': 'xN4t-s3cret-Pa55!' } });
    server.use(...uncurated.handlers);
    const open = createXnatAdapter(xnatSite({ baseUrl: BASE }), { logger: silentLogger, datasets: [], env: ENV, fetch: (...args) => globalThis.fetch(...args) });
    expect((await open.listDatasets(callContext())).map((d) => d.localId)).toEqual(['LUNG-CT', 'PROSTATE-MR']);
    expect(uncurated.calls.filter((c) => c === 'GET /data/projects')).toHaveLength(1);
    server.resetHandlers();
    const fake = createFakeXnat(PROJECTS, { base: BASE, users: { 'cig-reader': 'xN4t-s3cret-Pa55!' } });
    server.use(...fake.handlers);
    const adapter = createXnatAdapter(xnatSite({ baseUrl: BASE }), {
      logger: silentLogger, datasets: [...DATASETS, curatedDataset('xnat-a', 'GONE', ['LUNG'])], env: ENV, fetch: (...args) => globalThis.fetch(...args),
    });
    const counted = await adapter.countCohort({}, callContext());
    expect(counted.byDataset.map((row) => row.datasetLocalId)).toEqual(['LUNG-CT', 'PROSTATE-MR']);
    expect((await adapter.listDatasets(callContext())).find((d) => d.localId === 'GONE')).toEqual({ localId: 'GONE', subjects: 0, studies: 0, series: 0 });
    expect(fake.calls).not.toContain('GET /data/projects');
  });

  it('serves only the curated projects of a site that curates datasets', async () => {
    const fake = createFakeXnat(PROJECTS, { base: BASE, users: { 'cig-reader': 'xN4t-s3cret-Pa55!' } });
    server.use(...fake.handlers);
    const adapter = createXnatAdapter(xnatSite({ baseUrl: BASE }), {
      logger: silentLogger, datasets: [DATASETS[0]!], env: ENV, fetch: (...args) => globalThis.fetch(...args),
    });
    const counted = await adapter.countCohort({ cancerTypes: ['LUNG'] }, callContext());
    expect(counted.byDataset.map((row) => row.datasetLocalId)).toEqual(['LUNG-CT']);
    expect(counted.unsupportedCriteria).toEqual([]);
    expect(fake.calls.filter((c) => c === 'GET /data/projects/{p}/experiments')).toHaveLength(1);
    expect((await adapter.listDatasets(callContext())).map((d) => d.localId)).toEqual(['LUNG-CT']);
  });
});

describe('XNAT adapter: datasets and browsing', () => {
  it('lists each project as a dataset with its imaging subjects, sessions and scans', async () => {
    const { adapter } = setup({}, WITH_REPORTS);
    const datasets = await adapter.listDatasets(callContext());
    expect(datasets).toEqual(PROJECTS.map((p) => {
      const imaging = p.sessions.filter((s) => s.scans.length > 0);
      return { localId: p.id, subjects: new Set(imaging.map((s) => s.subjectId)).size, studies: imaging.length, series: imaging.reduce((n, s) => n + s.scans.length, 0) };
    }));
    // The unrestricted cohort equals the dataset totals.
    const all = await adapter.countCohort({}, callContext());
    expect(all.byDataset.map(({ datasetLocalId, ...counts }) => ({ localId: datasetLocalId, ...counts }))).toEqual(datasets);
  });

  it('pages subjects in subject-id order, each once, keyed by the XNAT accession and never the label', async () => {
    const { adapter } = setup();
    const seen: string[] = [];
    let total = -1;
    for (let offset = 0; ; offset += 7) {
      const page = await adapter.listSubjects('LUNG-CT', { offset, limit: 7 }, callContext());
      total = page.totalCount;
      seen.push(...page.items.map((s) => s.nativePatientId));
      if (page.items.length < 7) break;
    }
    expect(seen).toHaveLength(total);
    expect(seen).toEqual([...seen].sort());
    expect(seen.every((id) => /^XNAT_S\d{5}$/.test(id))).toBe(true);
    const first = (await adapter.listSubjects('LUNG-CT', { offset: 0, limit: 3 }, callContext())).items;
    expect(first[0]).toMatchObject({ datasetLocalId: 'LUNG-CT', diagnosis: 'LUNG', yearOfDiagnosis: null });
    expect(first.map((s) => s.sex)).toEqual(['FEMALE', 'MALE', 'FEMALE']);
    expect(JSON.stringify(first)).not.toMatch(/DOE_PATIENT/);
    expect(await adapter.listSubjects('NOT-A-PROJECT', { offset: 0, limit: 3 }, callContext())).toEqual({ items: [], totalCount: 0 });
  });

  it('browses studies, series and segmentations with DICOM UIDs apart from XNAT ids', async () => {
    const { adapter } = setup();
    const subject = PROJECTS[0]!.subjects[0]!;
    const ref = { datasetLocalId: 'LUNG-CT', nativePatientId: subject.id };
    const studies = (await adapter.listStudies([ref], callContext())).get(subjectRefKey(ref))!;
    const sessions = PROJECTS[0]!.sessions.filter((s) => s.subjectId === subject.id && s.scans.length > 0);
    expect(studies.map((s) => s.localId)).toEqual(sessions.map((s) => s.id));
    expect(studies[0]).toMatchObject({ studyInstanceUid: sessions[0]!.uid, year: Number(sessions[0]!.date.slice(0, 4)), description: null });
    const series = (await adapter.listSeries([studies[0]!.localId], callContext())).get(studies[0]!.localId)!;
    expect(series.map((s) => s.localId)).toEqual(sessions[0]!.scans.map((s) => `${sessions[0]!.id}/${s.id}`).sort((a, b) => a.length - b.length || (a < b ? -1 : 1)));
    expect(series[0]).toMatchObject({ seriesInstanceUid: sessions[0]!.scans[0]!.uid, instanceCount: 10 });
    expect(series.every((s) => /^[0-9.]+$/.test(s.seriesInstanceUid))).toBe(true);
    const segs = await adapter.listSegmentations(series.map((s) => s.localId), callContext());
    expect(segs.get(series[0]!.localId)!.map((s) => s.format)).toEqual(['RTSTRUCT', 'ROI_COLLECTION']);
    expect(JSON.stringify([...segs.values()])).not.toMatch(/DOE_PATIENT/);
    // An id outside the site's projects gets nothing.
    expect((await adapter.listSeries(['XNAT_E99999'], callContext())).get('XNAT_E99999')).toEqual([]);
  });

  it('streams a series archive as a ZIP named by the series UID', async () => {
    const { adapter } = setup();
    const session = PROJECTS[1]!.sessions[0]!;
    const archive = await adapter.retrieveSeries!(`${session.id}/${session.scans[0]!.id}`, callContext());
    expect(archive.contentType).toBe('application/zip');
    expect(archive.filename).toBe(`${session.scans[0]!.uid}.zip`);
    expect(new Uint8Array(await new Response(archive.body).arrayBuffer()).slice(0, 2)).toEqual(new Uint8Array([0x50, 0x4b]));
    await expect(adapter.retrieveSeries!(`${session.id}/999`, callContext())).rejects.toMatchObject({ code: 'PROVIDER_BAD_RESPONSE' });
  });

  it('renews an expired session mid-run with one re-login and keeps credentials out of its logs', async () => {
    for (const expiredAs of [401, 302, 'html'] as const) {
      server.resetHandlers();
      const { logger, lines } = capturingLogger();
      const { adapter, fake } = setup({ expiredAs }, { snapshotTtlMs: 0 }, logger);
      await adapter.countCohort({}, callContext(undefined, logger));
      fake.expireAll();
      const counted = await adapter.countCohort({ modalities: ['CT'] }, callContext(undefined, logger));
      expect(counted.series).toBe(expectedCohort(PROJECTS, CURATED, { modalities: ['CT'] }).series);
      expect(fake.calls.filter((c) => c === 'POST /data/JSESSION')).toHaveLength(2);
      expect(lines.join('\n')).not.toMatch(/xN4t-s3cret|cig-reader|Basic /);
    }
  });

  it('fails with PROVIDER_AUTH_FAILED when the configured credentials are refused', async () => {
    const fake = createFakeXnat(PROJECTS, { base: BASE, users: { 'cig-reader': 'another-password' } });
    server.use(...fake.handlers);
    const adapter = createXnatAdapter(xnatSite({ baseUrl: BASE }), { logger: silentLogger, datasets: DATASETS, env: ENV, fetch: (...a) => globalThis.fetch(...a) });
    await expect(adapter.countCohort({}, callContext())).rejects.toMatchObject({ code: 'PROVIDER_AUTH_FAILED' });
  });
});
