import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGateway, loadGatewayConfig, type Gateway } from '../src/index.js';
import { captureLogger, startTestFederation, type TestFederation } from './fixtures/federation.js';

const devKeysDir = join(mkdtempSync(join(tmpdir(), 'cig-gateway-metrics-')), 'dev-keys');
afterAll(() => rmSync(join(devKeysDir, '..'), { recursive: true, force: true }));

const METRICS_TOKEN = 'scrape-token-0123456789';

async function post(url: string, query: string): Promise<{ status: number; body: { errors?: Array<{ extensions?: Record<string, unknown> }> } }> {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query }) });
  return { status: response.status, body: (await response.json()) as { errors?: Array<{ extensions?: Record<string, unknown> }> } };
}

/** Every sample line of a scrape, keyed by series (name with labels). */
function parseSamples(text: string): Map<string, number> {
  const samples = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const space = line.lastIndexOf(' ');
    samples.set(line.slice(0, space), Number(line.slice(space + 1)));
  }
  return samples;
}

async function startGateway(federation: TestFederation, env: Record<string, string> = {}): Promise<{ gateway: Gateway; base: string; url: string }> {
  const config = loadGatewayConfig({
    CIG_GATEWAY_PORT: '0',
    CIG_GATEWAY_DEV_KEYS_DIR: devKeysDir,
    CIG_GATEWAY_SUBGRAPH_TIMEOUT_MS: '5000',
    // Every fetch reaches its subgraph, as these tests count and inspect them; the response
    // cache and the plan warm-up (whose SDK operations this small federation lacks) have tests of their own.
    CIG_GATEWAY_RESPONSE_CACHE_TTL_MS: '0',
    CIG_GATEWAY_PLAN_WARMUP: 'false',
    ...federation.overrides,
    ...env,
  });
  const gateway = createGateway({ config, logger: captureLogger().logger, supergraphSdl: federation.supergraphSdl });
  const { url } = await gateway.start();
  return { gateway, url, base: new URL('/', url).href.replace(/\/$/, '') };
}

const COHORTS = /* GraphQL */ `
  query Cohorts {
    providers { id cohort(criteria: { cancerTypes: [BREAST] }) { subjects } }
  }
`;

