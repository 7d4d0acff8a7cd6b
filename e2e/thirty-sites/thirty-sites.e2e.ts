import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { HeaderMap } from '@apollo/server';
import { execute, parse } from 'graphql';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadRegistry, type ProviderSubgraph, type Registry, type SiteConfig } from '@cancer-imaging/provider-kit';
import type { InjectedFaults } from '@cancer-imaging/provider-kit/testing';
import { buildSimulatedRegistry, createCustomSubgraph } from '@cancer-imaging/subgraph-custom';
import { startSimulatedGraph, type SimulatedGraph } from '../../bench/lib/simulated-graph.js';
import { repoPath } from '../../scripts/generate/paths.js';
import { postGraphQL } from '../support/graphql.js';

// Issue 5's acceptance at EUCAIM's target size, end to end through the real gateway: 30
// custom sites (the 36 demo datasets dealt over them, a tenth of the subjects so the index
// builds in about a second), 3 sites slower than the client's deadline and 2 unreachable.
// The answer must arrive within the deadline plus 100 ms with every status right, and the
// healthy sites' counts must be what they give with no fault injected anywhere.
const DEADLINE_MS = 1_000;
const SLOW = new Set(['sim-04', 'sim-15', 'sim-27']);
const UNREACHABLE = new Set(['sim-09', 'sim-22']);
const faultsOf = (site: SiteConfig): InjectedFaults => {
  if (SLOW.has(site.id)) return { latencyMs: DEADLINE_MS * 3 };
  if (UNREACHABLE.has(site.id)) return { fault: 'unreachable' };
  // Healthy sites answer at different speeds, well inside the deadline.
  return { latencyMs: 10 + (Number(site.id.slice(4)) % 5) * 10 };
};

// Any-of within a field and a range, so every count runs the real criteria SQL.
const CRITERIA = { modalities: ['CT', 'MR'], yearOfDiagnosis: { min: 2012 } };
const COUNT = '{ value precision adjustedTo }';
const COHORT = `status errorCode latencyMs subjects ${COUNT} studies ${COUNT} series ${COUNT}`;

interface Count { value: number | null; precision: string; adjustedTo: number | null }
interface Cohort { status: string; errorCode: string | null; latencyMs: number | null; subjects: Count; studies: Count; series: Count }

let cacheDir: string;
let registry: Registry;
let graph: SimulatedGraph;
let reference: ProviderSubgraph;

beforeAll(async () => {
  cacheDir = await mkdtemp(path.join(tmpdir(), 'cig-thirty-sites-'));
  registry = buildSimulatedRegistry(await loadRegistry(repoPath('config/demo/registry.yaml')), { sites: 30, subjectScale: 0.1 });
  graph = await startSimulatedGraph({ registry, faultsOf, cacheDir });
  // The same sites over the same index with nothing injected: what each site gives.
  reference = await createCustomSubgraph({ registry, cacheDir, pseudonymSecret: 'thirty-sites-reference-0123456789', logger: pino({ level: 'silent' }) });
  // Warm-up with other criteria: the gateway plans the operation (plans are cached by its
  // text, the criteria are variables) and opens its connections once, as in a running
  // deployment. start() now plans the persisted operations too, and on a quiet machine the
  // cold first query measured 1070-1090 ms against D = 1000 (3 runs): within D + 100 ms,
  // but by 10-30 ms, which a CI run sharing 2 cores with other test files would not keep.
  // What a cold first query pays over a warm one (D + 16-45 ms) is first executions: the
  // custom subgraph's first SQLite reads, reader threads and 30 site descriptions, and the
  // gateway's first run of its request path; not split further.
  await cohortsThroughGateway({});
}, 60_000);

afterAll(async () => {
  await graph?.stop();
  await reference?.close();
  if (cacheDir) await rm(cacheDir, { recursive: true, force: true });
});

async function cohortsThroughGateway(criteria: Record<string, unknown> = CRITERIA): Promise<{ elapsedMs: number; cohorts: Map<string, Cohort> }> {
  const query = `query($c: CohortCriteria!, $d: Int) { providers { id cohort(criteria: $c, deadlineMs: $d) { ${COHORT} } } }`;
  const started = performance.now();
  const { status, body } = await postGraphQL(graph.url, query, { c: criteria, d: DEADLINE_MS });
  const elapsedMs = performance.now() - started;
  expect(status).toBe(200);
  expect(body.errors).toBeUndefined();
  const providers = body.data!.providers as { id: string; cohort: Cohort }[];
  return { elapsedMs, cohorts: new Map(providers.map((p) => [p.id, p.cohort])) };
}

