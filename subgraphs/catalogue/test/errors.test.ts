import { ApolloServer } from '@apollo/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeCursor } from '@cancer-imaging/provider-kit';
import { createFixtureSubgraph } from './helpers.js';

/** Errors as a client of this subgraph receives them: through Apollo Server, not graphql-js. */
let server: ApolloServer;

beforeAll(async () => {
  server = new ApolloServer({ schema: (await createFixtureSubgraph()).schema, includeStacktraceInErrorResponses: false });
  await server.start();
});

afterAll(async () => {
  await server.stop();
});

const QUERY = `query ($filter: DatasetFilter, $first: Int, $after: String) {
  datasets(filter: $filter, first: $first, after: $after) { totalCount nodes { id } }
}`;

interface ClientError {
  message: string;
  path?: readonly (string | number)[];
  extensions?: { code?: string; argument?: string; stacktrace?: unknown };
}

async function errorsOf(variables: Record<string, unknown>): Promise<{ data: unknown; errors: ClientError[] }> {
  const response = await server.executeOperation({ query: QUERY, variables });
  if (response.body.kind !== 'single') throw new Error('expected a single result');
  const { data, errors } = response.body.singleResult;
  return { data, errors: JSON.parse(JSON.stringify(errors ?? [])) as ClientError[] };
}

function expectBadInput(errors: ClientError[], argument: string): void {
  expect(errors).toHaveLength(1);
  const [error] = errors;
  expect(error?.extensions?.code).toBe('BAD_USER_INPUT');
  expect(error?.extensions?.argument).toBe(argument);
  expect(error?.message).toContain(`"${argument}"`);
  expect(error?.path).toEqual(['datasets']);
  expect(error?.extensions?.stacktrace).toBeUndefined();
}

describe('Query.datasets refuses bad arguments with BAD_USER_INPUT naming the argument', () => {
  it('first above 100', async () => {
    const { data, errors } = await errorsOf({ first: 101 });
    expectBadInput(errors, 'first');
    expect(errors[0]?.message).toMatch(/between 0 and 100; got 101/);
    expect(data).toBeNull();
  });

  it('a negative first', async () => {
    expectBadInput((await errorsOf({ first: -1 })).errors, 'first');
  });

  it.each([
    ['not base64url', 'not a cursor!'],
    ['base64url of something else', Buffer.from('hello').toString('base64url')],
    ['a cursor of another version', Buffer.from(JSON.stringify({ v: 2, o: 1 })).toString('base64url')],
    ['a negative offset', Buffer.from(JSON.stringify({ v: 1, o: -3 })).toString('base64url')],
    ['an empty string', ''],
  ])('a malformed cursor: %s', async (_what, after) => {
    expectBadInput((await errorsOf({ after })).errors, 'after');
  });

  it.each([['lower case', 'nl'], ['alpha-3', 'NLD'], ['a name', 'Netherlands'], ['empty', '']])(
    'a country code that is not ISO 3166-1 alpha-2 in upper case: %s',
    async (_what, country) => {
      const { errors } = await errorsOf({ filter: { countries: ['DE', country] } });
      expectBadInput(errors, 'filter.countries');
      expect(errors[0]?.message).toContain(`"${country}"`);
    },
  );

  it('text longer than 256 characters', async () => {
    expectBadInput((await errorsOf({ filter: { text: 'a'.repeat(257) } })).errors, 'filter.text');
  });

  it('reports a bad page size before a bad filter', async () => {
    expectBadInput((await errorsOf({ first: 500, filter: { countries: ['xx'] } })).errors, 'first');
  });

  it('accepts a well-formed cursor beyond the end (not an error, an empty page)', async () => {
    const { data, errors } = await errorsOf({ after: encodeCursor(1_000) });
    expect(errors).toEqual([]);
    expect(data).toEqual({ datasets: { totalCount: 9, nodes: [] } });
  });
});

describe('argument values GraphQL itself refuses', () => {
  it('an unknown enum value is refused before any resolver runs', async () => {
    const { errors } = await errorsOf({ filter: { cancerTypes: ['MELANOMA'] } });
    expect(errors[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(errors[0]?.message).toMatch(/filter.*cancerTypes|MELANOMA/);
  });
});
