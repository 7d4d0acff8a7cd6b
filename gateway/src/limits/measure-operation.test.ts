import { buildSchema, getIntrospectionQuery, getOperationAST, parse } from 'graphql';
import { describe, expect, it } from 'vitest';
import { measureOperation } from './measure-operation.js';

const schema = buildSchema(/* GraphQL */ `
  type Query {
    providers: [Provider!]!
    datasets(first: Int = 20, after: String): DatasetConnection!
    dataset(id: ID!): Dataset
    node: Node
  }
  interface Node { id: ID! }
  type Provider implements Node { id: ID! name: String! datasets: [Dataset!]! cohort(criteria: String): Cohort }
  type Cohort { subjects: Int datasets: [CohortRow!]! }
  type CohortRow { dataset: Dataset subjects: Int }
  type Dataset implements Node { id: ID! title: String! provider: Provider! modalities: [String!]! subjects(first: Int, after: String): SubjectConnection }
  type DatasetConnection { totalCount: Int! nodes: [Dataset!]! edges: [DatasetEdge!]! }
  type DatasetEdge { cursor: String! node: Dataset! }
  type SubjectConnection { totalCount: Int! nodes: [Subject!]! }
  type Subject { id: ID! }
`);

function measure(query: string, variables: Record<string, unknown> = {}) {
  const document = parse(query);
  const operation = getOperationAST(document);
  if (!operation) throw new Error('no operation');
  return measureOperation(schema, document, operation, variables, { unknownPageSize: 100 });
}

describe('measureOperation: depth and aliases', () => {
  it('counts field nesting, through inline fragments and fragment spreads', () => {
    expect(measure('{ providers { id } }').depth).toBe(2);
    expect(measure('{ dataset(id: "x") { provider { datasets { provider { name } } } } }').depth).toBe(5);
    expect(measure('{ node { ... on Provider { datasets { title } } } }').depth).toBe(3);
    expect(measure('{ dataset(id: "x") { ...D } } fragment D on Dataset { provider { name } }').depth).toBe(3);
  });

  it('counts aliases everywhere they expand, fragments included', () => {
    expect(measure('{ a: providers { b: id c: name } d: providers { id } }').aliases).toBe(4);
    expect(measure('{ providers { ...P ...P } } fragment P on Provider { x: id y: name }').aliases).toBe(4);
  });

  it('measures a fragment bomb (each fragment spreading the next twice) without expanding it', () => {
    const levels = 40;
    const fragments = Array.from({ length: levels }, (_, i) => i === levels - 1
      ? `fragment F${i} on Provider { a: id }`
      : `fragment F${i} on Provider { ...F${i + 1} ...F${i + 1} }`).join('\n');
    const startedAt = performance.now();
    const result = measure(`{ providers { ...F0 } } ${fragments}`);
    expect(performance.now() - startedAt).toBeLessThan(200);
    expect(result.aliases).toBe(2 ** (levels - 1));
  });
});

describe('measureOperation: the cost model', () => {
  it('costs 1 per field, a list of objects times the list size (30)', () => {
    expect(measure('{ dataset(id: "x") { id title modalities } }').cost).toBe(4);
    // providers: 1 + 30 × (id + name)
    expect(measure('{ providers { id name } }').cost).toBe(61);
  });

  it('multiplies a paged field by its page size, given, from a variable or defaulted, and not again for its nodes', () => {
    // datasets: 1 + 50 × (totalCount + nodes (1 + 1 × (id + title)))
    expect(measure('{ datasets(first: 50) { totalCount nodes { id title } } }').cost).toBe(1 + 50 * (1 + 1 + 2));
    expect(measure('query ($n: Int) { datasets(first: $n) { nodes { id } } }', { n: 10 }).cost).toBe(1 + 10 * 2);
    expect(measure('query ($n: Int = 5) { datasets(first: $n) { nodes { id } } }').cost).toBe(1 + 5 * 2);
    expect(measure('{ datasets { nodes { id } } }').cost).toBe(1 + 20 * 2);
    // No default anywhere: the largest page the limit allows.
    expect(measure('{ dataset(id: "x") { subjects { nodes { id } } } }').cost).toBe(1 + 1 + 100 * 2);
  });

  it('weights cohort fields (a count at a site) by 10, under the per-site list', () => {
    // providers: 1 + 30 × (cohort: 10 + subjects 1 + datasets (1 + 30 × subjects 1))
    expect(measure('{ providers { cohort { subjects datasets { subjects } } } }').cost).toBe(1 + 30 * (10 + 1 + 1 + 30));
  });

  it('reports the largest page asked for, wherever it is', () => {
    expect(measure('{ datasets(first: 5) { nodes { subjects(first: 500) { totalCount } } } }').largestPage)
      .toEqual({ field: 'Dataset.subjects', argument: 'first', value: 500 });
    expect(measure('{ providers { id } }').largestPage).toBeUndefined();
  });

  it('costs nothing for introspection, which the gateway answers from memory, but counts its depth', () => {
    const result = measure(getIntrospectionQuery());
    expect(result.cost).toBe(0);
    // The standard introspection query (GraphiQL's, codegen's) fits the default depth limit of 15.
    expect(result.depth).toBeLessThanOrEqual(15);
    expect(result.aliases).toBe(0);
  });
});
