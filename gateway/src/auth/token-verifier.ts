import type { KeyObject } from 'node:crypto';
import type { CallerClaims } from '@cancer-imaging/provider-kit';
import { decodeJwt, errors as joseErrors, jwtVerify, type JWTPayload, type JWTVerifyGetKey, type JWTVerifyOptions } from 'jose';
import type { TokenAlgorithm } from '../config.js';
import type { VerificationKey } from './key-sources.js';
import { toCallerClaims, UnusableClaimError, type ClaimMapping } from './token-claims.js';

/** An issuer whose tokens the gateway accepts, with the keys and audiences to check them against. */
export interface TrustedIssuer {
  /** Exact `iss`. */
  readonly issuer: string;
  /** A token must name one of these in `aud`. */
  readonly audiences: readonly string[];
  readonly key: VerificationKey;
  readonly claims?: ClaimMapping;
  /** Algorithms this issuer signs with; a subset of the gateway's allow-list. */
  readonly algorithms: readonly TokenAlgorithm[];
}

export interface TokenVerifierOptions {
  readonly issuers: readonly TrustedIssuer[];
  /** Tolerance on exp, nbf and iat. */
  readonly clockSkewSeconds: number;
  /** Injected for tests. @default () => new Date() */
  readonly now?: () => Date;
}

/** Why a token was refused; the message is for the client (RFC 6750 error_description). */
export type InvalidTokenReason = 'malformed' | 'expired' | 'not-yet-valid' | 'issuer' | 'audience' | 'signature' | 'unknown-key' | 'algorithm' | 'claims';

/** A token the client must replace: HTTP 401, `invalid_token`. */
export class InvalidTokenError extends Error {
  constructor(
    readonly reason: InvalidTokenReason,
    message: string,
  ) {
    super(message);
    this.name = 'InvalidTokenError';
  }
}

/** The issuer's keys could not be fetched: nothing is wrong with the token, try again (HTTP 503). */
export class KeysUnavailableError extends Error {
  constructor(cause: unknown) {
    super('The identity provider\'s signing keys could not be fetched; try again shortly.', { cause });
    this.name = 'KeysUnavailableError';
  }
}

export type TokenVerifier = (token: string) => Promise<CallerClaims>;

/** jose's verdicts as the reasons we tell the client. */
function toTokenError(error: unknown): InvalidTokenError | KeysUnavailableError {
  if (error instanceof KeysUnavailableError) return error;
  if (error instanceof joseErrors.JWTExpired) return new InvalidTokenError('expired', 'The bearer token has expired.');
  if (error instanceof joseErrors.JWTClaimValidationFailed) {
    if (error.claim === 'aud') return new InvalidTokenError('audience', 'The bearer token was not issued for this graph (audience).');
    if (error.claim === 'iss') return new InvalidTokenError('issuer', 'The bearer token was not issued by a trusted issuer.');
    if (error.claim === 'nbf' || error.claim === 'iat') return new InvalidTokenError('not-yet-valid', 'The bearer token is not valid yet.');
    return new InvalidTokenError('claims', `The bearer token lacks a valid ${error.claim} claim.`);
  }
  if (error instanceof joseErrors.JWSSignatureVerificationFailed) return new InvalidTokenError('signature', 'The bearer token\'s signature is not valid.');
  if (error instanceof joseErrors.JWKSNoMatchingKey || error instanceof joseErrors.JWKSMultipleMatchingKeys) {
    return new InvalidTokenError('unknown-key', 'The bearer token is signed with a key the graph does not know.');
  }
  if (error instanceof joseErrors.JOSEAlgNotAllowed) return new InvalidTokenError('algorithm', 'The bearer token\'s signing algorithm is not accepted.');
  if (error instanceof joseErrors.JOSEError) return new InvalidTokenError('malformed', 'The bearer token is malformed.');
  // jose throws TypeError when the token's algorithm does not fit the configured key's
  // type (an ES256 token against an RSA key): no key of ours can verify it.
  return new InvalidTokenError('unknown-key', 'The bearer token is signed with a key the graph does not know.');
}

/**
 * A key resolver whose own failures (JWKS unreachable, timed out, not JSON, not 200) are
 * told apart from the token's: only "no key matches" is the token's fault.
 */
function separateKeyFailures(resolve: JWTVerifyGetKey): JWTVerifyGetKey {
  return async (header, token) => {
    try {
      return await resolve(header, token);
    } catch (error) {
      if (error instanceof joseErrors.JWKSNoMatchingKey || error instanceof joseErrors.JWKSMultipleMatchingKeys) throw error;
      throw new KeysUnavailableError(error);
    }
  };
}

async function verifyWith(token: string, key: VerificationKey, options: JWTVerifyOptions): Promise<JWTPayload> {
  // Two overloads of jwtVerify, one per key kind; TypeScript does not pick one for a union.
  const { payload } = typeof key === 'function'
    ? await jwtVerify(token, separateKeyFailures(key), options)
    : await jwtVerify(token, key as KeyObject, options);
  return payload;
}

/**
 * Verifies client bearer tokens: signature by the issuer's keys, the issuer itself, an
 * accepted audience, expiry (required) and not-before with the clock skew, an allowed
 * asymmetric algorithm. The unverified `iss` only picks which issuer's keys to try; the
 * verification then checks it again. Resolves to the caller; rejects with
 * InvalidTokenError (401) or KeysUnavailableError (503).
 */
export function createTokenVerifier(options: TokenVerifierOptions): TokenVerifier {
  const byIssuer = new Map(options.issuers.map((issuer) => [issuer.issuer, issuer]));
  const now = options.now ?? (() => new Date());
  return async (token) => {
    let unverified: JWTPayload;
    try {
      unverified = decodeJwt(token);
    } catch {
      throw new InvalidTokenError('malformed', 'The bearer token is malformed.');
    }
    const trusted = typeof unverified.iss === 'string' ? byIssuer.get(unverified.iss) : undefined;
    if (!trusted) throw new InvalidTokenError('issuer', 'The bearer token was not issued by a trusted issuer.');
    let payload: JWTPayload;
    try {
      payload = await verifyWith(token, trusted.key, {
        issuer: trusted.issuer,
        audience: [...trusted.audiences],
        algorithms: [...trusted.algorithms],
        clockTolerance: options.clockSkewSeconds,
        currentDate: now(),
        requiredClaims: ['exp', 'sub'],
      });
    } catch (error) {
      throw toTokenError(error);
    }
    try {
      return toCallerClaims(payload, trusted.claims);
    } catch (error) {
      if (error instanceof UnusableClaimError) throw new InvalidTokenError('claims', error.message);
      throw error;
    }
  };
}
