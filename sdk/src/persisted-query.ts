/** The `extensions` of an Automatic Persisted Query: the protocol's version 1 and the document's hash. */
export interface PersistedQueryExtension {
  readonly persistedQuery: { readonly version: 1; readonly sha256Hash: string };
}

/** Hashes already computed, by document text; bounded, as a client may run generated texts. */
const hashes = new Map<string, Promise<string>>();
const MAX_CACHED_HASHES = 1_000;

/**
 * SHA-256 of the document's UTF-8 text as lower-case hex: the hash APQ and the graph's
 * persisted-operation manifest key a document by. Web Crypto, so it runs in browsers and
 * Node 20+ alike; undefined where there is none (a browser page outside a secure context).
 */
export function sha256Hex(text: string): Promise<string> | undefined {
  const subtle = globalThis.crypto?.subtle;
  if (!subtle) return undefined;
  let hash = hashes.get(text);
  if (!hash) {
    if (hashes.size >= MAX_CACHED_HASHES) hashes.clear();
    hash = subtle.digest('SHA-256', new TextEncoder().encode(text)).then((digest) =>
      Array.from(new Uint8Array(digest), (byte) => byte.toString(16).padStart(2, '0')).join(''),
    );
    hashes.set(text, hash);
    // A failed digest is not kept, so the next request tries again.
    hash.catch(() => hashes.delete(text));
  }
  return hash;
}

/** The APQ extension for a hash. */
export function persistedQueryExtension(sha256Hash: string): PersistedQueryExtension {
  return { persistedQuery: { version: 1, sha256Hash } };
}

/**
 * Whether the graph refused a hash-only request: `not-found` (it does not know the
 * document: send it with the hash, and it keeps it) or `not-supported` (no APQ at all:
 * send documents in full). Only answers that mention it are parsed.
 */
export function persistedQueryMiss(text: string): 'not-found' | 'not-supported' | undefined {
  if (!text.includes('PERSISTED_QUERY_NOT_')) return undefined;
  let body: { errors?: { extensions?: { code?: unknown } }[] } | null;
  try {
    body = JSON.parse(text) as typeof body;
  } catch {
    return undefined;
  }
  const codes = (body?.errors ?? []).map((error) => error.extensions?.code);
  if (codes.includes('PERSISTED_QUERY_NOT_FOUND')) return 'not-found';
  if (codes.includes('PERSISTED_QUERY_NOT_SUPPORTED')) return 'not-supported';
  return undefined;
}
