import { beforeAll, describe, expect, it } from 'vitest';
import type { GraphQLSchema } from 'graphql';
import { parseRegistry } from '@cancer-imaging/provider-kit';
import { createCatalogueSubgraph } from '../src/index.js';
import { ALL_DATASET_IDS, createFixtureSubgraph, run, silentLogger } from './helpers.js';

let schema: GraphQLSchema;

beforeAll(async () => {
  ({ schema } = await createFixtureSubgraph());
});

interface Page {
  totalCount: number;
  nodes: { id: string }[];
  edges: { cursor: string; node: { id: string } }[];
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
}

const QUERY = `query ($filter: DatasetFilter, $first: Int, $after: String) {
  datasets(filter: $filter, first: $first, after: $after) {
    totalCount nodes { id } edges { cursor node { id } } pageInfo { hasNextPage endCursor }
  }
}`;

async function page(variables: { filter?: unknown; first?: number; after?: string | null }): Promise<Page> {
  const result = await run<{ datasets: Page }>(schema, QUERY, variables);
  expect(result.errors).toBeUndefined();
  if (!result.data) throw new Error('no data');
  return result.data.datasets;
}

/** Follows endCursor until hasNextPage is false, checking each page on the way. */
async function walk(first: number, filter?: unknown): Promise<{ ids: string[]; pages: Page[] }> {
  const pages: Page[] = [];
  let after: string | null = null;
  for (let guard = 0; guard < 100; guard++) {
    const current = await page({ filter, first, after });
    pages.push(current);
    expect(current.nodes).toEqual(current.edges.map((edge) => edge.node));
    expect(current.pageInfo.endCursor).toBe(current.edges.at(-1)?.cursor ?? null);
    if (!current.pageInfo.hasNextPage) return { ids: pages.flatMap((p) => p.nodes.map((n) => n.id)), pages };
    after = current.pageInfo.endCursor;
  }
  throw new Error('pagination did not end');
}

describe('Query.datasets pagination', () => {
  it.each([1, 2, 4, 8, 9, 100])('walks every dataset exactly once, in order, with pages of %i', async (first) => {
    const { ids, pages } = await walk(first);
    expect(ids).toEqual(ALL_DATASET_IDS);
    expect(new Set(ids).size).toBe(ids.length);
    expect(pages).toHaveLength(Math.ceil(ALL_DATASET_IDS.length / first));
    for (const p of pages) expect(p.totalCount).toBe(ALL_DATASET_IDS.length);
    for (const p of pages.slice(0, -1)) expect(p.nodes).toHaveLength(first);
  });

  it('walks a filtered list with the filter repeated on every page', async () => {
    const filter = { modalities: ['MR'] };
    const all = (await page({ filter, first: 100 })).nodes.map((n) => n.id);
    expect(all.length).toBeGreaterThan(3);
    const { ids, pages } = await walk(2, filter);
    expect(ids).toEqual(all);
    for (const p of pages) expect(p.totalCount).toBe(all.length);
  });

  it('gives every edge a distinct cursor that resumes right after it', async () => {
    const full = await page({ first: 100 });
    expect(new Set(full.edges.map((edge) => edge.cursor)).size).toBe(full.edges.length);
    for (const [index, edge] of full.edges.entries()) {
      const rest = await page({ first: 100, after: edge.cursor });
      expect(rest.nodes.map((n) => n.id)).toEqual(ALL_DATASET_IDS.slice(index + 1));
    }
  });

  it('pages 20 at a time when `first` is left out or null', async () => {
    const registry = await parseRegistry(JSON.stringify({
      sites: [{ id: 'big', name: 'Big', country: 'SE', kind: 'custom', baseUrl: 'file:x' }],
      datasets: Array.from({ length: 25 }, (_, i) => ({
        site: 'big', localId: `d${String(i).padStart(2, '0')}`, title: `D${i}`, cancerTypes: ['LUNG'], publisher: { name: 'P' },
      })),
    }), '/virtual/registry.yaml');
    const big = createCatalogueSubgraph({ registry, logger: silentLogger }).schema;
    for (const [source, variables] of [
      ['{ datasets { totalCount nodes { id } pageInfo { hasNextPage } } }', undefined],
      ['query ($first: Int) { datasets(first: $first) { totalCount nodes { id } pageInfo { hasNextPage } } }', { first: null }],
    ] as const) {
      const result = await run<{ datasets: Page }>(big, source, variables);
      expect(result.errors).toBeUndefined();
      expect(result.data?.datasets.totalCount).toBe(25);
      expect(result.data?.datasets.nodes).toHaveLength(20);
      expect(result.data?.datasets.pageInfo.hasNextPage).toBe(true);
    }
  });

  it('answers first: 0 with the total only', async () => {
    expect(await page({ first: 0 })).toEqual({
      totalCount: ALL_DATASET_IDS.length, nodes: [], edges: [], pageInfo: { hasNextPage: true, endCursor: null },
    });
  });

  it('answers a cursor past the end with an empty last page', async () => {
    const last = (await page({ first: 100 })).pageInfo.endCursor;
    expect(await page({ first: 5, after: last })).toEqual({
      totalCount: ALL_DATASET_IDS.length, nodes: [], edges: [], pageInfo: { hasNextPage: false, endCursor: null },
    });
  });

  it('accepts the largest page size, 100', async () => {
    expect((await page({ first: 100 })).nodes).toHaveLength(ALL_DATASET_IDS.length);
  });
});
