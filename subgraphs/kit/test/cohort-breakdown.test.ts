import { HeaderMap } from '@apollo/server';
import { execute, parse } from 'graphql';
import { describe, expect, it } from 'vitest';
import { createProviderSubgraph, type ProviderAdapter, type SiteConfig } from '../src/index.js';
import { buildFixtureRows, createInMemoryAdapter, type SeriesRow } from '../src/testing/index.js';

function site(id: string, privacy = { minCount: 10, roundTo: 10 }, deadlineMs = 2_000): SiteConfig {
  return { id, name: id, country: 'NL', kind: 'memory', baseUrl: 'memory:', credentials: {}, privacy, deadlineMs, options: {} };
}

async function run(adapter: ProviderAdapter, query: string, variables: Record<string, unknown> = {}, config = site('site-a')) {
  const subgraph = await createProviderSubgraph({ kind: 'memory', sites: [config], createAdapter: () => adapter, pseudonymSecret: 'breakdown-secret-0123456789' });
  const contextValue = await subgraph.createContext({ headers: new HeaderMap(), requestId: 'breakdown' });
  const result = await execute({ schema: subgraph.schema, document: parse(query), variableValues: { r: [{ __typename: 'MemoryProvider', id: config.id }], ...variables }, contextValue });
  await subgraph.close();
  return result;
}

type Bucket = { key: string; subjects: { value: number | null; precision: string } };
const cohortOf = (result: Awaited<ReturnType<typeof run>>) => (result.data!._entities as [{ cohort: Record<string, unknown> }])[0].cohort;

