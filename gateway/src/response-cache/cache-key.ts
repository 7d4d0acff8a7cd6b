import { createHash } from 'node:crypto';
import type { SubgraphFetchDescription } from './types.js';

/**
 * JSON with object keys sorted at every depth, so `{ first: 20, after: "x" }` and
 * `{ after: "x", first: 20 }` are one key. Array order is kept: it means something.
 * `undefined` members are left out, as JSON.stringify leaves them out.
 */
export function toCanonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, member: unknown) => {
    if (typeof member !== 'object' || member === null || Array.isArray(member)) return member;
    const sorted: Record<string, unknown> = {};
    for (const key of Object.keys(member).sort()) sorted[key] = (member as Record<string, unknown>)[key];
    return sorted;
  }) ?? 'null';
}

/**
 * The key of one fetch's answer for one caller: sha256 over the subgraph, the query text,
 * the variables and the caller. An anonymous caller is `null`, which no caller key (a
 * string) can equal, so anonymous callers share entries and an identified caller's entries
 * are theirs alone. The generation is not in the key but in the entry (see
 * response-cache.ts), so one read fetches the entry and the generation together.
 */
export function buildCacheKey(fetch: SubgraphFetchDescription): string {
  const material = JSON.stringify([fetch.subgraph, fetch.query, toCanonicalJson(fetch.variables ?? {}), fetch.callerKey ?? null]);
  return createHash('sha256').update(material).digest('hex');
}
