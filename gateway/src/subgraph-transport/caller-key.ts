import { createHash } from 'node:crypto';
import type { CallerClaims } from '@cancer-imaging/provider-kit';

/** One digest per claims object: the planner makes several fetches per request with the same caller. */
const digests = new WeakMap<CallerClaims, string>();

/**
 * A stable digest of a verified caller's claims (subject, sorted roles, sorted grants with
 * their expiry), the `callerKey` of the response cache: the same caller gets the same key
 * in every request, whatever order the token listed roles and grants in, and any
 * difference in what the caller may see gives another key. The display name is left
 * out: it grants nothing. A digest, so the cache never stores who the caller is.
 */
export function toCallerKey(caller: CallerClaims): string {
  const known = digests.get(caller);
  if (known !== undefined) return known;
  const canonical = JSON.stringify({
    v: 1,
    sub: caller.sub,
    roles: [...caller.roles].sort(),
    // Each grant as its own JSON text, so sorting cannot mix the fields of two grants.
    grants: caller.grants.map((grant) => JSON.stringify([grant.datasetId, grant.expiresAt])).sort(),
  });
  const digest = createHash('sha256').update(canonical).digest('base64url');
  digests.set(caller, digest);
  return digest;
}
