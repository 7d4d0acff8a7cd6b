import { isRole, type CallerClaims, type ClaimedGrant, type Role } from '@cancer-imaging/provider-kit';
import type { JWTPayload } from 'jose';

/** How an issuer's token claims become the graph's roles. */
export interface ClaimMapping {
  /**
   * Where the roles are: a claim name (`roles`, `https://example.org/roles`) or a dotted
   * path into nested claims (`realm_access.roles`, as Keycloak writes them).
   * @default 'roles'
   */
  readonly rolesClaim?: string;
  /** Issuer role names or entitlement URNs → graph roles; unmapped names are kept as they are. */
  readonly roleMap?: Readonly<Record<string, string>>;
}

/**
 * Most grants a token may carry. Every grant rides in the signed caller header of every
 * subgraph call, and Node refuses request headers above 16 KB: a token with more grants
 * than fit is refused rather than cut, which would deny access without saying why.
 */
export const MAX_TOKEN_GRANTS = 64;
const MAX_SUB_LENGTH = 255;
const MAX_NAME_LENGTH = 200;

/** A claim that is present but that the graph cannot use: the token is refused. */
export class UnusableClaimError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UnusableClaimError';
  }
}

/**
 * The claim at `path`: the whole string first (claim names may contain dots, as URL-named
 * claims do), then the dotted path through nested objects.
 */
export function claimAt(payload: Readonly<Record<string, unknown>>, path: string): unknown {
  if (Object.hasOwn(payload, path)) return payload[path];
  let current: unknown = payload;
  for (const segment of path.split('.')) {
    if (typeof current !== 'object' || current === null || Array.isArray(current) || !Object.hasOwn(current, segment)) return undefined;
    current = (current as Record<string, unknown>)[segment];
  }
  return current;
}

/** Roles from an array of names or a space- or comma-separated string; unknown roles are dropped. */
export function toRoles(value: unknown, roleMap: Readonly<Record<string, string>> = {}): Role[] {
  const names = Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string')
    : typeof value === 'string' ? value.split(/[\s,]+/).filter(Boolean)
      : [];
  const roles = new Set<Role>();
  for (const name of names) {
    const mapped = Object.hasOwn(roleMap, name) ? roleMap[name] : name;
    if (isRole(mapped)) roles.add(mapped);
  }
  return [...roles];
}

/** An instant as ISO 8601, from an ISO string or NumericDate seconds; undefined if neither. */
function toInstant(value: unknown): string | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return new Date(value * 1000).toISOString();
  if (typeof value === 'string' && !Number.isNaN(Date.parse(value))) return new Date(value).toISOString();
  return undefined;
}

/**
 * Grants the token carries itself (development tokens, or an issuer that states them),
 * as `[{ datasetId, expiresAt }]`. Malformed entries are dropped: a grant is only ever a
 * permission, so dropping one can only deny.
 */
export function toGrants(value: unknown): ClaimedGrant[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) throw new UnusableClaimError('The grants claim must be a list.');
  if (value.length > MAX_TOKEN_GRANTS) throw new UnusableClaimError(`The token carries more than ${MAX_TOKEN_GRANTS} grants.`);
  const grants: ClaimedGrant[] = [];
  for (const item of value as unknown[]) {
    if (typeof item !== 'object' || item === null) continue;
    const { datasetId, expiresAt } = item as { datasetId?: unknown; expiresAt?: unknown };
    const instant = toInstant(expiresAt);
    if (typeof datasetId === 'string' && datasetId.length > 0 && instant) grants.push({ datasetId, expiresAt: instant });
  }
  return grants;
}

/** The caller the subgraphs are told about, from a verified token's claims. */
export function toCallerClaims(payload: JWTPayload, mapping: ClaimMapping = {}): CallerClaims {
  const { sub } = payload;
  if (typeof sub !== 'string' || sub.trim().length === 0) throw new UnusableClaimError('The token has no subject (sub).');
  if (sub.length > MAX_SUB_LENGTH) throw new UnusableClaimError('The token subject (sub) is too long.');
  const nameClaim = payload['name'] ?? payload['preferred_username'];
  const name = typeof nameClaim === 'string' ? nameClaim.trim().slice(0, MAX_NAME_LENGTH) : '';
  return {
    sub,
    roles: toRoles(claimAt(payload, mapping.rolesClaim ?? 'roles'), mapping.roleMap),
    grants: toGrants(payload['grants']),
    ...(name.length > 0 && { name }),
  };
}
