import type { GraphQLFormattedError } from 'graphql';

/**
 * How the gateway's document endpoints (EUCAIM search, cohort reports), which run GraphQL
 * as the caller and answer plain JSON or CSV, turn the graph's coded errors into HTTP.
 */

/** The code of a GraphQL error; INTERNAL when it carries none. */
export function codeOf(error: GraphQLFormattedError): string {
  const code = error.extensions?.['code'];
  return typeof code === 'string' ? code : 'INTERNAL';
}

/** HTTP status for a failure that left no answer, by the code of its first error. */
export function httpStatusOf(code: string): number {
  return HTTP_STATUS_BY_CODE[code] ?? 500;
}

const HTTP_STATUS_BY_CODE: Readonly<Record<string, number>> = {
  BAD_USER_INPUT: 400,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  RATE_LIMITED: 429,
  SUBGRAPH_UNAVAILABLE: 503,
};

/** The errors as a JSON body: messages (already masked) and codes only. */
export function errorsBody(errors: readonly GraphQLFormattedError[]) {
  return { errors: errors.map((error) => ({ message: error.message, extensions: { code: codeOf(error) } })) };
}
