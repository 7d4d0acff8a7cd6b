/**
 * The error catalogue: every `extensions.code` the graph can return, with what it means
 * for a caller. It is part of the contract every subgraph and the gateway share;
 * docs/errors.md is generated from this table.
 */
export const ERROR_CODES = {
  BAD_USER_INPUT: { retryable: false, description: 'An argument is invalid: the message names it and says why.' },
  UNAUTHENTICATED: { retryable: false, description: 'The field needs a signed-in caller and the request carried no valid token.' },
  FORBIDDEN: { retryable: false, description: 'The caller holds no grant that allows this field; nothing about the data is revealed.' },
  NOT_FOUND: { retryable: false, description: 'No object has this id.' },
  CONFLICT: { retryable: false, description: 'The object is not in a state that allows this change (e.g. approving a withdrawn access request).' },
  OPERATION_TOO_COMPLEX: { retryable: false, description: 'The operation exceeds a limit (depth, aliases, tokens, page size or estimated cost); the message names the limit. Refused before any subgraph is called.' },
  OPERATION_TOO_LARGE: { retryable: false, description: 'The request body exceeds the size limit; refused before it is parsed.' },
  RATE_LIMITED: { retryable: true, description: 'The caller sent too many requests; retry after the number of seconds in extensions.retryAfter (and the Retry-After header).' },
  PROVIDER_UNAVAILABLE: { retryable: true, description: 'The site could not be reached (connection refused, DNS, reset).' },
  PROVIDER_TIMEOUT: { retryable: true, description: 'The site did not answer within its deadline.' },
  PROVIDER_AUTH_FAILED: { retryable: false, description: 'The site refused the credentials the registry names for it.' },
  PROVIDER_BAD_RESPONSE: { retryable: true, description: 'The site answered with something that is not what its API documents (HTML, truncated JSON, wrong shape, 5xx).' },
  SUBGRAPH_UNAVAILABLE: { retryable: true, description: 'A part of the graph (a kind subgraph or the catalogue) is down; the rest of the answer is still given.' },
  GRAPHQL_PARSE_FAILED: { retryable: false, description: 'The request is not valid GraphQL syntax.' },
  GRAPHQL_VALIDATION_FAILED: { retryable: false, description: 'The operation does not fit the schema (unknown field, missing selection, ...).' },
  BAD_REQUEST: { retryable: false, description: 'The HTTP request itself is malformed (no body, wrong content type, CSRF refusal, too large).' },
  OPERATION_RESOLUTION_FAILURE: { retryable: false, description: 'The operation name does not match an operation of the document.' },
  PERSISTED_QUERY_NOT_FOUND: { retryable: true, description: 'The persisted query hash is unknown: send the full query once.' },
  PERSISTED_QUERY_NOT_SUPPORTED: { retryable: false, description: 'Persisted queries are not enabled.' },
  OPERATION_NOT_PERSISTED: { retryable: false, description: 'The gateway runs only its persisted operations (safelist mode) and this document is not one of them, by hash or by exact text; refused before any subgraph is called. See docs/persisted-operations.md.' },
  INTERNAL: { retryable: true, description: 'An unexpected failure; details are in the server log under the request id, never in the response.' },
} as const satisfies Record<string, { retryable: boolean; description: string }>;

export type ErrorCode = keyof typeof ERROR_CODES;