async function cohortsWithoutFaults(): Promise<Map<string, Cohort>> {
  const result = await execute({
    schema: reference.schema,
    document: parse(`query($r: [_Any!]!, $c: CohortCriteria!) { _entities(representations: $r) { ... on CustomProvider { id cohort(criteria: $c) { ${COHORT} } } } }`),
    variableValues: { r: registry.sites.map((site) => ({ __typename: 'CustomProvider', id: site.id })), c: CRITERIA },
    contextValue: await reference.createContext({ headers: new HeaderMap(), requestId: 'thirty-sites-reference' }),
  });
  expect(result.errors).toBeUndefined();
  return new Map((result.data!._entities as { id: string; cohort: Cohort }[]).map((e) => [e.id, e.cohort]));
}

describe('a cohort through the gateway over 30 sites, 3 slower than the deadline and 2 unreachable', () => {
  it('answers within the deadline plus 100 ms: 25 OK sites with counts, 3 TIMEOUT and 2 UNREACHABLE with UNAVAILABLE counts', async () => {
    const { elapsedMs, cohorts } = await cohortsThroughGateway();
    expect(elapsedMs).toBeLessThan(DEADLINE_MS + 100);
    expect([...cohorts.keys()].sort()).toEqual(registry.sites.map((site) => site.id).sort());

    const byStatus = (status: string) => [...cohorts].filter(([, c]) => c.status === status).map(([id]) => id).sort();
    expect(byStatus('TIMEOUT')).toEqual([...SLOW].sort());
    expect(byStatus('UNREACHABLE')).toEqual([...UNREACHABLE].sort());
    expect(byStatus('OK')).toHaveLength(25);

    const unavailable = { value: null, precision: 'UNAVAILABLE', adjustedTo: null };
    for (const id of [...SLOW, ...UNREACHABLE]) {
      const cohort = cohorts.get(id)!;
      expect(cohort.errorCode, id).toBe(SLOW.has(id) ? 'PROVIDER_TIMEOUT' : 'PROVIDER_UNAVAILABLE');
      expect([cohort.subjects, cohort.studies, cohort.series], id).toEqual([unavailable, unavailable, unavailable]);
    }
    // A slow site is given up on at the deadline, not before.
    for (const id of SLOW) expect(cohorts.get(id)!.latencyMs, id).toBeGreaterThanOrEqual(DEADLINE_MS - 5);
    for (const id of byStatus('OK')) {
      const cohort = cohorts.get(id)!;
      expect(cohort.errorCode, id).toBeNull();
      expect(cohort.latencyMs, id).toBeLessThan(DEADLINE_MS);
      // Counts present: every healthy site holds enough matching subjects to pass the threshold.
      expect(cohort.subjects.precision, id).toBe('ROUNDED');
      expect(cohort.subjects.value, id).toBeGreaterThanOrEqual(10);
      expect(cohort.series.value!, id).toBeGreaterThanOrEqual(cohort.subjects.value!);
    }
  });

  it('gives each healthy site the counts it gives with no fault injected', async () => {
    const [{ cohorts }, unfaulted] = await Promise.all([cohortsThroughGateway(), cohortsWithoutFaults()]);
    // Without faults every site answers, the slow and unreachable ones included.
    expect([...unfaulted.values()].every((c) => c.status === 'OK')).toBe(true);
    const healthy = [...cohorts].filter(([, c]) => c.status === 'OK');
    expect(healthy).toHaveLength(25);
    for (const [id, cohort] of healthy) {
      const expected = unfaulted.get(id)!;
      expect({ subjects: cohort.subjects, studies: cohort.studies, series: cohort.series }, id)
        .toEqual({ subjects: expected.subjects, studies: expected.studies, series: expected.series });
    }
    // The sites differ in size, so equal counts are not one value repeated.
    expect(new Set(healthy.map(([, c]) => c.series.value)).size).toBeGreaterThan(10);
  });
});
