import { GraphQLError } from 'graphql';

import { ERROR_CODES, type ErrorCode } from '@cancer-imaging/schema';

export { ERROR_CODES, type ErrorCode };

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
