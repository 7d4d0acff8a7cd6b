import type { PersistedQueryOptions } from '@apollo/server';
import type { PersistedOperations } from './persisted-operations.js';

/** The cache Apollo Server's APQ reads and registers documents in. */
export type PersistedQueryCache = NonNullable<PersistedQueryOptions['cache']>;

/**
 * Apollo Server wraps the APQ cache in a PrefixingKeyValueCache with this prefix
 * (APQ_CACHE_PREFIX of its request pipeline, not exported). The persisted operations are
 * looked up by the hash after it; e2e/persisted-operations proves a hash-only request of
 * the SDK is answered at the first request, so a change of prefix fails there.
 */
const APOLLO_APQ_PREFIX = 'apq:';

export interface PersistedQueryCacheOptions {
  /** Always answered, never evicted: the manifest the cache is seeded with. */
  readonly operations: PersistedOperations;
  /** Upper bound of what registered documents hold in memory (keys and texts as UTF-16). */
  readonly maxBytes: number;
}

export interface SeededPersistedQueryCache extends PersistedQueryCache {
  /** Registered documents held now, and their size as counted against `maxBytes`. */
  stats(): { readonly registered: number; readonly bytes: number };
}

/**
 * APQ's cache, seeded with the persisted operations so a client may send their hash alone
 * from the very first request, on every process, after every restart: nothing to
 * register, nothing shared between workers. Other documents clients register (open
 * mode) go into a least-recently-used map bounded in bytes, so registrations cannot grow
 * the gateway's memory without limit; an evicted one is answered PERSISTED_QUERY_NOT_FOUND
 * and its client registers it again. TTLs are ignored: a document never goes stale.
 */
export function createPersistedQueryCache(options: PersistedQueryCacheOptions): SeededPersistedQueryCache {
  const { operations, maxBytes } = options;
  const registered = new Map<string, string>();
  let bytes = 0;
  const sizeOf = (key: string, value: string) => 2 * (key.length + value.length);
  const hashOf = (key: string) => (key.startsWith(APOLLO_APQ_PREFIX) ? key.slice(APOLLO_APQ_PREFIX.length) : key);

  function remove(key: string): boolean {
    const value = registered.get(key);
    if (value === undefined) return false;
    registered.delete(key);
    bytes -= sizeOf(key, value);
    return true;
  }

  return {
    async get(key) {
      const persisted = operations.get(hashOf(key));
      if (persisted !== undefined) return persisted;
      const value = registered.get(key);
      if (value === undefined) return undefined;
      // Map keeps insertion order: moving the entry to the end makes it the most recent.
      registered.delete(key);
      registered.set(key, value);
      return value;
    },
    async set(key, value) {
      if (operations.has(hashOf(key))) return;
      remove(key);
      const size = sizeOf(key, value);
      if (size > maxBytes) return;
      registered.set(key, value);
      bytes += size;
      for (const oldest of registered.keys()) {
        if (bytes <= maxBytes) break;
        remove(oldest);
      }
    },
    async delete(key) {
      return remove(key);
    },
    stats: () => ({ registered: registered.size, bytes }),
  };
}
