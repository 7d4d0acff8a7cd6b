import { HeaderMap } from '@apollo/server';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { execute, parse, printSchema, type GraphQLObjectType } from 'graphql';
import { describe, expect, it } from 'vitest';
import { createProviderSubgraph, kindTypeNames, recordLevelFields, type AccessPolicy, type Caller, type SiteConfig } from '../src/index.js';
import { buildFixtureRows, createInMemoryAdapter } from '../src/testing/index.js';

const site: SiteConfig = {
  id: 'memory-site', name: 'In-memory site', country: 'NL', kind: 'memory', baseUrl: 'memory:',
  credentials: {}, privacy: { minCount: 10, roundTo: 10 }, deadlineMs: 1_000, options: {},
};
const DATASET = 'memory-site:memory:prostate-mr';
const BROWSE = `{ _entities(representations: [{ __typename: "MemoryDataset", id: "${DATASET}" }]) { ... on MemoryDataset {
  subjects(first: 1) { nodes { id studies(first: 1) { nodes { series(first: 1) { nodes { seriesInstanceUid retrieveUrl segmentations { format } } } } } } } } } }`;

/** An adapter with a retrieve method, so the retrieve link is a real value to refuse. */
function adapterWithRetrieve() {
  return Object.assign(createInMemoryAdapter(buildFixtureRows(30)), {
    retrieveSeries: async () => ({ contentType: 'application/zip', filename: 'series.zip', body: new Blob(['DICM']).stream() }),
  });
}

async function subgraphWith(caller: Caller, accessPolicy: AccessPolicy) {
  return createProviderSubgraph({
    kind: 'memory', sites: [site], createAdapter: adapterWithRetrieve,
    pseudonymSecret: 'authz-test-secret-0123456789', resolveCaller: () => caller, accessPolicy, audit: false,
  });
}

/**
 * Runs the browse query with a policy that allows the first `allowed` record-level checks
 * and refuses every later one, so each nested record-level field is proven to check on its
 * own (no field relies on its parent having been checked).
 */
async function browse(allowed: number, caller: Caller) {
  let checks = 0;
  const subgraph = await subgraphWith(caller, { canReadRecords: () => ++checks <= allowed, canSeeExactCounts: () => false });
  const result = await execute({ schema: subgraph.schema, document: parse(BROWSE), contextValue: await subgraph.createContext({ headers: new HeaderMap(), requestId: 't' }) });
  return result.errors?.map((error) => ({ code: error.extensions.code, path: error.path?.filter((p) => typeof p === 'string').join('.') })) ?? [];
}

const anonymous: Caller = { roles: [], grants: [] };
const researcher: Caller = { id: 'researcher-1', roles: ['researcher'], grants: [] };

describe('record-level fields, each guarded by the kit\'s shield rules', () => {
  it.each([
    [0, '_entities.subjects'],
    [1, '_entities.subjects.nodes.studies'],
    [2, '_entities.subjects.nodes.studies.nodes.series'],
  ])('after %i allowed checks, refuses %s to a signed-in caller without a grant with FORBIDDEN', async (allowed, path) => {
    expect(await browse(allowed, researcher)).toEqual([{ code: 'FORBIDDEN', path }]);
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

  it('refuses an anonymous caller with UNAUTHENTICATED even when the policy would allow it: every read must name a reader', async () => {
    expect(await browse(Number.POSITIVE_INFINITY, anonymous)).toEqual([{ code: 'UNAUTHENTICATED', path: '_entities.subjects' }]);
  });

  it.each(recordLevelFields(kindTypeNames('memory')).map((field) => [`${field.type}.${field.field}`, field] as const))(
    '%s refuses on its own: anonymous UNAUTHENTICATED, signed in without a grant FORBIDDEN, without calling its resolver',
    async (_name, field) => {
      const parent = { id: DATASET, datasetId: DATASET, site: undefined };
      for (const [caller, code] of [[anonymous, 'UNAUTHENTICATED'], [researcher, 'FORBIDDEN']] as const) {
        // The policy allows everything else: only this field's own check can refuse.
        const subgraph = await subgraphWith(caller, { canReadRecords: () => false, canSeeExactCounts: () => false });
        const resolve = (subgraph.schema.getType(field.type) as GraphQLObjectType).getFields()[field.field]!.resolve!;
        const context = await subgraph.createContext({ headers: new HeaderMap(), requestId: 't' });
        // A parent without a site: had the resolver run, it would have thrown a TypeError instead.
        const result = await resolve(parent, {}, context, {} as never);
        expect(result).toBeInstanceOf(Error);
        expect((result as { extensions: { code: string } }).extensions.code).toBe(code);
      }
    },
  );

  it('guards exactly the five record-level fields, each present in the kind\'s schema', async () => {
    const subgraph = await subgraphWith(researcher, { canReadRecords: () => true, canSeeExactCounts: () => true });
    const t = kindTypeNames('memory');
    const guarded = recordLevelFields(t).map((field) => `${field.type}.${field.field}`);
    expect(guarded.sort()).toEqual([`${t.dataset}.subjects`, `${t.series}.retrieveUrl`, `${t.series}.segmentations`, `${t.study}.series`, `${t.subject}.studies`].sort());
    for (const field of recordLevelFields(t)) {
      expect((subgraph.schema.getType(field.type) as GraphQLObjectType).getFields()[field.field], `${field.type}.${field.field}`).toBeDefined();
    }
  });

  it('leaves the SDL unchanged: the protected schema and _service { sdl } equal the unprotected ones', async () => {
    const subgraph = await subgraphWith(researcher, { canReadRecords: () => true, canSeeExactCounts: () => true });
    const plain = buildSubgraphSchema({ typeDefs: parse(subgraph.typeDefs) });
    expect(printSchema(subgraph.schema)).toBe(printSchema(plain));
    const sdlOf = async (schema: typeof plain) => ((await execute({ schema, document: parse('{ _service { sdl } }'), contextValue: await subgraph.createContext({ headers: new HeaderMap(), requestId: 't' }) })).data as { _service: { sdl: string } })._service.sdl;
    expect(await sdlOf(subgraph.schema)).toBe(await sdlOf(plain));
  });
});
