import { HeaderMap } from '@apollo/server';
import { execute, parse } from 'graphql';
import { describe, expect, it } from 'vitest';
import { createProviderSubgraph, type DatasetMetadata, type SiteConfig } from '../src/index.js';
import { buildFixtureRows, countRows, createInMemoryAdapter } from '../src/testing/index.js';

const rows = buildFixtureRows(60);
const site: SiteConfig = {
  id: 'memory-site', name: 'In-memory site', country: 'NL', kind: 'memory', baseUrl: 'memory:',
  credentials: {}, privacy: { minCount: 10, roundTo: 10 }, deadlineMs: 1_000, options: {},
};
const curatedProstate: DatasetMetadata = {
  site: 'memory-site', localId: 'prostate-mr', title: 'Prostate', description: '', cancerTypes: ['PROSTATE'], modalities: [], bodyParts: [],
  manufacturers: [], sex: [], keywords: [], accessRights: 'RESTRICTED', accessModes: ['DOWNLOAD'], publisher: { name: 'P' },
};

async function run(query: string) {
  const subgraph = await createProviderSubgraph({
    kind: 'memory', sites: [site], datasets: [curatedProstate], createAdapter: () => createInMemoryAdapter(rows),
    pseudonymSecret: 'curated-test-secret-0123456789', accessPolicy: { canReadRecords: () => true, canSeeExactCounts: () => true },
  });
  return execute({ schema: subgraph.schema, document: parse(query), contextValue: await subgraph.createContext({ headers: new HeaderMap(), requestId: 't' }) });
}

describe('a site with curated datasets', () => {
  it('counts only the datasets it publishes, its totals being their sums', async () => {
    const result = await run(`{ _entities(representations: [{ __typename: "MemoryProvider", id: "memory-site" }]) { ... on MemoryProvider { cohort(criteria: {}) { subjects { value } series { value } datasets { dataset { id } } } } } }`);
    const cohort = (result.data!._entities as [{ cohort: { subjects: { value: number }; series: { value: number }; datasets: { dataset: { id: string } }[] } }])[0].cohort;
    const prostate = countRows(rows.filter((row) => row.datasetId === 'prostate-mr'));
    expect(cohort.datasets.map((d) => d.dataset.id)).toEqual(['memory-site:memory:prostate-mr']);
    expect(cohort.subjects.value).toBe(prostate.subjects);
    expect(cohort.series.value).toBe(prostate.series);
  });

  it('resolves an uncatalogued dataset of the site to null', async () => {
    const result = await run(`{ _entities(representations: [{ __typename: "MemoryDataset", id: "memory-site:memory:lung-ct" }, { __typename: "MemoryDataset", id: "memory-site:memory:prostate-mr" }]) { ... on MemoryDataset { id } } }`);
    expect(result.data!._entities).toEqual([null, { id: 'memory-site:memory:prostate-mr' }]);
  });
});
