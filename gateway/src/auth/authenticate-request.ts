import type { CallerClaims } from '@cancer-imaging/provider-kit';
import { InvalidTokenError, KeysUnavailableError, type TokenVerifier } from './token-verifier.js';

/** What the gateway makes of a request's Authorization header. */
export type Authentication =
  | { readonly outcome: 'anonymous' }
  | { readonly outcome: 'verified'; readonly caller: CallerClaims }
  | {
    readonly outcome: 'refused';
    /** 401 for a token the client must replace; 503 when the issuer's keys could not be fetched. */
    readonly status: 401 | 503;
    readonly message: string;
    /** WWW-Authenticate (401) or Retry-After (503). */
    readonly headers: Readonly<Record<string, string>>;
    /** For the log line; never sent. */
    readonly reason: string;
  };

export type RequestAuthenticator = (authorization: string | undefined) => Promise<Authentication>;

/** RFC 6750's b64token after "Bearer". */
const BEARER = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i;
/** Bearer tokens are a few KB; anything far larger is not one and is not worth decoding. */
const MAX_TOKEN_LENGTH = 16_384;
const REALM = 'cancer-imaging-graph';
/** How long a client should wait when the identity provider's keys were unreachable. */
const KEYS_RETRY_AFTER_SECONDS = 5;

function invalidToken(message: string, reason: string): Authentication {
  // A quoted-string may not hold quotes or backslashes.
  const description = message.replace(/["\\]/g, "'");
  return {
    outcome: 'refused',
    status: 401,
    message,
    reason,
    headers: { 'www-authenticate': `Bearer realm="${REALM}", error="invalid_token", error_description="${description}"` },
  };
}

/**
 * No Authorization header: anonymous (aggregates are public). A header that is present
 * but is not a valid bearer token is refused, never downgraded to anonymous, so a client
 * with a broken token learns it at once instead of seeing mysteriously little data.
 */
export function createRequestAuthenticator(verify: TokenVerifier): RequestAuthenticator {
  return async (authorization) => {
    if (authorization === undefined) return { outcome: 'anonymous' };
    const token = BEARER.exec(authorization)?.[1];
    if (!token || token.length > MAX_TOKEN_LENGTH) {
      return invalidToken('The Authorization header must be "Bearer <token>".', 'malformed header');
    }
    try {
      return { outcome: 'verified', caller: await verify(token) };
    } catch (error) {
      if (error instanceof InvalidTokenError) return invalidToken(error.message, error.reason);
      if (error instanceof KeysUnavailableError) {
        return {
          outcome: 'refused',
          status: 503,
          message: error.message,
          reason: `keys unavailable: ${String((error.cause as Error | undefined)?.message ?? error.cause)}`,
          headers: { 'retry-after': String(KEYS_RETRY_AFTER_SECONDS) },
        };
      }
      throw error;
    }
  };
}
