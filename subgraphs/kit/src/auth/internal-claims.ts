import { jwtVerify, SignJWT, errors as joseErrors } from 'jose';
import { isRole, type Role } from './roles.js';

/**
 * The caller as the gateway verified it, passed to subgraphs in one signed header. The
 * gateway verifies the client's bearer token (issuer, audience, expiry, key) and re-signs
 * the claims subgraphs need with a secret only the graph's own services hold (HS256), for
 * a short time and for the subgraphs' audience only. A subgraph verifies the header itself:
 * a direct call with a forged, expired or missing header is anonymous.
 */
export const CALLER_HEADER = 'x-cig-caller';
export const INTERNAL_ISSUER = 'cancer-imaging-gateway';
export const INTERNAL_AUDIENCE = 'cancer-imaging-subgraphs';
/** Long enough for one request's fan-out, short enough that a captured header is soon useless. */
export const INTERNAL_CLAIMS_TTL_SECONDS = 60;
/** The shared secret must carry at least 256 bits. */
export const MIN_INTERNAL_SECRET_LENGTH = 32;

/** A grant carried by the token itself (e.g. a development token or a GA4GH visa). */
export interface ClaimedGrant {
  /** Graph id of the dataset. */
  readonly datasetId: string;
  /** ISO 8601 instant. */
  readonly expiresAt: string;
}

export interface CallerClaims {
  /** The caller's stable subject (the client token's `sub`, qualified by its issuer if needed). */
  readonly sub: string;
  readonly roles: readonly Role[];
  readonly grants: readonly ClaimedGrant[];
  /** Display name for audit and request history, when the token gives one. */
  readonly name?: string;
}

export function internalSecretKey(secret: string): Uint8Array {
  if (secret.length < MIN_INTERNAL_SECRET_LENGTH) {
    throw new RangeError(`The internal claims secret must be at least ${MIN_INTERNAL_SECRET_LENGTH} characters.`);
  }
  return new TextEncoder().encode(secret);
}

/** Signs the claims for the subgraphs (the gateway does this once per request). */
export async function signCallerClaims(claims: CallerClaims, secret: string, now: Date = new Date()): Promise<string> {
  const issuedAt = Math.floor(now.getTime() / 1000);
  return new SignJWT({ roles: [...claims.roles], grants: claims.grants.map((g) => ({ datasetId: g.datasetId, expiresAt: g.expiresAt })), ...(claims.name && { name: claims.name }) })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(claims.sub)
    .setIssuer(INTERNAL_ISSUER)
    .setAudience(INTERNAL_AUDIENCE)
    .setIssuedAt(issuedAt)
    .setExpirationTime(issuedAt + INTERNAL_CLAIMS_TTL_SECONDS)
    .sign(internalSecretKey(secret));
}

/**
 * Verifies a caller header. Null for anything that is not a valid, unexpired header signed
 * with this secret for the subgraphs: the caller is then anonymous, never an error, so a
 * bad header cannot tell an attacker more than "no access".
 */
export async function verifyCallerClaims(token: string | undefined, secret: string, now: Date = new Date()): Promise<CallerClaims | null> {
  if (!token) return null;
  try {
    const { payload } = await jwtVerify(token, internalSecretKey(secret), {
      algorithms: ['HS256'], issuer: INTERNAL_ISSUER, audience: INTERNAL_AUDIENCE, currentDate: now, clockTolerance: 5,
    });
    if (typeof payload.sub !== 'string' || payload.sub.length === 0) return null;
    const roles = Array.isArray(payload['roles']) ? payload['roles'].filter(isRole) : [];
    const grants = Array.isArray(payload['grants'])
      ? (payload['grants'] as unknown[]).filter((g): g is ClaimedGrant =>
        typeof g === 'object' && g !== null && typeof (g as ClaimedGrant).datasetId === 'string' && typeof (g as ClaimedGrant).expiresAt === 'string'
        && !Number.isNaN(Date.parse((g as ClaimedGrant).expiresAt)))
      : [];
    const name = typeof payload['name'] === 'string' ? payload['name'] : undefined;
    return { sub: payload.sub, roles, grants, ...(name && { name }) };
  } catch (error) {
    if (error instanceof joseErrors.JOSEError) return null;
    throw error;
  }
}
