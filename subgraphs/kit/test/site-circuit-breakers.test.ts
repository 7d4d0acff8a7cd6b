import { HeaderMap } from '@apollo/server';
import { execute, parse, type ExecutionResult } from 'graphql';
import { afterEach, describe, expect, it } from 'vitest';
import {
  createProviderSubgraph, deriveRetrieveSecret, kindSubgraphFactory, signRetrieveTicket, toGraphId, type ProviderSubgraph, type SiteCircuitsOption, type SiteConfig,
} from '../src/index.js';
import { buildFixtureRows, createInMemoryAdapter, withInjectedFaults } from '../src/testing/index.js';

// Every adapter call of a site goes through the site's circuit breaker. These tests count
// the calls an adapter was asked for (withInjectedFaults counts failed ones too), so "the
// adapter was not called" is observed, not assumed. Latencies are generous: two cores are
// shared with other test runs.
const SECRET = 'site-circuits-secret-0123456789';
const RESEARCHER = { id: 'circuit-researcher', roles: ['researcher' as const], grants: [] };
const ALLOW_ALL = { canReadRecords: () => true, canSeeExactCounts: () => true };
const SITES = ['site-a', 'site-b', 'site-c'];

type Faults = { fault?: 'unreachable' | 'error' | 'hang'; latencyMs?: number };

function siteConfig(id: string, deadlineMs = 2_000): SiteConfig {
  return { id, name: id, country: 'NL', kind: 'memory', baseUrl: 'memory:', credentials: {}, privacy: { minCount: 10, roundTo: 10 }, deadlineMs, options: {} };
}

const open: ProviderSubgraph[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((subgraph) => subgraph.close()));
});

