import { getHeapStatistics } from 'node:v8';
import { describe, expect, it } from 'vitest';
import type { CircuitState } from '@cancer-imaging/provider-kit';
import { createGatewayMetrics, routeOf } from './gateway-metrics.js';

/** The value of one sample line, e.g. `name{a="b"}`; undefined when absent. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((candidate) => candidate.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('gateway metrics', () => {
  it('maps paths to a fixed set of routes', () => {
    expect(routeOf('/graphql')).toBe('graphql');
    expect(routeOf('/graphiql/assets/x.js')).toBe('graphiql');
    expect(routeOf('/healthz')).toBe('healthz');
    expect(routeOf('/readyz')).toBe('readyz');
    expect(routeOf('/metrics')).toBe('metrics');
    expect(routeOf('/eucaim/search')).toBe('eucaim');
    expect(routeOf('/cohorts/abc/report.csv')).toBe('cohort_report');
    expect(routeOf('/retrieve/orthanc/x')).toBe('retrieve');
    expect(routeOf('/graphqlx')).toBe('other');
    expect(routeOf(undefined)).toBe('other');
  });

  it('counts subgraph calls in a histogram and their error codes in a counter', () => {
    const metrics = createGatewayMetrics();
    try {
      metrics.observeCall('kind', 0.02, []);
      metrics.observeCall('kind', 0.3, ['SUBGRAPH_UNAVAILABLE']);
      const text = metrics.render();
      expect(sample(text, 'cig_gateway_subgraph_request_duration_seconds_count{subgraph="kind"}')).toBe(2);
      expect(sample(text, 'cig_gateway_subgraph_request_duration_seconds_bucket{subgraph="kind",le="0.025"}')).toBe(1);
      expect(sample(text, 'cig_gateway_subgraph_errors_total{subgraph="kind",code="SUBGRAPH_UNAVAILABLE"}')).toBe(1);
    } finally {
      metrics.close();
    }
  });

  it('exports each subgraph\'s circuit state as 0 closed, 1 half-open, 2 open, and counts rejections, retries, merged fetches and cache results', () => {
    const metrics = createGatewayMetrics();
    try {
      const xnat: { state: CircuitState } = { state: 'open' };
      metrics.watchCircuit('catalogue', { state: 'closed' });
      metrics.watchCircuit('custom', { state: 'open' });
      metrics.watchCircuit('xnat', xnat);
      // Read when scraped, not when watched.
      xnat.state = 'half-open';
      metrics.observeCircuitRejection('custom');
      metrics.observeCircuitRejection('custom');
      metrics.observeRetry('catalogue');
      metrics.observeDeduplicated('catalogue');
      metrics.observeResponseCache('catalogue', 'miss');
      metrics.observeResponseCache('catalogue', 'stored');
      metrics.observeResponseCache('catalogue', 'hit');
      metrics.observeResponseCache('catalogue', 'hit');
      const text = metrics.render();
      expect(text).toContain('# TYPE cig_gateway_subgraph_circuit_state gauge');
      expect(sample(text, 'cig_gateway_subgraph_circuit_state{subgraph="catalogue"}')).toBe(0);
      expect(sample(text, 'cig_gateway_subgraph_circuit_state{subgraph="custom"}')).toBe(2);
      expect(sample(text, 'cig_gateway_subgraph_circuit_state{subgraph="xnat"}')).toBe(1);
      expect(sample(text, 'cig_gateway_subgraph_circuit_rejections_total{subgraph="custom"}')).toBe(2);
      expect(sample(text, 'cig_gateway_subgraph_retries_total{subgraph="catalogue"}')).toBe(1);
      expect(sample(text, 'cig_gateway_subgraph_deduplicated_total{subgraph="catalogue"}')).toBe(1);
      expect(sample(text, 'cig_gateway_response_cache_total{subgraph="catalogue",result="hit"}')).toBe(2);
      expect(sample(text, 'cig_gateway_response_cache_total{subgraph="catalogue",result="miss"}')).toBe(1);
      expect(sample(text, 'cig_gateway_response_cache_total{subgraph="catalogue",result="stored"}')).toBe(1);
    } finally {
      metrics.close();
    }
  });

  it('times operations by name and type, caps distinct names (the rest as other) and counts response error codes', async () => {
    const metrics = createGatewayMetrics({ maxOperationNames: 2 });
    const plugin = metrics.plugin();
    /** Drives the plugin as Apollo Server would for one operation. */
    async function run(operationName: string | null, type: 'query' | 'mutation' | undefined, errors: Array<{ extensions?: Record<string, unknown> }> = []) {
      const hooks = await plugin.requestDidStart?.({} as never);
      await hooks?.willSendResponse?.({
        operationName,
        operation: type ? { operation: type } : undefined,
        response: { body: { kind: 'single', singleResult: { errors } } },
      } as never);
    }
    try {
      await run('A', 'query');
      await run('A', 'query');
      await run('B', 'mutation');
      await run('C', 'query');
      await run('D', 'query', [{ extensions: { code: 'INTERNAL' } }, { extensions: { code: 'INTERNAL' } }]);
      await run(null, 'query');
      await run(null, undefined, [{ extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } }, {}]);
      const text = metrics.render();
      const count = (labels: string) => sample(text, `cig_gateway_operation_duration_seconds_count{${labels}}`);
      expect(count('operation="A",type="query"')).toBe(2);
      expect(count('operation="B",type="mutation"')).toBe(1);
      expect(count('operation="other",type="query"')).toBe(2);
      expect(count('operation="anonymous",type="query"')).toBe(1);
      expect(text).not.toContain('operation="C"');
      expect(text).not.toContain('operation="D"');
      // The refused document has no operation, so no duration; 6 timed in all.
      expect(text.split('\n').filter((line) => line.startsWith('cig_gateway_operation_duration_seconds_count')).map((line) => Number(line.split(' ')[1])).reduce((a, b) => a + b, 0)).toBe(6);
      expect(sample(text, 'cig_gateway_errors_total{code="INTERNAL"}')).toBe(2);
      expect(sample(text, 'cig_gateway_errors_total{code="GRAPHQL_VALIDATION_FAILED"}')).toBe(1);
      expect(sample(text, 'cig_gateway_errors_total{code="NONE"}')).toBe(1);
    } finally {
      metrics.close();
    }
  });

  it('samples process metrics at each scrape', () => {
    const metrics = createGatewayMetrics({ uptime: () => 42 });
    try {
      const text = metrics.render();
      expect(sample(text, 'cig_gateway_process_uptime_seconds')).toBe(42);
      expect(sample(text, 'cig_gateway_process_resident_memory_bytes')).toBeGreaterThan(0);
      expect(sample(text, 'cig_gateway_process_heap_used_bytes')).toBeGreaterThan(0);
      expect(sample(text, 'cig_gateway_process_heap_limit_bytes')).toBe(getHeapStatistics().heap_size_limit);
      expect(sample(text, 'cig_gateway_event_loop_lag_seconds{quantile="0.99"}')).toBeGreaterThanOrEqual(0);
    } finally {
      metrics.close();
    }
  });
});