describe('GET /metrics', () => {
  let federation: TestFederation;

  beforeAll(async () => {
    federation = await startTestFederation();
  });
  afterAll(async () => {
    await federation?.dispose();
  });

  it('counts requests, times operations and subgraph calls, and counts masked and subgraph error codes', async () => {
    const { gateway, url, base } = await startGateway(federation);
    try {
      expect((await post(url, COHORTS)).body.errors).toBeUndefined();
      expect((await post(url, COHORTS)).body.errors).toBeUndefined();
      expect((await post(url, '{ providers { id } }')).body.errors).toBeUndefined();
      // A subgraph resolver throws a plain Error for each provider: masked to INTERNAL.
      const failing = await post(url, 'query Diagnostics { providers { id diagnostics } }');
      expect(failing.body.errors?.map((error) => error.extensions?.['code'])).toEqual(['INTERNAL', 'INTERNAL']);
      // Refused before planning: an error, but no operation to time and no subgraph call.
      const invalid = await post(url, '{ nope }');
      expect(invalid.status).toBe(400);
      expect((await fetch(`${base}/healthz`)).status).toBe(200);
      expect((await fetch(`${base}/nowhere`)).status).toBe(404);

      const first = await fetch(`${base}/metrics`);
      expect(first.status).toBe(200);
      expect(first.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
      const samples = parseSamples(await first.text());
      const at = (series: string) => samples.get(series);

      expect(at('cig_gateway_http_requests_total{route="graphql",status="200"}')).toBe(4);
      expect(at('cig_gateway_http_requests_total{route="graphql",status="400"}')).toBe(1);
      expect(at('cig_gateway_http_requests_total{route="healthz",status="200"}')).toBe(1);
      expect(at('cig_gateway_http_requests_total{route="other",status="404"}')).toBe(1);
      // A scrape is counted when it has been answered: not in itself.
      expect(at('cig_gateway_http_requests_total{route="metrics",status="200"}')).toBeUndefined();

      expect(at('cig_gateway_operation_duration_seconds_count{operation="Cohorts",type="query"}')).toBe(2);
      expect(at('cig_gateway_operation_duration_seconds_bucket{operation="Cohorts",type="query",le="+Inf"}')).toBe(2);
      expect(at('cig_gateway_operation_duration_seconds_sum{operation="Cohorts",type="query"}')).toBeGreaterThan(0);
      expect(at('cig_gateway_operation_duration_seconds_count{operation="anonymous",type="query"}')).toBe(1);
      expect(at('cig_gateway_operation_duration_seconds_count{operation="Diagnostics",type="query"}')).toBe(1);

      // Each operation reaching the catalogue calls it once; Cohorts and Diagnostics call kind once each.
      expect(at('cig_gateway_subgraph_request_duration_seconds_count{subgraph="catalogue"}')).toBe(4);
      expect(at('cig_gateway_subgraph_request_duration_seconds_count{subgraph="kind"}')).toBe(3);
      expect(at('cig_gateway_subgraph_errors_total{subgraph="kind",code="INTERNAL_SERVER_ERROR"}')).toBe(2);
      expect([...samples.keys()].filter((key) => key.startsWith('cig_gateway_subgraph_errors_total'))).toHaveLength(1);

      expect(at('cig_gateway_errors_total{code="INTERNAL"}')).toBe(2);
      expect(at('cig_gateway_errors_total{code="GRAPHQL_VALIDATION_FAILED"}')).toBe(1);

      // Both subgraphs answer: their circuits are closed, and shown as such.
      expect(at('cig_gateway_subgraph_circuit_state{subgraph="catalogue"}')).toBe(0);
      expect(at('cig_gateway_subgraph_circuit_state{subgraph="kind"}')).toBe(0);

      expect(at('cig_gateway_process_resident_memory_bytes')).toBeGreaterThan(0);
      expect(at('cig_gateway_process_heap_used_bytes')).toBeGreaterThan(0);
      expect(at('cig_gateway_process_uptime_seconds')).toBeGreaterThan(0);
      expect(at('cig_gateway_event_loop_lag_seconds{quantile="max"}')).toBeGreaterThanOrEqual(0);

      const second = parseSamples(await (await fetch(`${base}/metrics`)).text());
      expect(second.get('cig_gateway_http_requests_total{route="metrics",status="200"}')).toBe(1);
      expect(second.get('cig_gateway_http_requests_total{route="graphql",status="200"}')).toBe(4);
    } finally {
      await gateway.stop();
    }
  });

  it('is not rate-limited and, with CIG_GATEWAY_METRICS_TOKEN, needs that bearer token instead of a caller token', async () => {
    const { gateway, url, base } = await startGateway(federation, { CIG_GATEWAY_RATE_LIMIT: '1', CIG_GATEWAY_METRICS_TOKEN: METRICS_TOKEN });
    try {
      expect((await post(url, '{ providers { id } }')).status).toBe(200);
      expect((await post(url, '{ providers { id } }')).status).toBe(429);
      expect((await fetch(`${base}/metrics`)).status).toBe(401);
      expect((await fetch(`${base}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}x` } })).status).toBe(401);
      for (let i = 0; i < 3; i += 1) {
        const scrape = await fetch(`${base}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
        expect(scrape.status).toBe(200);
        const samples = parseSamples(await scrape.text());
        expect(samples.get('cig_gateway_http_requests_total{route="graphql",status="429"}')).toBe(1);
        expect(samples.get('cig_gateway_http_requests_total{route="metrics",status="401"}')).toBe(2);
      }
    } finally {
      await gateway.stop();
    }
  });

  it('is not served when CIG_GATEWAY_METRICS is off', async () => {
    const { gateway, base } = await startGateway(federation, { CIG_GATEWAY_METRICS: 'false' });
    try {
      expect((await fetch(`${base}/metrics`)).status).toBe(404);
    } finally {
      await gateway.stop();
    }
  });
});
