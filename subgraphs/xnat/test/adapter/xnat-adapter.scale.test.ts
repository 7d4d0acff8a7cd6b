import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { subjectRefKey, type ProviderAdapter } from '@cancer-imaging/provider-kit';
import { setupServer } from 'msw/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createXnatAdapter } from '../../src/adapter/index.js';
import { callContext, curatedDataset, ENV, silentLogger, xnatSite } from './support/helpers.js';
import { buildProjects, createFakeXnat, type FakeXnat, type TProject } from './support/msw-xnat.js';
import { expectedCohort } from './support/oracle.js';

// Call counting and memory for one project of 5,000 subjects and 20,000 scans (10,000
// image sessions of 2 scans), served by msw. The numbers asserted here are the ones
// docs/xnat.md reports.

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

function heapUsed(): number {
  for (let i = 0; i < 3; i++) gc();
  return process.memoryUsage().heapUsed;
}

const BASE = 'http://xnat-scale.test';
const server = setupServer();
let projects: TProject[];
let fake: FakeXnat;
let adapter: ProviderAdapter;

beforeAll(() => {
  projects = buildProjects({ projects: [{ id: 'BIG', subjects: 5_000 }], sessionsPer: () => 2, scansPer: () => 2 });
  fake = createFakeXnat(projects, { base: BASE, users: { 'cig-reader': 'xN4t-s3cret-Pa55!' } });
  server.listen({ onUnhandledRequest: 'error' });
  server.use(...fake.handlers);
  adapter = createXnatAdapter(xnatSite({ baseUrl: BASE, options: { projects: ['BIG'], snapshotTtlMs: 600_000 } }), {
    logger: silentLogger, datasets: [curatedDataset('xnat-a', 'BIG', ['LUNG'])], env: ENV, fetch: (...args) => globalThis.fetch(...args),
  });
});
afterAll(() => server.close());

