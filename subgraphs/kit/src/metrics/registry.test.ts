import { describe, expect, it } from 'vitest';
import { createLabelCap, createMetricsRegistry, escapeLabelValue } from './registry.js';

describe('metrics registry', () => {
  it('renders counters with HELP, TYPE and one line per label set, in the 0.0.4 text format', () => {
    const registry = createMetricsRegistry();
    const requests = registry.counter({ name: 'x_requests_total', help: 'Requests.', labelNames: ['route', 'status'] });
    requests.inc({ route: 'graphql', status: '200' });
    requests.inc({ route: 'graphql', status: '200' }, 2);
    requests.inc({ route: 'healthz', status: '200' });
    expect(registry.render()).toBe(
      [
        '# HELP x_requests_total Requests.',
        '# TYPE x_requests_total counter',
        'x_requests_total{route="graphql",status="200"} 3',
        'x_requests_total{route="healthz",status="200"} 1',
        '',
      ].join('\n'),
    );
  });

  it('escapes backslash, double quote and line feed in label values, and backslash and line feed in HELP', () => {
    expect(escapeLabelValue('a\\b"c\nd')).toBe('a\\\\b\\"c\\nd');
    const registry = createMetricsRegistry();
    registry.counter({ name: 'x_total', help: 'Line one\nback\\slash', labelNames: ['op'] }).inc({ op: 'say "hi"\n\\' });
    expect(registry.render()).toBe(
      ['# HELP x_total Line one\\nback\\\\slash', '# TYPE x_total counter', 'x_total{op="say \\"hi\\"\\n\\\\"} 1', ''].join('\n'),
    );
  });

  it('renders histograms with cumulative buckets, +Inf, _sum and _count', () => {
    const registry = createMetricsRegistry();
    const duration = registry.histogram({ name: 'x_seconds', help: 'Duration.', labelNames: ['op'], buckets: [0.1, 1] });
    for (const value of [0.05, 0.1, 0.5, 3]) duration.observe({ op: 'A' }, value);
    expect(registry.render()).toBe(
      [
        '# HELP x_seconds Duration.',
        '# TYPE x_seconds histogram',
        'x_seconds_bucket{op="A",le="0.1"} 2',
        'x_seconds_bucket{op="A",le="1"} 3',
        'x_seconds_bucket{op="A",le="+Inf"} 4',
        'x_seconds_sum{op="A"} 3.65',
        'x_seconds_count{op="A"} 4',
        '',
      ].join('\n'),
    );
  });

  it('renders gauges sampled by a beforeRender collector at each render', () => {
    const registry = createMetricsRegistry();
    const gauge = registry.gauge({ name: 'x_bytes', help: 'Bytes.' });
    let value = 1;
    registry.beforeRender(() => gauge.set({}, value));
    expect(registry.render()).toContain('x_bytes 1\n');
    value = 7;
    expect(registry.render()).toContain('x_bytes 7\n');
  });

  it('refuses wrong label sets, duplicate names, a decreasing counter and unsorted buckets', () => {
    const registry = createMetricsRegistry();
    const counter = registry.counter({ name: 'x_total', help: 'x', labelNames: ['a'] });
    expect(() => counter.inc({})).toThrow('labels must be exactly [a]');
    expect(() => counter.inc({ a: '1', b: '2' })).toThrow('labels must be exactly [a]');
    expect(() => counter.inc({ a: '1' }, -1)).toThrow('only goes up');
    expect(() => registry.counter({ name: 'x_total', help: 'x' })).toThrow('already registered');
    expect(() => registry.histogram({ name: 'y', help: 'y', buckets: [1, 0.5] })).toThrow('ascending');
    expect(() => registry.counter({ name: 'bad-name', help: 'x' })).toThrow('invalid metric name');
    expect(() => registry.histogram({ name: 'z', help: 'z', labelNames: ['le'] })).toThrow('invalid label name');
  });
});

describe('createLabelCap', () => {
  it('passes the first N distinct values and maps every later new value to "other"', () => {
    const cap = createLabelCap(2);
    expect(['a', 'b', 'c', 'a', 'd', 'b'].map(cap)).toEqual(['a', 'b', 'other', 'a', 'other', 'b']);
  });
});
