import { ApolloServer } from '@apollo/server';
import { getOperationAST, parse } from 'graphql';
import { describe, expect, it } from 'vitest';
import { sha256Hex } from './persisted-operations.js';
import { createPersistedQueryCache } from './persisted-query-cache.js';
import { isIntrospectionOnly, useOperationSafelist } from './use-operation-safelist.js';

// The plugin in a real Apollo Server over a one-field schema, so what is checked is what
// a client gets: the refusal's code and status, and whether the resolver ran.

const PERSISTED = 'query Providers { providers }';
const operations = new Map([[sha256Hex(PERSISTED), PERSISTED]]);

async function startServer(introspection: boolean) {
  let resolved = 0;
  const server = new ApolloServer({
    typeDefs: 'type Query { providers: [String!]! }',
    resolvers: { Query: { providers: () => { resolved += 1; return ['demo-nl']; } } },
    introspection,
    persistedQueries: { cache: createPersistedQueryCache({ operations, maxBytes: 100_000 }) },
    plugins: [useOperationSafelist({ operations })],
  });
  await server.start();
  const run = async (request: { query?: string; extensions?: Record<string, unknown> }) => {
    const response = await server.executeOperation(request);
    if (response.body.kind !== 'single') throw new Error('incremental');
    return { status: response.http.status, ...response.body.singleResult };
  };
  return { server, run, resolved: () => resolved };
}

const byHash = (hash: string) => ({ persistedQuery: { version: 1, sha256Hash: hash } });

describe('safelist mode', () => {
  it('runs a persisted operation sent as its exact text, by its hash alone, or both', async () => {
    const { server, run, resolved } = await startServer(false);
    const hash = sha256Hex(PERSISTED);
    for (const request of [{ query: PERSISTED }, { extensions: byHash(hash) }, { query: PERSISTED, extensions: byHash(hash) }]) {
      expect(await run(request)).toMatchObject({ data: { providers: ['demo-nl'] } });
    }
    expect(resolved()).toBe(3);
    await server.stop();
  });

  it('refuses any other document with OPERATION_NOT_PERSISTED and HTTP 400 without running it: a new text, a reformatted persisted one, one sent with its hash', async () => {
    const { server, run, resolved } = await startServer(false);
    const reformatted = PERSISTED.replace('{ providers }', '{\n  providers\n}');
    for (const request of [{ query: '{ providers }' }, { query: reformatted }, { query: '{ providers }', extensions: byHash(sha256Hex('{ providers }')) }]) {
      const answer = await run(request);
      expect(answer.status).toBe(400);
      expect(answer.errors).toEqual([expect.objectContaining({ extensions: expect.objectContaining({ code: 'OPERATION_NOT_PERSISTED' }) })]);
      expect(answer.data).toBeUndefined();
    }
    expect(resolved()).toBe(0);
    // Nor was the refused document registered: its hash alone is still unknown.
    expect((await run({ extensions: byHash(sha256Hex('{ providers }')) })).errors?.[0]?.extensions?.code).toBe('PERSISTED_QUERY_NOT_FOUND');
    await server.stop();
  });

  it('leaves introspection to the introspection switch: answered when it is on, refused by validation when off', async () => {
    const on = await startServer(true);
    expect(await on.run({ query: '{ __schema { queryType { name } } }' })).toMatchObject({ data: { __schema: { queryType: { name: 'Query' } } } });
    await on.server.stop();
    const off = await startServer(false);
    expect((await off.run({ query: '{ __schema { queryType { name } } }' })).errors?.[0]?.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
    await off.server.stop();
  });
});

describe('isIntrospectionOnly', () => {
  const check = (text: string) => {
    const document = parse(text);
    return isIntrospectionOnly(getOperationAST(document)!, document);
  };
  it('holds for operations selecting only __schema, __type and __typename at the root, through fragments', () => {
    expect(check('{ __schema { types { name } } __typename }')).toBe(true);
    expect(check('query { ...F } fragment F on Query { __type(name: "Query") { name } ... on Query { __typename } }')).toBe(true);
  });
  it('does not hold when any root field is another, however hidden, or for mutations', () => {
    expect(check('{ __typename providers }')).toBe(false);
    expect(check('{ __typename ...F } fragment F on Query { providers }')).toBe(false);
    expect(check('{ ... on Query { providers } }')).toBe(false);
    expect(check('mutation { __typename }')).toBe(false);
  });
});