describe('XNAT adapter at 5,000 subjects and 20,000 scans', () => {
  it('counts a cohort and serves the first pages in a bounded number of upstream calls, within bounded memory', async () => {
    const scans = projects[0]!.sessions.reduce((n, s) => n + s.scans.length, 0);
    expect(projects[0]!.subjects.length - 1).toBe(5_000);
    expect(scans).toBe(20_000);
    // Warm the code paths (zod, msw, fetch, the adapter) on a small site first, so the heap
    // growth measured below is data, not compiled code.
    const small = buildProjects({ projects: [{ id: 'SMALL', subjects: 30 }] });
    const smallFake = createFakeXnat(small, { base: 'http://xnat-warm.test', users: { 'cig-reader': 'xN4t-s3cret-Pa55!' } });
    server.use(...smallFake.handlers);
    const warm = createXnatAdapter(xnatSite({ baseUrl: 'http://xnat-warm.test', options: { projects: ['SMALL'] } }), {
      logger: silentLogger, datasets: [], env: ENV, fetch: (...args) => globalThis.fetch(...args),
    });
    await warm.countCohort({ modalities: ['CT'], sex: ['FEMALE'] }, callContext());
    const warmSubjects = await warm.listSubjects('SMALL', { offset: 0, limit: 5 }, callContext());
    const warmStudies = await warm.listStudies(warmSubjects.items, callContext());
    await warm.listSeries([...warmStudies.values()].flat().map((s) => s.localId), callContext());
    await warm.close?.();
    const before = heapUsed();

    // Cohort count, cold: one login, the subjects and experiments listings, and one search
    // per scan type (the CT, MR and PET sessions imply xnat:ctScanData, xnat:mrScanData and
    // xnat:petScanData; xnat:segScanData is asked of every project).
    fake.reset();
    const started = performance.now();
    const counted = await adapter.countCohort({ modalities: ['CT'], sex: ['FEMALE'] }, callContext());
    const coldMs = Math.round(performance.now() - started);
    expect(counted.series).toBe(expectedCohort(projects, { BIG: 'LUNG' }, { modalities: ['CT'], sex: ['FEMALE'] }).series);
    expect(fake.byEndpoint()).toEqual({
      'POST /data/JSESSION': 1, 'GET /data/projects/{p}/subjects': 1, 'GET /data/projects/{p}/experiments': 1, 'POST /data/search': 4,
    });
    const countCalls = fake.calls.length;

    const retained = heapUsed() - before;

    // The same and another count while the snapshot is fresh: no call.
    fake.reset();
    await adapter.countCohort({ modalities: ['CT'], sex: ['FEMALE'] }, callContext());
    await adapter.countCohort({ ageAtDiagnosis: { min: 60 }, manufacturers: ['Philips'] }, callContext());
    expect(fake.calls).toEqual([]);

    // The first page of subjects (20): no call.
    fake.reset();
    const page = await adapter.listSubjects('BIG', { offset: 0, limit: 20 }, callContext());
    expect(page.totalCount).toBe(5_000);
    expect(page.items).toHaveLength(20);
    const subjectCalls = fake.calls.length;

    // Their studies: no call (the experiments listing came with the snapshot).
    fake.reset();
    const refs = page.items.map((s) => ({ datasetLocalId: 'BIG', nativePatientId: s.nativePatientId }));
    const studies = await adapter.listStudies(refs, callContext());
    const studyIds = refs.flatMap((ref) => studies.get(subjectRefKey(ref))!.map((s) => s.localId));
    expect(studyIds).toHaveLength(40);
    const studyCalls = fake.calls.length;

    // The series of the first 20 studies: one scans call per session.
    fake.reset();
    const series = await adapter.listSeries(studyIds.slice(0, 20), callContext());
    expect([...series.values()].every((list) => list.length === 2)).toBe(true);
    expect(fake.byEndpoint()).toEqual({ 'GET /data/experiments/{id}/scans': 20 });
    const seriesCalls = fake.calls.length;

    // Again: cached.
    fake.reset();
    await adapter.listSeries(studyIds.slice(0, 20), callContext());
    expect(fake.calls).toEqual([]);

    // What the adapter itself holds: released when it closes.
    const beforeClose = heapUsed();
    await adapter.close?.();
    const afterClose = heapUsed();
    const heldByAdapter = beforeClose - afterClose;
    const mb = (bytes: number) => Math.round((bytes / 1024 / 1024) * 10) / 10;
    const report = {
      countCalls, subjectCalls, studyCalls, seriesCalls, coldCountMs: coldMs,
      heapGrowthAfterCountMB: mb(retained), heldByAdapterAfterBrowsingMB: mb(heldByAdapter),
      // Still in use once the adapter is closed: the test's own msw/fetch state, not the adapter.
      heapGrowthAfterCloseMB: mb(afterClose - before),
    };
    console.log(`XNAT scale (5,000 subjects, 10,000 sessions, 20,000 scans): ${JSON.stringify(report)}`);
    expect([countCalls, subjectCalls, studyCalls, seriesCalls]).toEqual([7, 0, 0, 20]);
    // The snapshot keeps compact records only: well under the raw rows' size.
    expect(retained).toBeLessThan(16 * 1024 * 1024);
    expect(heldByAdapter).toBeLessThan(12 * 1024 * 1024);
  });
});

describe('XNAT adapter at 5,000 subjects without the search service', () => {
  it('lists subjects, experiments and the scans of every session, parallelism at a time, for the same counts', async () => {
    const listing = createFakeXnat(projects, { base: 'http://xnat-scale-listing.test', users: { 'cig-reader': 'xN4t-s3cret-Pa55!' }, search: 404 });
    server.use(...listing.handlers);
    const site = xnatSite({ baseUrl: 'http://xnat-scale-listing.test', options: { projects: ['BIG'], parallelism: 8 } });
    const fallback = createXnatAdapter(site, { logger: silentLogger, datasets: [], env: ENV, fetch: (...args) => globalThis.fetch(...args) });
    const started = performance.now();
    const counted = await fallback.countCohort({ modalities: ['CT'], sex: ['FEMALE'] }, callContext());
    const ms = Math.round(performance.now() - started);
    expect(counted.series).toBe(expectedCohort(projects, { BIG: 'LUNG' }, { modalities: ['CT'], sex: ['FEMALE'] }).series);
    const calls = listing.byEndpoint();
    console.log(`XNAT scale, listing fallback: ${JSON.stringify({ ...calls, total: listing.calls.length, ms })}`);
    // 10,001 sessions (one without scans) in the project.
    // Every type search refused (4), so every session is listed.
    expect(calls).toEqual({
      'POST /data/JSESSION': 1, 'POST /data/search': 4, 'GET /data/projects/{p}/subjects': 1,
      'GET /data/projects/{p}/experiments': 1, 'GET /data/experiments/{id}/scans': 10_001,
    });
  }, 120_000);
});
