import { GraphQLError } from 'graphql';

/**
 * The error catalogue: every `extensions.code` the graph can return, with what it means
 * for a caller. docs/errors.md is generated from this table.
 */
export const ERROR_CODES = {
  BAD_USER_INPUT: { retryable: false, description: 'An argument is invalid: the message names it and says why.' },
  UNAUTHENTICATED: { retryable: false, description: 'The field needs a signed-in caller and the request carried no valid token.' },
  FORBIDDEN: { retryable: false, description: 'The caller holds no grant that allows this field; nothing about the data is revealed.' },
  NOT_FOUND: { retryable: false, description: 'No object has this id.' },
  PROVIDER_UNAVAILABLE: { retryable: true, description: 'The site could not be reached (connection refused, DNS, reset).' },
  PROVIDER_TIMEOUT: { retryable: true, description: 'The site did not answer within its deadline.' },
  PROVIDER_AUTH_FAILED: { retryable: false, description: 'The site refused the credentials the registry names for it.' },
  PROVIDER_BAD_RESPONSE: { retryable: true, description: 'The site answered with something that is not what its API documents (HTML, truncated JSON, wrong shape, 5xx).' },
  SUBGRAPH_UNAVAILABLE: { retryable: true, description: 'A part of the graph (a kind subgraph or the catalogue) is down; the rest of the answer is still given.' },
  INTERNAL: { retryable: true, description: 'An unexpected failure; details are in the server log under the request id, never in the response.' },
} as const satisfies Record<string, { retryable: boolean; description: string }>;

export type ErrorCode = keyof typeof ERROR_CODES;

/** A GraphQL error that always carries a catalogued code. */
export function codedError(code: ErrorCode, message: string, extensions: Record<string, unknown> = {}): GraphQLError {
  return new GraphQLError(message, { extensions: { ...extensions, code } });
}

/** Bad input, with the argument path in the message and in `extensions.argument`. */
export function badUserInput(argument: string, reason: string): GraphQLError {
  return codedError('BAD_USER_INPUT', `Argument "${argument}" is invalid: ${reason}`, { argument });
}

/**
 * What adapters throw when a site fails. Messages are ours and safe to show; the upstream
 * cause is kept for the log only (it may contain URLs).
 */
export class ProviderError extends Error {
  constructor(
    readonly code: Extract<ErrorCode, `PROVIDER_${string}`>,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

export class ProviderUnavailableError extends ProviderError {
  constructor(message = 'The site could not be reached.', options?: { cause?: unknown }) {
    super('PROVIDER_UNAVAILABLE', message, options);
  }
}

export class ProviderTimeoutError extends ProviderError {
  constructor(message = 'The site did not answer within its deadline.', options?: { cause?: unknown }) {
    super('PROVIDER_TIMEOUT', message, options);
  }
}

export class ProviderAuthError extends ProviderError {
  constructor(message = 'The site refused the configured credentials.', options?: { cause?: unknown }) {
    super('PROVIDER_AUTH_FAILED', message, options);
  }
}

export class ProviderBadResponseError extends ProviderError {
  constructor(message = 'The site answered with an unexpected response.', options?: { cause?: unknown }) {
    super('PROVIDER_BAD_RESPONSE', message, options);
  }
}

/** Maps anything an adapter threw (or an abort) to a ProviderError, never leaking its message. */
export function toProviderError(error: unknown): ProviderError {
  if (error instanceof ProviderError) return error;
  if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')) {
    return new ProviderTimeoutError(undefined, { cause: error });
  }
  const code = (error as { code?: unknown; cause?: { code?: unknown } } | null)?.cause?.code
    ?? (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && ['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'EHOSTUNREACH', 'EAI_AGAIN', 'UND_ERR_SOCKET', 'UND_ERR_CONNECT_TIMEOUT'].includes(code)) {
    return new ProviderUnavailableError(undefined, { cause: error });
  }
  return new ProviderBadResponseError(undefined, { cause: error });
}
