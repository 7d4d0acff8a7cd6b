import { signCallerClaims, type CallerClaims } from '@cancer-imaging/provider-kit';

/** Signs a caller once per request; reissues after this, well inside the header's 60 s life. */
const REISSUE_AFTER_MS = 20_000;

export type CallerHeaderSigner = (caller: CallerClaims) => Promise<string>;

/**
 * The value of the x-cig-caller header for a verified caller: the kit's signed internal
 * claims (HS256 with CIG_INTERNAL_SECRET, subgraph audience, 60 s). A query plan calls
 * several subgraphs for one request; they share one signature, keyed by the request's
 * caller object, unless the request outlives REISSUE_AFTER_MS.
 */
export function createCallerHeaderSigner(secret: string, now: () => number = Date.now): CallerHeaderSigner {
  const signed = new WeakMap<CallerClaims, { at: number; token: Promise<string> }>();
  return (caller) => {
    const cached = signed.get(caller);
    const at = now();
    if (cached && at - cached.at < REISSUE_AFTER_MS) return cached.token;
    const token = signCallerClaims(caller, secret, new Date(at));
    signed.set(caller, { at, token });
    // A failed signature is not kept: the next call tries again.
    token.catch(() => signed.delete(caller));
    return token;
  };
}