describe('cohort breakdowns', () => {
  it('computes every requested dimension, through aliases, variables and fragments', async () => {
    const adapter = createInMemoryAdapter(buildFixtureRows(200));
    const result = await run(adapter, `
      query($r: [_Any!]!, $by: CohortDimension!) { _entities(representations: $r) { ... on MemoryProvider { cohort(criteria: {}) {
        bySex: breakdown(by: SEX) { key subjects { value precision } }
        byVariable: breakdown(by: $by) { key subjects { value } }
        ...Parts
      } } } }
      fragment Parts on ProviderCohort { breakdown(by: BODY_PART) { key subjects { value } } }`, { by: 'CANCER_TYPE' });
    expect(result.errors).toBeUndefined();
    const cohort = cohortOf(result);
    expect(adapter.calls.breakdownCohort).toBe(3);
    expect((cohort.bySex as Bucket[]).map((b) => b.key)).toEqual(['FEMALE', 'MALE']);
    expect((cohort.byVariable as Bucket[]).map((b) => b.key)).toEqual(['LUNG', 'PROSTATE']);
    expect((cohort.breakdown as Bucket[]).map((b) => b.key)).toEqual(['CHEST', 'PROSTATE']);
  });

  it('rounds buckets deterministically and leaves out those below the threshold', async () => {
    // 200 subjects: 67 lung (every third), 133 prostate; 7 extra subjects scanned on a rare vendor.
    const rows: SeriesRow[] = buildFixtureRows(200);
    const rare = rows.filter((row) => row.seriesUid.endsWith('.0.0')).slice(0, 7).map((row) => ({ ...row, seriesUid: `${row.seriesUid}.9`, manufacturer: ' rare vendor ' }));
    const result = await run(createInMemoryAdapter([...rows, ...rare]), `
      query($r: [_Any!]!) { _entities(representations: $r) { ... on MemoryProvider { cohort(criteria: {}) {
        breakdown(by: MANUFACTURER) { key subjects { value precision adjustedTo } }
        cancer: breakdown(by: CANCER_TYPE) { key subjects { value precision adjustedTo } }
      } } } }`);
    expect(result.errors).toBeUndefined();
    const cohort = cohortOf(result);
    expect(cohort.cancer).toEqual([
      { key: 'LUNG', subjects: { value: 70, precision: 'ROUNDED', adjustedTo: 10 } },
      { key: 'PROSTATE', subjects: { value: 130, precision: 'ROUNDED', adjustedTo: 10 } },
    ]);
    const keys = (cohort.breakdown as Bucket[]).map((b) => b.key);
    expect(keys).toEqual(['GE MEDICAL SYSTEMS', 'SIEMENS']);
    expect(JSON.stringify(result)).not.toContain('RARE');
  });

  it('orders age bands by age, not by text or by count', async () => {
    const rows = buildFixtureRows(400).map((row, i) => ({ ...row, ageAtDiagnosis: [7, 12, 95][Number(row.patientId.slice(3)) % 3]! + (i % 1) }));
    const result = await run(createInMemoryAdapter(rows), `query($r: [_Any!]!) { _entities(representations: $r) { ... on MemoryProvider { cohort(criteria: {}) { breakdown(by: AGE_BAND) { key } } } } }`);
    expect((cohortOf(result).breakdown as Bucket[]).map((b) => b.key)).toEqual(['5-9', '10-14', '90+']);
  });

  it('keeps breakdowns inside the site deadline: a slow breakdown makes the site TIMEOUT', async () => {
    const adapter = createInMemoryAdapter(buildFixtureRows(40));
    const slow: ProviderAdapter = {
      ...adapter,
      breakdownCohort: (criteria, by, ctx) => new Promise((_, reject) => ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason), { once: true })),
    };
    const started = performance.now();
    const result = await run(slow, `query($r: [_Any!]!) { _entities(representations: $r) { ... on MemoryProvider { cohort(criteria: {}, deadlineMs: 300) { status subjects { precision } breakdown(by: SEX) { key } } } } }`);
    expect(performance.now() - started).toBeLessThan(300 + 150);
    expect(cohortOf(result)).toEqual({ status: 'TIMEOUT', subjects: { precision: 'UNAVAILABLE' }, breakdown: [] });
  });

  it('gives exact buckets, including small ones, to a caller granted every dataset', async () => {
    const rows = buildFixtureRows(40);
    const subgraph = await createProviderSubgraph({
      kind: 'memory', sites: [site('site-a')], createAdapter: () => createInMemoryAdapter(rows), pseudonymSecret: 'breakdown-secret-0123456789',
      accessPolicy: { canReadRecords: () => true, canSeeExactCounts: () => true },
    });
    const contextValue = await subgraph.createContext({ headers: new HeaderMap(), requestId: 'breakdown' });
    const result = await execute({ schema: subgraph.schema, document: parse(`query($r: [_Any!]!) { _entities(representations: $r) { ... on MemoryProvider { cohort(criteria: { cancerTypes: [LUNG] }) { breakdown(by: MODALITY) { key subjects { value precision } } } } } }`), variableValues: { r: [{ __typename: 'MemoryProvider', id: 'site-a' }] }, contextValue });
    await subgraph.close();
    const buckets = (result.data!._entities as [{ cohort: { breakdown: Bucket[] } }])[0].cohort.breakdown;
    const lungSubjects = new Set(rows.filter((r) => r.diagnosis === 'LUNG').map((r) => r.patientId)).size;
    expect(buckets.find((b) => b.key === 'CT')?.subjects).toEqual({ value: lungSubjects, precision: 'EXACT' });
    expect(buckets.every((b) => b.subjects.precision === 'EXACT')).toBe(true);
  });
});

describe('a cohort below the threshold', () => {
  it('suppresses its studies and series with its subjects, however many there are', async () => {
    // 9 lung subjects with 13 studies and more series: more than k studies and series, fewer than k people.
    const rows = buildFixtureRows(27).filter((row) => row.diagnosis === 'LUNG');
    const result = await run(createInMemoryAdapter(rows), `query($r: [_Any!]!) { _entities(representations: $r) { ... on MemoryProvider { cohort(criteria: {}) {
      subjects { value precision adjustedTo } studies { value precision adjustedTo } series { value precision adjustedTo } } } } }`);
    const cohort = cohortOf(result) as Record<string, unknown>;
    const suppressed = { value: null, precision: 'SUPPRESSED', adjustedTo: 10 };
    expect(new Set(rows.map((r) => r.studyUid)).size).toBeGreaterThanOrEqual(10);
    expect(cohort).toEqual({ subjects: suppressed, studies: suppressed, series: suppressed });
  });
});
