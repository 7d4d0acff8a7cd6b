import { createHmac } from 'node:crypto';

/**
 * Graph ids are opaque and stable: `<siteId>:<kind>:<localId>`. Local ids may contain ':'
 * (everything after the second colon is the local id); site ids and kinds may not.
 */
export interface GraphId {
  readonly siteId: string;
  readonly kind: string;
  readonly localId: string;
}

export function toGraphId(siteId: string, kind: string, localId: string): string {
  return `${siteId}:${kind}:${localId}`;
}

export function parseGraphId(id: string): GraphId | undefined {
  const first = id.indexOf(':');
  const second = first < 0 ? -1 : id.indexOf(':', first + 1);
  if (first <= 0 || second <= first + 1 || second === id.length - 1) return undefined;
  return { siteId: id.slice(0, first), kind: id.slice(first + 1, second), localId: id.slice(second + 1) };
}

/**
 * The keyed pseudonym of a subject: HMAC-SHA256 over site and native patient id with the
 * deployment secret, so the same patient keeps one pseudonym per site and deployment and
 * nobody without the secret can link it back.
 */
export function pseudonymise(secret: string, siteId: string, nativePatientId: string): string {
  return createHmac('sha256', secret).update(`${siteId}\u0000${nativePatientId}`).digest('base64url').slice(0, 22);
}
