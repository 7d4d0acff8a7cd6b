import { ApolloServer } from '@apollo/server';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import type { GatewayContext } from '../context.js';
import { createErrorFormatter } from './use-error-masking.js';
import { exceedsTokenLimit, parseOptionsFor, useOperationLimits, type UseOperationLimitsOptions } from './use-operation-limits.js';

const typeDefs = /* GraphQL */ `
  type Query { providers: [Provider!]! datasets(first: Int = 20): [Dataset!]! }
  type Provider { id: ID! name: String! datasets: [Dataset!]! }
  type Dataset { id: ID! provider: Provider! }
`;

async function run(query: string, options: UseOperationLimitsOptions = {}, variables?: Record<string, unknown>) {
  let resolved = 0;
  const provider = { id: 'p', name: 'P' };
  const dataset = { id: 'd' };
  const apollo = new ApolloServer<GatewayContext>({
    typeDefs,
    resolvers: {
      Query: { providers: () => (resolved += 1, [provider]), datasets: () => (resolved += 1, [dataset]) },
      Provider: { datasets: () => [dataset] },
      Dataset: { provider: () => provider },
    },
    parseOptions: parseOptionsFor(options),
    formatError: createErrorFormatter(),
    plugins: [useOperationLimits(options)],
    logger: { debug() {}, info() {}, warn() {}, error() {} },
  });
  await apollo.start();
  try {
    const response = await apollo.executeOperation({ query, ...(variables && { variables }) }, { contextValue: { requestId: 'r', logger: pino({ level: 'silent' }) } });
    if (response.body.kind !== 'single') throw new Error('incremental');
    return { status: response.http.status, result: response.body.singleResult, resolved };
  } finally {
    await apollo.stop();
  }
}

function nested(levels: number): string {
  let selection = 'id';
  for (let i = 0; i < levels; i += 1) selection = i % 2 === 0 ? `provider { ${selection} }` : `datasets { ${selection} }`;
  return `{ datasets { ${selection} } }`;
}

describe('useOperationLimits', () => {
  it('lets an operation within every limit run', async () => {
    const { status, result, resolved } = await run('{ providers { id datasets { id } } }');
    expect(status).toBeUndefined();
    expect(result.errors).toBeUndefined();
    expect(resolved).toBe(1);
  });

  it('refuses an operation too deep with OPERATION_TOO_COMPLEX naming the limit and the value, HTTP 400, nothing resolved', async () => {
    const { status, result, resolved } = await run(nested(49));
    expect(status).toBe(400);
    expect(result.errors).toEqual([{
      message: 'The operation is 51 levels deep; the limit (depth) is 15.',
      extensions: { code: 'OPERATION_TOO_COMPLEX', limit: 'depth', maximum: 15, actual: 51 },
    }]);
    expect(resolved).toBe(0);
  });

  it('refuses too many aliases', async () => {
    const aliases = Array.from({ length: 31 }, (_, i) => `a${i}: id`).join(' ');
    const { status, result, resolved } = await run(`{ providers { ${aliases} } }`);
    expect(status).toBe(400);
    expect(result.errors?.[0]?.extensions).toEqual({ code: 'OPERATION_TOO_COMPLEX', limit: 'aliases', maximum: 30, actual: 31 });
    expect(resolved).toBe(0);
  });

  it('refuses a document over the token limit at parse time, with its own code', async () => {
    const { status, result } = await run(`{ ${Array.from({ length: 200 }, (_, i) => `f${i}: __typename`).join(' ')} }`, { maxTokens: 100, maxAliases: 1_000 });
    expect(status).toBe(400);
    expect(result.errors).toEqual([{
      message: 'The operation has more than 100 tokens; the limit (tokens) is 100.',
      extensions: { code: 'OPERATION_TOO_COMPLEX', limit: 'tokens', maximum: 100 },
    }]);
  });

  it('keeps other syntax errors as GRAPHQL_PARSE_FAILED', async () => {
    const { result } = await run('{ providers { id }', { maxTokens: 100 });
    expect(result.errors?.[0]?.extensions?.['code']).toBe('GRAPHQL_PARSE_FAILED');
  });

  it('counts tokens as the parser does, comments left out', () => {
    expect(exceedsTokenLimit('{ a b }', 4)).toBe(false);
    expect(exceedsTokenLimit('{ a b c }', 4)).toBe(true);
    expect(exceedsTokenLimit('# a comment\n{ a b }', 4)).toBe(false);
    expect(exceedsTokenLimit('{ a \u0007 }', 5)).toBe(false);
  });

  it('refuses a page above the maximum as a bad argument naming it, from a literal or a variable', async () => {
    const literal = await run('{ datasets(first: 101) { id } }');
    expect(literal.status).toBe(400);
    expect(literal.result.errors).toEqual([{
      message: 'Argument "first" of Query.datasets is invalid: must be at most 100 (the page size limit), got 101.',
      extensions: { code: 'BAD_USER_INPUT', argument: 'first', limit: 'pageSize', maximum: 100, actual: 101 },
    }]);
    const variable = await run('query ($n: Int) { datasets(first: $n) { id } }', {}, { n: 5_000 });
    expect(variable.result.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', actual: 5_000 });
    expect(variable.resolved).toBe(0);
  });

  it('refuses an estimated cost above the maximum', async () => {
    // datasets: 1 + 100 × (provider: 1 + 1 × (datasets: 1 + 30 × id)) = 1 + 100 × 32 = 3201
    const { status, result } = await run('{ datasets(first: 100) { provider { datasets { id } } } }', { maxCost: 3_000 });
    expect(status).toBe(400);
    expect(result.errors?.[0]?.extensions).toEqual({ code: 'OPERATION_TOO_COMPLEX', limit: 'cost', maximum: 3_000, actual: 3_201 });
  });
});
