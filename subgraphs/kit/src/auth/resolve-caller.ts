import { pino, type Logger } from 'pino';
import { ANONYMOUS, type Caller, type Grant } from '../privacy/access-policy.js';
import type { GraphStore } from '../store/types.js';
import { CALLER_HEADER, internalSecretKey, verifyCallerClaims, type CallerClaims } from './internal-claims.js';

/** How long one caller's stored grants are reused: a request's fan-out does one lookup. */
export const DEFAULT_GRANT_CACHE_MS = 5_000;
/** Callers whose grants are remembered at once; the oldest entry goes first beyond it. */
const MAX_CACHED_CALLERS = 10_000;

export interface CallerResolverOptions {
  /** The secret the gateway signs the caller header with (CIG_INTERNAL_SECRET), at least 32 characters. */
  readonly secret: string;
  /**
   * Where grants from approved access requests live. Without one only the grants the token
   * itself claims count.
   */
  readonly store?: Pick<GraphStore, 'activeGrants'>;
  /**
   * How long a caller's stored grants are reused, in ms (default 5000; 0 looks them up on
   * every request). A revoked grant keeps working for at most this long.
   */
  readonly grantCacheMs?: number;
  /** Where a failed grant lookup is reported. Default: silent. */
  readonly logger?: Logger;
  /** The clock (tests move it). Default: the system clock. */
  readonly now?: () => Date;
}

/** Anything headers can be read from: Apollo's HeaderMap, a Map, a Headers object. */
export interface HeaderSource {
  get(name: string): string | null | undefined;
}

export type CallerResolver = (headers: HeaderSource) => Promise<Caller>;

function toGrant(datasetId: string, expiresAt: Date): Grant {
  return { datasetId, expiresAt };
}

/**
 * Resolves the caller of a subgraph request from the gateway's signed `x-cig-caller` header.
 * A missing, forged, expired or misaddressed header makes the caller anonymous, never an
 * error: a direct call to a subgraph learns nothing but "no access". A verified caller holds
 * the grants its token claims plus the unexpired, unrevoked grants the store holds for it.
 * Expired grants are kept as they are: the access policy compares them with the request's
 * clock, so an expired grant is refused there (FORBIDDEN), not silently dropped here.
 */
export function createCallerResolver(options: CallerResolverOptions): CallerResolver {
  // Checked now, so a short secret stops the process at start instead of failing every request.
  internalSecretKey(options.secret);
  const cacheMs = options.grantCacheMs ?? DEFAULT_GRANT_CACHE_MS;
  const logger = options.logger ?? pino({ level: 'silent' });
  const now = options.now ?? (() => new Date());
  const store = options.store;
  // Promises, not values: concurrent requests of one caller share the lookup in flight.
  const cache = new Map<string, { readonly until: number; readonly grants: Promise<readonly Grant[]> }>();

  const storedGrants = (sub: string, at: Date): Promise<readonly Grant[]> => {
    if (!store) return Promise.resolve([]);
    const cached = cache.get(sub);
    if (cached && cached.until > at.getTime()) return cached.grants;
    const grants = store.activeGrants(sub, at).then(
      (records) => records.map((record) => toGrant(record.datasetId, record.expiresAt)),
      (error: unknown) => {
        // Fail towards less access: the caller keeps the token's grants, the next request retries.
        if (cache.get(sub)?.grants === grants) cache.delete(sub);
        logger.warn({ err: error }, 'grant lookup failed; only the grants the token claims apply');
        return [];
      },
    );
    if (cacheMs > 0) {
      cache.delete(sub);
      if (cache.size >= MAX_CACHED_CALLERS) cache.delete(cache.keys().next().value!);
      cache.set(sub, { until: at.getTime() + cacheMs, grants });
    }
    return grants;
  };

  const toCaller = (claims: CallerClaims, stored: readonly Grant[]): Caller => ({
    id: claims.sub,
    roles: claims.roles,
    grants: [...claims.grants.map((grant) => toGrant(grant.datasetId, new Date(grant.expiresAt))), ...stored],
    ...(claims.name !== undefined && { name: claims.name }),
  });

  return async (headers) => {
    const at = now();
    const claims = await verifyCallerClaims(headers.get(CALLER_HEADER) ?? undefined, options.secret, at);
    if (!claims) return ANONYMOUS;
    return toCaller(claims, await storedGrants(claims.sub, at));
  };
}
