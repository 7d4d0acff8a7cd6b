import { composeServices } from '@apollo/composition';
import { operationFromDocument, Supergraph } from '@apollo/federation-internals';
import { QueryPlanner, type FetchNode, type PlanNode } from '@apollo/query-planner';
import { buildSchema, isInterfaceType, isObjectType, parse, type GraphQLSchema } from 'graphql';
import { FEDERATION_LINK, providerContractTypeDefs, sharedTypeDefs } from '@cancer-imaging/schema';
import { buildProviderTypeDefs } from '@cancer-imaging/provider-kit';
import { describe, expect, it } from 'vitest';
import { buildCatalogueTypeDefs } from '../src/index.js';
import { createFixtureSubgraph, run } from './helpers.js';

/** A kind subgraph's SDL exactly as the provider kit builds it, so this test cannot drift from the contract. */
function kindSubgraphTypeDefs(kind: string): string {
  return buildProviderTypeDefs(kind);
}

function service(name: string, sdl: string): { name: string; url: string; typeDefs: ReturnType<typeof parse> } {
  return { name, url: `http://${name}.test/graphql`, typeDefs: parse(sdl) };
}

/** Composes and returns the supergraph as a plain GraphQL schema, failing on any composition error. */
function compose(catalogueSDL: string, kinds: readonly string[]): GraphQLSchema {
  const result = composeServices([service('catalogue', catalogueSDL), ...kinds.map((kind) => service(kind, kindSubgraphTypeDefs(kind)))]);
  expect(result.errors?.map((error) => error.message) ?? []).toEqual([]);
  if (!result.supergraphSdl) throw new Error('no supergraph');
  return buildSchema(result.supergraphSdl);
}

function fieldNames(schema: GraphQLSchema, typeName: string): string[] {
  const type = schema.getType(typeName);
  if (!isObjectType(type) && !isInterfaceType(type)) throw new Error(`${typeName} is not an object or interface type`);
  return Object.keys(type.getFields()).sort();
}

const PROVIDER_FIELDS = ['cohort', 'country', 'datasets', 'id', 'kind', 'name', 'status'];

describe('the catalogue composes with kind subgraphs', () => {
  it('with the custom kind: CustomProvider carries the catalogue fields and the kind fields', () => {
    const supergraph = compose(buildCatalogueTypeDefs(['custom']), ['custom']);
    expect(fieldNames(supergraph, 'Provider')).toEqual(PROVIDER_FIELDS);
    expect(fieldNames(supergraph, 'CustomProvider')).toEqual(PROVIDER_FIELDS);
    expect(fieldNames(supergraph, 'CustomDataset')).toEqual(expect.arrayContaining(['title', 'provider', 'accessRights', 'subjectCount', 'subjects']));
    expect(fieldNames(supergraph, 'Query')).toEqual(expect.arrayContaining(['providers', 'provider', 'datasets', 'dataset']));
  });

  it('with the xnat kind', () => {
    const supergraph = compose(buildCatalogueTypeDefs(['xnat']), ['xnat']);
    expect(fieldNames(supergraph, 'XnatProvider')).toEqual(PROVIDER_FIELDS);
    expect(fieldNames(supergraph, 'XnatDataset')).toEqual(fieldNames(supergraph, 'Dataset'));
  });

  it('with two kinds at once, each kind subgraph adding fields to its own types only', () => {
    const supergraph = compose(buildCatalogueTypeDefs(['custom', 'xnat']), ['custom', 'xnat']);
    for (const type of ['CustomProvider', 'XnatProvider']) expect(fieldNames(supergraph, type)).toEqual(PROVIDER_FIELDS);
    for (const type of ['CustomDataset', 'XnatDataset']) expect(fieldNames(supergraph, type)).toEqual(fieldNames(supergraph, 'Dataset'));
  });

  it('from the SDL createCatalogueSubgraph builds for the test registry', async () => {
    const { typeDefs } = await createFixtureSubgraph();
    compose(typeDefs, ['custom', 'xnat']);
  });

  it('refuses a catalogue listing a kind whose subgraph is absent: the composition script must pass the kinds it composes', () => {
    const result = composeServices([service('catalogue', buildCatalogueTypeDefs(['custom', 'xnat'])), service('custom', kindSubgraphTypeDefs('custom'))]);
    expect(result.errors?.map((error) => error.message)).toContain(
      'Interface field "Provider.cohort" is declared in subgraph "custom" but type "XnatProvider", which implements "Provider" only in subgraph "catalogue" does not have field "cohort".',
    );
  });
});

/** The fetches of a plan in execution order, with the services that run in parallel grouped. */
function fetchesOf(node: PlanNode | undefined): (FetchNode | FetchNode[])[] {
  if (!node) return [];
  switch (node.kind) {
    case 'Fetch': return [node];
    case 'Flatten': return fetchesOf(node.node);
    case 'Sequence': return node.nodes.flatMap(fetchesOf);
    case 'Parallel': return [node.nodes.flatMap(fetchesOf).flat()];
    default: throw new Error(`unexpected plan node ${node.kind}`);
  }
}

describe('the composed graph plans the unchanged client query across kinds', () => {
  function plan(query: string): (FetchNode | FetchNode[])[] {
    const result = composeServices([
      service('catalogue', buildCatalogueTypeDefs(['custom', 'xnat'])),
      service('custom', kindSubgraphTypeDefs('custom')),
      service('xnat', kindSubgraphTypeDefs('xnat')),
    ]);
    if (!result.supergraphSdl) throw new Error(result.errors?.map((e) => e.message).join('\n'));
    const supergraph = Supergraph.build(result.supergraphSdl);
    const planned = new QueryPlanner(supergraph).buildQueryPlan(operationFromDocument(supergraph.schema, parse(query)));
    return fetchesOf(planned.node as PlanNode | undefined);
  }

  it('providers with cohort counts: catalogue first, then every kind subgraph in parallel', async () => {
    const fetches = plan('{ providers { id name cohort(criteria: { cancerTypes: [PROSTATE] }) { subjects { value precision } } } }');
    expect(fetches).toHaveLength(2);
    const [first, parallel] = fetches;
    expect(!Array.isArray(first) && first?.serviceName).toBe('catalogue');
    expect(Array.isArray(parallel) && parallel.map((fetch) => fetch.serviceName).sort()).toEqual(['custom', 'xnat']);

    // The catalogue's part of the plan, run against the real subgraph, names each kind's
    // type: the references the custom and xnat fetches are planned for.
    const { schema } = await createFixtureSubgraph();
    const catalogueFetch = first as FetchNode;
    const answer = await run<{ providers: { __typename: string }[] }>(schema, catalogueFetch.operation);
    expect(answer.errors).toBeUndefined();
    expect(new Set(answer.data?.providers.map((p) => p.__typename))).toEqual(new Set(['CustomProvider', 'XnatProvider']));
  });

  it('datasets with their kind-provided counts: catalogue first, then the kinds in parallel', () => {
    const fetches = plan('{ datasets(filter: { countries: ["DE"] }) { nodes { title subjectCount } } }');
    const [first, parallel] = fetches;
    expect(!Array.isArray(first) && first?.serviceName).toBe('catalogue');
    expect(Array.isArray(parallel) && parallel.map((fetch) => fetch.serviceName).sort()).toEqual(['custom', 'xnat']);
  });
});
