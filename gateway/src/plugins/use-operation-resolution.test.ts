import { ApolloServer } from '@apollo/server';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import type { GatewayContext } from '../context.js';
import { createErrorFormatter } from './use-error-masking.js';
import { useOperationResolution } from './use-operation-resolution.js';

async function run(query: string, operationName?: string) {
  let resolved = 0;
  const apollo = new ApolloServer<GatewayContext>({
    typeDefs: 'type Query { hello: String }',
    resolvers: { Query: { hello: () => ((resolved += 1), 'hi') } },
    formatError: createErrorFormatter(),
    plugins: [useOperationResolution()],
    logger: { debug() {}, info() {}, warn() {}, error() {} },
  });
  await apollo.start();
  try {
    const response = await apollo.executeOperation({ query, ...(operationName && { operationName }) }, { contextValue: { requestId: 'r', logger: pino({ level: 'silent' }) } });
    if (response.body.kind !== 'single') throw new Error('incremental');
    return { status: response.http.status, result: response.body.singleResult, resolved };
  } finally {
    await apollo.stop();
  }
}

describe('useOperationResolution', () => {
  it('refuses an operation name the document lacks as OPERATION_RESOLUTION_FAILURE, HTTP 400, running nothing', async () => {
    const { status, result, resolved } = await run('query A { hello }', 'B');
    expect(status).toBe(400);
    expect(result.errors?.[0]).toMatchObject({ message: 'The document has no operation named "B".', extensions: { code: 'OPERATION_RESOLUTION_FAILURE' } });
    expect(resolved).toBe(0);
  });

  it('asks for operationName when the document has several operations', async () => {
    const { status, result } = await run('query A { hello } query B { hello }');
    expect(status).toBe(400);
    expect(result.errors?.[0]?.extensions?.['code']).toBe('OPERATION_RESOLUTION_FAILURE');
    expect(result.errors?.[0]?.message).toMatch(/several operations/);
  });

  it('refuses a subscription as GRAPHQL_VALIDATION_FAILED, HTTP 400', async () => {
    const { status, result, resolved } = await run('subscription { hello }');
    expect(status).toBe(400);
    expect(result.errors?.[0]?.extensions?.['code']).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(resolved).toBe(0);
  });

  it('lets a resolvable operation run', async () => {
    const { result, resolved } = await run('query A { hello } query B { hello }', 'B');
    expect(result.errors).toBeUndefined();
    expect(result.data).toEqual({ hello: 'hi' });
    expect(resolved).toBe(1);
  });
});
