import { createMetricsRegistry } from '@cancer-imaging/provider-kit';
import { describe, expect, it } from 'vitest';
import { mergeExpositions } from './merge-expositions.js';

/** A worker's exposition as the gateway renders it: same families in every worker, its own values. */
function workerExposition(requests: number, latency: number): string {
  const registry = createMetricsRegistry();
  registry.counter({ name: 'cig_gateway_http_requests_total', help: 'HTTP requests answered.', labelNames: ['route', 'status'] }).inc({ route: 'graphql', status: '200' }, requests);
  registry.histogram({ name: 'cig_gateway_subgraph_request_duration_seconds', help: 'Duration of calls.', labelNames: ['subgraph'], buckets: [0.1, 1] }).observe({ subgraph: 'custom' }, latency);
  registry.gauge({ name: 'cig_gateway_process_uptime_seconds', help: 'Seconds since the process started.' }).set({}, 12);
  registry.counter({ name: 'cig_gateway_errors_total', help: 'Errors.', labelNames: ['code'] });
  return registry.render();
}

describe('mergeExpositions', () => {
  const merged = mergeExpositions([
    { worker: '1', text: workerExposition(3, 0.05) },
    { worker: '2', text: workerExposition(5, 0.5) },
  ]);
  const lines = merged.split('\n');

  it('labels every sample with its worker, scalars and histogram series alike', () => {
    expect(lines).toContain('cig_gateway_http_requests_total{worker="1",route="graphql",status="200"} 3');
    expect(lines).toContain('cig_gateway_http_requests_total{worker="2",route="graphql",status="200"} 5');
    expect(lines).toContain('cig_gateway_process_uptime_seconds{worker="2"} 12');
    expect(lines).toContain('cig_gateway_subgraph_request_duration_seconds_bucket{worker="1",subgraph="custom",le="0.1"} 1');
    expect(lines).toContain('cig_gateway_subgraph_request_duration_seconds_bucket{worker="2",subgraph="custom",le="0.1"} 0');
    expect(lines).toContain('cig_gateway_subgraph_request_duration_seconds_count{worker="2",subgraph="custom"} 1');
    const samples = lines.filter((line) => line !== '' && !line.startsWith('#'));
    expect(samples.every((line) => /^[a-z_]+\{worker="[12]"/.test(line))).toBe(true);
  });

  it('gives HELP and TYPE once per family, each family\'s samples together after them, in the order families first appear', () => {
    const families = ['cig_gateway_http_requests_total', 'cig_gateway_subgraph_request_duration_seconds', 'cig_gateway_process_uptime_seconds', 'cig_gateway_errors_total'];
    expect(lines.filter((line) => line.startsWith('# TYPE')).map((line) => line.split(' ')[2])).toEqual(families);
    expect(lines.filter((line) => line.startsWith('# HELP'))).toHaveLength(families.length);
    // Each family's lines are contiguous: once a line belongs to another family, none of the previous one follows.
    const owners = lines.filter(Boolean).map((line) => families.find((family) => (line.startsWith('#') ? line.split(' ')[2] === family : line.startsWith(family))));
    const runs = owners.filter((owner, i) => owner !== owners[i - 1]);
    expect(runs).toEqual(families);
    expect(merged.endsWith('\n')).toBe(true);
  });

  it('keeps a family without samples (a counter nothing has counted yet) as HELP and TYPE only', () => {
    const at = lines.indexOf('# TYPE cig_gateway_errors_total counter');
    expect(at).toBeGreaterThan(0);
    expect(lines[at - 1]).toBe('# HELP cig_gateway_errors_total Errors.');
    expect(lines.slice(at + 1).filter(Boolean)).toEqual([]);
  });

  it('escapes the worker label value and handles empty label sets', () => {
    expect(mergeExpositions([{ worker: 'a"b', text: '# TYPE up gauge\nup{} 1\n' }])).toBe('# TYPE up gauge\nup{worker="a\\"b"} 1\n');
    expect(mergeExpositions([])).toBe('');
  });
});
