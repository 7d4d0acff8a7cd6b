import { HeaderMap } from '@apollo/server';
import { execute, parse } from 'graphql';
import { describe, expect, it } from 'vitest';
import { createProviderSubgraph, type Caller, type SiteConfig } from '../src/index.js';
import { buildFixtureRows, createInMemoryAdapter } from '../src/testing/index.js';

const site: SiteConfig = {
  id: 'memory-site', name: 'In-memory site', country: 'NL', kind: 'memory', baseUrl: 'memory:',
  credentials: {}, privacy: { minCount: 10, roundTo: 10 }, deadlineMs: 1_000, options: {},
};
const DATASET = 'memory-site:memory:prostate-mr';
const BROWSE = `{ _entities(representations: [{ __typename: "MemoryDataset", id: "${DATASET}" }]) { ... on MemoryDataset {
  subjects(first: 1) { nodes { id studies(first: 1) { nodes { series(first: 1) { nodes { seriesInstanceUid retrieveUrl segmentations { format } } } } } } } } } }`;

/**
 * Runs the browse query with a policy that allows the first `allowed` record-level checks
 * and refuses every later one, so each nested record-level field is proven to check on its
 * own (no field relies on its parent having been checked).
 */
async function browse(allowed: number, caller: Caller) {
  let checks = 0;
  const subgraph = await createProviderSubgraph({
    kind: 'memory', sites: [site], createAdapter: () => createInMemoryAdapter(buildFixtureRows(30)),
    pseudonymSecret: 'authz-test-secret-0123456789', resolveCaller: () => caller,
    accessPolicy: { canReadRecords: () => ++checks <= allowed, canSeeExactCounts: () => false },
  });
  const result = await execute({ schema: subgraph.schema, document: parse(BROWSE), contextValue: await subgraph.createContext({ headers: new HeaderMap(), requestId: 't' }) });
  return result.errors?.map((error) => ({ code: error.extensions.code, path: error.path?.filter((p) => typeof p === 'string').join('.') })) ?? [];
}

const anonymous: Caller = { roles: [], grants: [] };
const researcher: Caller = { id: 'researcher-1', roles: ['researcher'], grants: [] };

describe('record-level fields, each guarded by the access policy', () => {
  it.each([
    [0, '_entities.subjects'],
    [1, '_entities.subjects.nodes.studies'],
    [2, '_entities.subjects.nodes.studies.nodes.series'],
  ])('after %i allowed checks, refuses %s to an anonymous caller with UNAUTHENTICATED', async (allowed, path) => {
    expect(await browse(allowed, anonymous)).toEqual([{ code: 'UNAUTHENTICATED', path }]);
  });

  it('refuses the retrieve link and the segmentations on their own, FORBIDDEN for a signed-in caller without a grant', async () => {
    const errors = await browse(3, researcher);
    expect(errors).toHaveLength(2);
    expect(errors).toEqual(expect.arrayContaining([
      { code: 'FORBIDDEN', path: '_entities.subjects.nodes.studies.nodes.series.nodes.retrieveUrl' },
      { code: 'FORBIDDEN', path: '_entities.subjects.nodes.studies.nodes.series.nodes.segmentations' },
    ]));
  });

  it('answers every record-level field when the policy allows them all', async () => {
    expect(await browse(Number.POSITIVE_INFINITY, researcher)).toEqual([]);
  });
});
