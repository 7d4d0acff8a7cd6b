import { buildSubgraphSchema } from '@apollo/subgraph';
import { parse } from 'graphql';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { createProviderSubgraph, PROMETHEUS_CONTENT_TYPE, startSubgraphServer, type ListenMetricsOption, type RunningSubgraph, type SiteCircuitsOption } from '../src/index.js';
import { buildFixtureRows, createInMemoryAdapter, withInjectedFaults } from '../src/testing/index.js';

// GET /metrics of a kind subgraph over real HTTP: the sites' circuit states, their calls by
// outcome and the calls' durations, with site ids as the only identifying label.
const SECRET = 'site-metrics-secret-0123456789';
const TOKEN = 'metrics-token-0123456789';

const running: { close(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((item) => item.close()));
});

/** site-a healthy, site-b unreachable, served over HTTP. */
async function serve(circuits: SiteCircuitsOption, metrics?: ListenMetricsOption) {
  const rows = buildFixtureRows(40);
  const subgraph = await createProviderSubgraph({
    kind: 'memory', pseudonymSecret: SECRET, circuits,
    sites: ['site-a', 'site-b'].map((id) => ({ id, name: id, country: 'NL', kind: 'memory', baseUrl: 'memory:', credentials: {}, privacy: { minCount: 10, roundTo: 10 }, deadlineMs: 2_000, options: {} })),
    createAdapter: (site) => withInjectedFaults(createInMemoryAdapter(rows), site.id === 'site-b' ? { fault: 'unreachable' } : {}),
  });
  running.push(subgraph);
  const server = await subgraph.listen(metrics === undefined ? {} : { metrics });
  running.push(server);
  return { subgraph, server };
}

async function cohort(server: RunningSubgraph): Promise<void> {
  const response = await fetch(server.url, {
    method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      query: 'query($r: [_Any!]!) { _entities(representations: $r) { ... on MemoryProvider { cohort(criteria: {}) { status } } } }',
      variables: { r: [{ __typename: 'MemoryProvider', id: 'site-a' }, { __typename: 'MemoryProvider', id: 'site-b' }] },
    }),
  });
  expect(response.status).toBe(200);
}

const scrape = (server: RunningSubgraph, headers: Record<string, string> = {}) => fetch(new URL('/metrics', server.url), { headers });

/** The value of one sample line, e.g. `cig_site_calls_total{site="site-b",outcome="rejected"}`. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('GET /metrics on a kind subgraph', () => {
  it('shows each site\'s circuit state and its calls by outcome, with durations of the calls that reached the adapter', async () => {
    const { server } = await serve({ minimumCalls: 2, openMs: 60_000 });
    const idle = await (await scrape(server)).text();
    // Every site's series exist from the start, at zero, so rates work from the first scrape.
    expect(sample(idle, 'cig_site_circuit_state{site="site-b"}')).toBe(0);
    expect(sample(idle, 'cig_site_calls_total{site="site-b",outcome="rejected"}')).toBe(0);

    for (let i = 0; i < 3; i += 1) await cohort(server);
    const response = await scrape(server);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe(PROMETHEUS_CONTENT_TYPE);
    const text = await response.text();
    expect(text).toContain('# TYPE cig_site_circuit_state gauge');
    expect(text).toContain('# TYPE cig_site_calls_total counter');
    expect(text).toContain('# TYPE cig_site_call_duration_seconds histogram');
    expect(sample(text, 'cig_site_circuit_state{site="site-a"}')).toBe(0);
    expect(sample(text, 'cig_site_circuit_state{site="site-b"}')).toBe(2);
    // Two failed descriptions opened site-b's circuit; the third request was refused.
    expect(sample(text, 'cig_site_calls_total{site="site-b",outcome="unavailable"}')).toBe(2);
    expect(sample(text, 'cig_site_calls_total{site="site-b",outcome="rejected"}')).toBe(1);
    expect(sample(text, 'cig_site_call_duration_seconds_count{site="site-b"}')).toBe(2);
    const ok = sample(text, 'cig_site_calls_total{site="site-a",outcome="ok"}')!;
    expect(ok).toBeGreaterThanOrEqual(3);
    expect(sample(text, 'cig_site_call_duration_seconds_count{site="site-a"}')).toBe(ok);
    for (const outcome of ['timeout', 'unavailable', 'error', 'rejected']) {
      expect(sample(text, `cig_site_calls_total{site="site-a",outcome="${outcome}"}`), outcome).toBe(0);
    }
    // No label but the site, the outcome and the bucket bound: no dataset, subject or caller.
    const labels = [...text.matchAll(/(\w+)="/g)].map((match) => match[1]);
    expect(new Set(labels)).toEqual(new Set(['site', 'outcome', 'le']));
    expect(text).not.toMatch(/lung-ct|prostate-mr|PAT\d/);
  });

  it('shows a circuit half-open once its open time is over, before any call', async () => {
    const { server } = await serve({ minimumCalls: 2, openMs: 300 });
    await cohort(server);
    await cohort(server);
    expect(sample(await (await scrape(server)).text(), 'cig_site_circuit_state{site="site-b"}')).toBe(2);
    await new Promise((resolve) => setTimeout(resolve, 350));
    expect(sample(await (await scrape(server)).text(), 'cig_site_circuit_state{site="site-b"}')).toBe(1);
  });

  it('has no circuit series for sites whose circuits are off, and still counts their calls', async () => {
    const { server } = await serve(false);
    await cohort(server);
    const text = await (await scrape(server)).text();
    expect(text).not.toContain('cig_site_circuit_state{');
    expect(sample(text, 'cig_site_calls_total{site="site-b",outcome="unavailable"}')).toBe(1);
  });

  it('asks for the token when one is set, and answers 404 when metrics are off', async () => {
    const guarded = await serve({}, { token: TOKEN });
    expect((await scrape(guarded.server)).status).toBe(401);
    expect((await scrape(guarded.server, { authorization: 'Bearer not-the-token-at-all' })).status).toBe(401);
    const allowed = await scrape(guarded.server, { authorization: `Bearer ${TOKEN}` });
    expect(allowed.status).toBe(200);
    expect(await allowed.text()).toContain('cig_site_calls_total');
    expect((await fetch(new URL('/metrics', guarded.server.url), { method: 'POST' })).status).toBe(405);

    const off = await serve({}, false);
    expect((await scrape(off.server)).status).toBe(404);
  });

  it('is not served by a subgraph started without a registry (the catalogue)', async () => {
    const server = await startSubgraphServer({
      name: 'catalogue', logger: pino({ level: 'silent' }), context: () => ({}),
      schema: buildSubgraphSchema({ typeDefs: parse('type Query { ping: String }') }),
    });
    running.push(server);
    expect((await scrape(server)).status).toBe(404);
    expect((await fetch(new URL('/healthz', server.url))).status).toBe(200);
  });
});