/** Three sites over the same rows; each site's faults can be changed between requests. */
async function federation(circuits: SiteCircuitsOption, deadlines: Record<string, number> = {}) {
  const faults = new Map<string, Faults>(SITES.map((id) => [id, {}]));
  const adapters = new Map<string, ReturnType<typeof withInjectedFaults>>();
  const rows = buildFixtureRows(40);
  const subgraph = await createProviderSubgraph({
    kind: 'memory', sites: SITES.map((id) => siteConfig(id, deadlines[id])), pseudonymSecret: SECRET, circuits,
    accessPolicy: ALLOW_ALL, resolveCaller: () => RESEARCHER, audit: false,
    createAdapter: (site) => {
      const archive = { contentType: 'application/zip', filename: 'series.zip', body: new Blob(['zip']).stream() };
      const adapter = withInjectedFaults({ ...createInMemoryAdapter(rows), retrieveSeries: async () => archive }, faults.get(site.id)!);
      adapters.set(site.id, adapter);
      return adapter;
    },
  });
  open.push(subgraph);
  const callsOf = (id: string) => Object.values(adapters.get(id)!.calls).reduce((sum, n) => sum + n, 0);
  const stateOf = (id: string) => subgraph.sites.get(id)!.circuit?.state;
  async function run(query: string, variables: Record<string, unknown>): Promise<ExecutionResult> {
    const contextValue = await subgraph.createContext({ headers: new HeaderMap(), requestId: 'circuits' });
    return (await execute({ schema: subgraph.schema, document: parse(query), variableValues: variables, contextValue })) as ExecutionResult;
  }
  /** Each site's cohort, optionally under a client deadline. */
  async function cohorts(ids = SITES, deadlineMs?: number) {
    const result = await run(
      `query($r: [_Any!]!, $d: Int) { _entities(representations: $r) { ... on MemoryProvider { id cohort(criteria: { cancerTypes: [LUNG] }, deadlineMs: $d) { status errorCode latencyMs } } } }`,
      { r: ids.map((id) => ({ __typename: 'MemoryProvider', id })), d: deadlineMs ?? null },
    );
    expect(result.errors).toBeUndefined();
    type Cohort = { status: string; errorCode: string | null; latencyMs: number };
    return new Map((result.data!._entities as { id: string; cohort: Cohort }[]).map((e) => [e.id, e.cohort]));
  }
  return { subgraph, faults: (id: string) => faults.get(id)!, callsOf, stateOf, run, cohorts };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('site circuit breakers', () => {
  it('opens a failing site\'s circuit after the threshold; then its adapter is not called and it is UNREACHABLE at once while the others answer', async () => {
    // site-b hangs: each call costs its whole 400 ms deadline, so an answer well under that
    // proves the adapter was not waited for.
    const graph = await federation({ minimumCalls: 3, openMs: 60_000 }, { 'site-b': 400 });
    graph.faults('site-b').fault = 'hang';
    for (let i = 0; i < 3; i += 1) {
      const cohorts = await graph.cohorts();
      expect(cohorts.get('site-b')).toMatchObject({ status: 'TIMEOUT', errorCode: 'PROVIDER_TIMEOUT' });
      expect(cohorts.get('site-b')!.latencyMs).toBeGreaterThanOrEqual(390);
      // The cohort gives up at the deadline as the call does; let the call settle, so the
      // next request makes its own instead of sharing this one's cached description.
      await sleep(50);
    }
    expect(graph.stateOf('site-b')).toBe('open');
    const callsWhenOpened = graph.callsOf('site-b');
    expect(callsWhenOpened).toBe(3);

    for (let i = 0; i < 4; i += 1) {
      const cohorts = await graph.cohorts();
      expect(cohorts.get('site-b')).toMatchObject({ status: 'UNREACHABLE', errorCode: 'PROVIDER_UNAVAILABLE' });
      expect(cohorts.get('site-b')!.latencyMs).toBeLessThan(200);
      expect(cohorts.get('site-a')!.status).toBe('OK');
      expect(cohorts.get('site-c')!.status).toBe('OK');
    }
    expect(graph.callsOf('site-b')).toBe(callsWhenOpened);
    expect(graph.stateOf('site-a')).toBe('closed');
  });

  it('refuses every kind of call of an open site without calling its adapter: status, dataset totals, browsing, batched loaders, retrieve', async () => {
    const graph = await federation({ minimumCalls: 2, openMs: 60_000 });
    graph.faults('site-b').fault = 'unreachable';
    await graph.cohorts(['site-b']);
    await graph.cohorts(['site-b']);
    expect(graph.stateOf('site-b')).toBe('open');
    const before = graph.callsOf('site-b');

    const status = await graph.run(`query($r: [_Any!]!) { _entities(representations: $r) { ... on MemoryProvider { status { status latencyMs message } } } }`, { r: [{ __typename: 'MemoryProvider', id: 'site-b' }] });
    const providerStatus = (status.data!._entities as [{ status: { status: string; latencyMs: number; message: string } }])[0].status;
    expect(providerStatus.status).toBe('UNREACHABLE');
    expect(providerStatus.latencyMs).toBeLessThan(200);
    expect(providerStatus.message).toMatch(/stops calling it/);

    const dataset = { __typename: 'MemoryDataset', id: toGraphId('site-b', 'memory', 'lung-ct') };
    const totals = await graph.run(`query($r: [_Any!]!) { _entities(representations: $r) { ... on MemoryDataset { subjectCount } } }`, { r: [dataset] });
    expect(totals.errors?.[0]?.extensions).toMatchObject({ code: 'PROVIDER_UNAVAILABLE', site: 'site-b', status: 'UNREACHABLE' });
    const subjects = await graph.run(`query($r: [_Any!]!) { _entities(representations: $r) { ... on MemoryDataset { subjects(first: 2) { totalCount } } } }`, { r: [dataset] });
    expect(subjects.errors?.[0]?.extensions).toMatchObject({ code: 'PROVIDER_UNAVAILABLE', site: 'site-b' });

    const context = await graph.subgraph.createContext({ headers: new HeaderMap(), requestId: 'loaders' });
    const loaders = context.loadersFor(graph.subgraph.sites.get('site-b')!);
    for (const load of [loaders.studies.load({ nativePatientId: 'PAT00000', datasetLocalId: 'lung-ct' }), loaders.series.load('2.25.1000.0'), loaders.segmentations.load('2.25.1000.0.0')]) {
      await expect(load).rejects.toMatchObject({ code: 'PROVIDER_UNAVAILABLE' });
    }

    const server = await graph.subgraph.listen({ metrics: false });
    try {
      const ticket = signRetrieveTicket(deriveRetrieveSecret(SECRET), { siteId: 'site-b', seriesLocalId: '2.25.1000.0.0', datasetId: dataset.id, callerId: RESEARCHER.id, expiresAt: Date.now() + 60_000 });
      const response = await fetch(new URL(`/retrieve/${ticket}`, server.url));
      expect(response.status).toBe(502);
      expect(((await response.json()) as { errors: [{ extensions: { code: string } }] }).errors[0].extensions.code).toBe('PROVIDER_UNAVAILABLE');
    } finally {
      await server.close();
    }
    expect(graph.callsOf('site-b')).toBe(before);
  });

  it('reports an open site UNREACHABLE in its status, not the OK of a description cached before it failed', async () => {
    const graph = await federation({ minimumCalls: 2, openMs: 60_000 });
    const statusOf = async () => {
      const result = await graph.run(`query($r: [_Any!]!) { _entities(representations: $r) { ... on MemoryProvider { status { status } } } }`, { r: [{ __typename: 'MemoryProvider', id: 'site-b' }] });
      return (result.data!._entities as [{ status: { status: string } }])[0].status.status;
    };
    expect(await statusOf()).toBe('OK');
    graph.faults('site-b').fault = 'unreachable';
    // The description is cached (30 s): these fail on their counts.
    expect((await graph.cohorts(['site-b'])).get('site-b')!.status).toBe('UNREACHABLE');
    expect((await graph.cohorts(['site-b'])).get('site-b')!.status).toBe('UNREACHABLE');
    expect(graph.stateOf('site-b')).toBe('open');
    expect(await statusOf()).toBe('UNREACHABLE');
  });

  it('lets one probe through after the open time: a failed probe reopens it, a successful one closes it', async () => {
    const graph = await federation({ minimumCalls: 2, openMs: 400 });
    graph.faults('site-b').fault = 'unreachable';
    await graph.cohorts(['site-b']);
    await graph.cohorts(['site-b']);
    expect(graph.stateOf('site-b')).toBe('open');
    let calls = graph.callsOf('site-b');

    await sleep(450);
    expect(graph.stateOf('site-b')).toBe('half-open');
    // Still down: the probe (one call) fails and the circuit opens again at once.
    expect((await graph.cohorts(['site-b'])).get('site-b')!.status).toBe('UNREACHABLE');
    expect(graph.callsOf('site-b')).toBe(calls + 1);
    expect(graph.stateOf('site-b')).toBe('open');
    calls = graph.callsOf('site-b');
    await graph.cohorts(['site-b']);
    expect(graph.callsOf('site-b')).toBe(calls);

    // Back up: after the open time the probe succeeds, the circuit closes and the site answers.
    graph.faults('site-b').fault = undefined;
    await sleep(450);
    expect((await graph.cohorts(['site-b'])).get('site-b')!.status).toBe('OK');
    expect(graph.stateOf('site-b')).toBe('closed');
    expect((await graph.cohorts(['site-b'])).get('site-b')!.status).toBe('OK');
  });

  it('lets only one probe through at a time while half-open; the others fail at once', async () => {
    const graph = await federation({ minimumCalls: 2, openMs: 300 });
    const faults = graph.faults('site-b');
    const subjectsOf = (localId: string) => ({ __typename: 'MemoryDataset', id: toGraphId('site-b', 'memory', localId) });
    const browse = () => graph.run(`query($r: [_Any!]!) { _entities(representations: $r) { ... on MemoryDataset { subjects(first: 1) { totalCount } } } }`, { r: [subjectsOf('lung-ct'), subjectsOf('prostate-mr')] });
    faults.fault = 'unreachable';
    await browse();
    expect(graph.stateOf('site-b')).toBe('open');

    Object.assign(faults, { fault: undefined, latencyMs: 200 });
    await sleep(350);
    const calls = graph.callsOf('site-b');
    // Two datasets browsed in one request: two listSubjects calls at the same moment.
    const result = await browse();
    expect(graph.callsOf('site-b')).toBe(calls + 1);
    expect(result.errors?.map((error) => error.extensions.code)).toEqual(['PROVIDER_UNAVAILABLE']);
    expect((result.data!._entities as ({ subjects: { totalCount: number } | null })[]).filter((e) => e?.subjects)).toHaveLength(1);
    expect(graph.stateOf('site-b')).toBe('closed');
  });

  it('never opens for a client\'s short deadline, however often it runs out; the site\'s own deadline running out does open it', async () => {
    // site-b answers in 400 ms, inside its own 2 s deadline; site-c in 400 ms, past its own 200 ms.
    const graph = await federation({ minimumCalls: 3, openMs: 60_000 }, { 'site-c': 200 });
    graph.faults('site-b').latencyMs = 400;
    graph.faults('site-c').latencyMs = 400;
    // Once described (cached for 30 s), each request is one count call to the site.
    expect((await graph.cohorts(['site-b'])).get('site-b')!.status).toBe('OK');
    const calls = graph.callsOf('site-b');
    for (let i = 0; i < 6; i += 1) {
      expect((await graph.cohorts(['site-b'], 100)).get('site-b')!.status).toBe('TIMEOUT');
    }
    expect(graph.stateOf('site-b')).toBe('closed');
    // The adapter was asked every time: nothing was refused.
    expect(graph.callsOf('site-b')).toBe(calls + 6);
    expect((await graph.cohorts(['site-b'])).get('site-b')!.status).toBe('OK');

    for (let i = 0; i < 3; i += 1) {
      expect((await graph.cohorts(['site-c'])).get('site-c')!.status).toBe('TIMEOUT');
      await sleep(50); // as above: each request makes its own call
    }
    expect(graph.stateOf('site-c')).toBe('open');
    expect((await graph.cohorts(['site-c'])).get('site-c')).toMatchObject({ status: 'UNREACHABLE', errorCode: 'PROVIDER_UNAVAILABLE' });
  });

  it('keeps the circuit of a site that answers with errors closed: a bad response is an answer, not an outage', async () => {
    const graph = await federation({ minimumCalls: 3, openMs: 60_000 });
    graph.faults('site-b').fault = 'error';
    for (let i = 0; i < 6; i += 1) {
      expect((await graph.cohorts(['site-b'])).get('site-b')).toMatchObject({ status: 'ERROR', errorCode: 'PROVIDER_BAD_RESPONSE' });
    }
    expect(graph.stateOf('site-b')).toBe('closed');
    expect(graph.callsOf('site-b')).toBe(6);
  });

  it('takes each site\'s registry settings, and the circuits option of a kind\'s factory', async () => {
    const create = kindSubgraphFactory('memory', () => createInMemoryAdapter(buildFixtureRows(20)));
    const registry = {
      privacy: { minCount: 10, roundTo: 10 }, datasets: [], source: '/registry.yaml',
      sites: [{ ...siteConfig('site-a'), circuit: { minimumCalls: 1, failureRatio: 1 } }, { ...siteConfig('site-b'), circuit: { enabled: false } }, siteConfig('site-c')],
    };
    const subgraph = await create({ registry, pseudonymSecret: SECRET, circuits: { minimumCalls: 2, openMs: 100 } });
    open.push(subgraph);
    const circuitOf = (id: string) => subgraph.sites.get(id)!.circuit;
    expect(circuitOf('site-b')).toBeUndefined();
    // site-a opens at its own single failure; site-c needs the factory's two.
    circuitOf('site-a')!.tryAcquire()!.failure();
    circuitOf('site-c')!.tryAcquire()!.failure();
    expect([circuitOf('site-a')!.state, circuitOf('site-c')!.state]).toEqual(['open', 'closed']);
    circuitOf('site-c')!.tryAcquire()!.failure();
    expect(circuitOf('site-c')!.state).toBe('open');

    const off = await create({ registry, pseudonymSecret: SECRET, circuits: false });
    open.push(off);
    expect([...off.sites.values()].map((site) => site.circuit)).toEqual([undefined, undefined, undefined]);
  });

  it('calls a failing site every time when circuits are off', async () => {
    const graph = await federation(false);
    graph.faults('site-b').fault = 'unreachable';
    for (let i = 0; i < 8; i += 1) await graph.cohorts(['site-b']);
    expect(graph.stateOf('site-b')).toBeUndefined();
    expect(graph.callsOf('site-b')).toBe(8);
  });
});
