import { composeServices } from '@apollo/composition';
import { ApolloGateway, LocalGraphQLDataSource, type SupergraphSdlUpdateFunction } from '@apollo/gateway';
import { QueryPlanner } from '@apollo/query-planner';
import { ApolloServer } from '@apollo/server';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { buildSchema, getOperationAST, parse } from 'graphql';
import { pino } from 'pino';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { sha256Hex } from './persisted-operations/persisted-operations.js';
import { createPlanWarmup, placeholderVariables, type PlanWarmup } from './plan-warmup.js';

// The warm-up against the real @apollo/gateway, whose internals it leans on (the executor
// stores the plan before experimental_didResolveQueryPlan, which can stop it): if a
// release changes that, these tests fail. A tiny federation served in process (no
// network), with every subgraph call counted; plans built are counted on QueryPlanner.

const catalogue = parse(/* GraphQL */ `
  extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key"])
  type Query { providers: [Provider!]! }
  type Provider @key(fields: "id") { id: ID! name: String! }
`);
const kind = parse(/* GraphQL */ `
  extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key"])
  enum CancerType { BREAST LUNG }
  input Range { min: Int! max: Int }
  input Criteria { cancerTypes: [CancerType!]! age: Range! sex: String }
  type Cohort { subjects: Int! }
  type Provider @key(fields: "id") { id: ID! cohort(criteria: Criteria!): Cohort }
`);
const resolvers = {
  catalogue: { Query: { providers: () => [{ id: 'p1', name: 'Alpha' }] }, Provider: { __resolveReference: (ref: { id: string }) => ({ ...ref, name: 'Alpha' }) } },
  kind: { Provider: { __resolveReference: (ref: { id: string }) => ref, cohort: () => ({ subjects: 40 }) } },
};

function supergraph(extra = ''): string {
  const composed = composeServices([
    { name: 'catalogue', url: 'http://catalogue.invalid/graphql', typeDefs: catalogue },
    { name: 'kind', url: 'http://kind.invalid/graphql', typeDefs: kind },
  ]);
  if (!composed.supergraphSdl) throw new Error('composition failed');
  return composed.supergraphSdl + extra;
}

const COHORT = 'query Cohort($c: Criteria!) { providers { id name cohort(criteria: $c) { subjects } } }';
const NAMES = 'query Names { providers { name } }';
const ELSEWHERE = 'query Elsewhere { datasets { id } }';
const operations = new Map([COHORT, NAMES, ELSEWHERE].map((text) => [sha256Hex(text), text]));

let running: { apollo: ApolloServer; warmup: PlanWarmup } | undefined;
afterEach(async () => {
  running?.warmup.stop();
  await running?.apollo.stop();
  running = undefined;
  vi.restoreAllMocks();
});

async function start() {
  const subgraphCalls: string[] = [];
  let update: SupergraphSdlUpdateFunction | undefined;
  const warmup = createPlanWarmup({ operations, logger: pino({ level: 'silent' }) });
  const gateway = new ApolloGateway({
    supergraphSdl: async (options) => {
      update = options.update;
      return { supergraphSdl: supergraph() };
    },
    experimental_didResolveQueryPlan: warmup.didResolveQueryPlan,
    buildService: ({ name }) => {
      const local = new LocalGraphQLDataSource(buildSubgraphSchema({ typeDefs: name === 'kind' ? kind : catalogue, resolvers: resolvers[name as 'kind'] as never }));
      return { process: (request) => (subgraphCalls.push(name), local.process(request)) };
    },
  });
  const apollo = new ApolloServer({ gateway, logger: { debug() {}, info() {}, warn() {}, error() {} } });
  await apollo.start();
  running = { apollo, warmup };
  const run = async (query: string, variables: Record<string, unknown> = {}) => {
    const response = await apollo.executeOperation({ query, variables });
    return response.body.kind === 'single' ? response.body.singleResult : undefined;
  };
  return { gateway, warmup, subgraphCalls, run, update: (sdl: string) => update!(sdl) };
}

describe('the plan warm-up', () => {
  it('plans every operation that fits the supergraph without calling a subgraph, so their first request builds no plan; an unknown one does', async () => {
    const { gateway, warmup, subgraphCalls, run } = await start();
    const report = await warmup.start(gateway);
    expect(report).toMatchObject({ planned: 2, skipped: ['Elsewhere'], failed: [], superseded: false });
    expect(subgraphCalls).toEqual([]);

    const builds = vi.spyOn(QueryPlanner.prototype, 'buildQueryPlan');
    expect(await run(COHORT, { c: { cancerTypes: ['LUNG'], age: { min: 50 } } })).toEqual({ data: { providers: [{ id: 'p1', name: 'Alpha', cohort: { subjects: 40 } }] } });
    expect(await run(NAMES)).toEqual({ data: { providers: [{ name: 'Alpha' }] } });
    expect(builds).not.toHaveBeenCalled();
    expect(subgraphCalls.length).toBeGreaterThan(0);

    await run('query Ids { providers { id } }');
    expect(builds).toHaveBeenCalledTimes(1);
  });

  it('plans again after a supergraph update (which empties the plan cache), and idle() waits until it has', async () => {
    const { gateway, warmup, subgraphCalls, run, update } = await start();
    await warmup.start(gateway);
    const builds = vi.spyOn(QueryPlanner.prototype, 'buildQueryPlan');
    update(supergraph('\n# recomposed\n'));
    await warmup.idle();
    expect(builds).toHaveBeenCalledTimes(2);
    expect(subgraphCalls).toEqual([]);
    await run(COHORT, { c: { cancerTypes: [], age: { min: 1 } } });
    expect(builds).toHaveBeenCalledTimes(2);
  });

  it('is stopped by stop(): no warm-up after a later update', async () => {
    const { gateway, warmup, update } = await start();
    await warmup.start(gateway);
    warmup.stop();
    const builds = vi.spyOn(QueryPlanner.prototype, 'buildQueryPlan');
    update(supergraph('\n# recomposed\n'));
    await new Promise((resolve) => setTimeout(resolve, 50));
    await warmup.idle();
    expect(builds).not.toHaveBeenCalled();
  });
});

describe('placeholderVariables', () => {
  it('gives every required variable a value its type accepts, and leaves optional and defaulted ones out', () => {
    const schema = buildSchema(/* GraphQL */ `
      enum E { B A }
      input Inner { n: Int! f: Float! b: Boolean! s: String! id: ID! optional: Int withDefault: Int! = 3 }
      input Outer { inner: Inner! list: [E!]! e: E! }
      type Query { q(o: Outer, n: Int, s: String): Int }
    `);
    const document = parse('query ($o: Outer!, $n: Int, $s: String! = "x", $l: [Int!]!) { q(o: $o, n: $n, s: $s) }');
    expect(placeholderVariables(schema, getOperationAST(document)!)).toEqual({
      o: { inner: { n: 0, f: 0, b: false, s: '', id: '' }, list: [], e: 'B' },
      l: [],
    });
  });
});
