import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startInProcessGraph, type InProcessGraph } from '../../e2e/support/in-process-graph.js';
import { CancerImagingError, createClient, type CancerImagingClient } from '../src/index.js';

// The SDK's typed operations against a live in-process graph (catalogue, custom, gateway).
let graph: InProcessGraph;
let client: CancerImagingClient;

beforeAll(async () => {
  graph = await startInProcessGraph();
  client = createClient({ url: graph.url });
}, 120_000);

afterAll(async () => {
  await graph?.stop();
});

describe('the SDK against a live graph', () => {
  it('lists providers with their registry fields and live status', async () => {
    const providers = await client.providers();
    expect(providers.length).toBeGreaterThanOrEqual(4);
    for (const provider of providers) {
      expect(provider.kind).toBe('custom');
      expect(provider.country).toMatch(/^[A-Z]{2}$/);
      expect(provider.status.status).toBe('OK');
    }
  });

  it('searches datasets with a filter and pages through them with cursors', async () => {
    const first = await client.searchDatasets({ cancerTypes: ['PROSTATE', 'LUNG'] }, { first: 3 });
    expect(first.totalCount).toBeGreaterThan(3);
    expect(first.nodes.every((d) => d.cancerTypes.some((t) => t === 'PROSTATE' || t === 'LUNG'))).toBe(true);
    const second = await client.searchDatasets({ cancerTypes: ['PROSTATE', 'LUNG'] }, { first: 3, after: first.pageInfo.endCursor! });
    expect(second.nodes.map((d) => d.id)).not.toContain(first.nodes[0]!.id);
  });

  it('gets protected per-site cohort counts, never exact for an anonymous caller', async () => {
    const { data, errors } = await client.cohortBySite({ cancerTypes: ['BREAST'], modalities: ['MG', 'MR'] });
    expect(errors).toEqual([]);
    for (const provider of data!.providers) {
      const cohort = provider.cohort!;
      expect(cohort.status).toBe('OK');
      expect(['ROUNDED', 'SUPPRESSED']).toContain(cohort.subjects.precision);
      for (const row of cohort.datasets) expect(row.dataset.title.length).toBeGreaterThan(0);
    }
  });

  it('throws a CancerImagingError with the graph\'s code on bad input', async () => {
    const error = await client.searchDatasets({}, { first: 1000 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CancerImagingError);
    expect((error as CancerImagingError).code).toBe('BAD_USER_INPUT');
    expect((error as CancerImagingError).retryable).toBe(false);
  });

  it('reports an unreachable graph as a retryable NETWORK_ERROR', async () => {
    const offline = createClient({ url: 'http://127.0.0.1:9/graphql' });
    const error = await offline.providers().catch((e: unknown) => e);
    expect((error as CancerImagingError).code).toBe('NETWORK_ERROR');
    expect((error as CancerImagingError).retryable).toBe(true);
  });
});
