import type { Logger } from 'pino';
import type { ResponseCacheConfig } from '../config.js';
import { buildCacheKey } from './cache-key.js';
import { createMemoryResponseStore } from './memory-store.js';
import { createResponseCachePolicy, type ResponseCachePolicy } from './policy.js';
import { createRedisResponseStore } from './redis-store.js';
import type { ResponseStore } from './response-store.js';
import type { SubgraphFetchDescription, SubgraphResponseBody, SubgraphResponseCache } from './types.js';

export interface ResponseCache extends SubgraphResponseCache {
  /**
   * Forgets every kept answer, in every gateway sharing the store. For a supergraph reload:
   * the planner then writes other subgraph queries, and the subgraphs may answer otherwise.
   * Never throws.
   */
  invalidateAll(): Promise<void>;
}

export interface ResponseCacheOptions {
  readonly store: ResponseStore;
  readonly policy: ResponseCachePolicy;
  /** How long a kept answer is served. */
  readonly ttlMs: number;
  readonly logger: Logger;
  /** Most time one store call may take; after it the fetch goes to the subgraph. @default 250 */
  readonly storeTimeoutMs?: number;
  /** After a store failure, how long every lookup is a miss without asking the store. @default 1000 */
  readonly retryAfterMs?: number;
  /** Store failures are logged at most once per this interval (with a count of the others). @default 60000 */
  readonly logIntervalMs?: number;
  /** Largest answer kept, in characters of JSON; bigger ones are not worth a store's memory. @default 1000000 */
  readonly maxEntryChars?: number;
  /** Injected for tests. @default Date.now */
  readonly now?: () => number;
}

/** What a lookup saw, for the offer of the answer that follows it. */
interface LookupMark {
  readonly key: string;
  readonly generation: number;
}

/** An entry as kept: the answer's data and the generation that was current when its fetch was looked up. */
interface KeptEntry {
  readonly generation: number;
  readonly data: Record<string, unknown>;
}

class StoreTimeout extends Error {
  constructor(ms: number) {
    super(`The response cache store did not answer within ${ms} ms.`);
    this.name = 'StoreTimeout';
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new StoreTimeout(ms)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

function toKeptEntry(text: string | undefined): KeptEntry | undefined {
  if (text === undefined) return undefined;
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value !== 'object' || value === null) return undefined;
    const { generation, data } = value as Record<string, unknown>;
    if (typeof generation !== 'number' || typeof data !== 'object' || data === null || Array.isArray(data)) return undefined;
    return { generation, data: data as Record<string, unknown> };
  } catch {
    return undefined;
  }
}

/**
 * The response cache over a store and a policy.
 *
 * Invalidation is a generation counter in the store. An entry carries the generation that
 * was current when its fetch was looked up, and a lookup reads the current generation with
 * the entry (one MGET in Redis): an entry of an older generation is a miss. So every
 * gateway sharing the store sees an invalidation at its next lookup, and an answer that was
 * on its way while a mutation ran is kept under the old generation, that is, never served.
 *
 * The store is never trusted to be up: every call is bounded by `storeTimeoutMs`, a failure
 * makes the next `retryAfterMs` of lookups misses without asking, and nothing throws. An
 * invalidation that could not be written is retried before the next lookup is answered,
 * and nothing is kept meanwhile.
 */
export function buildResponseCache(options: ResponseCacheOptions): ResponseCache {
  const { store, policy, ttlMs, logger } = options;
  const storeTimeoutMs = options.storeTimeoutMs ?? 250;
  const retryAfterMs = options.retryAfterMs ?? 1_000;
  const logIntervalMs = options.logIntervalMs ?? 60_000;
  const maxEntryChars = options.maxEntryChars ?? 1_000_000;
  const now = options.now ?? Date.now;

  // The data source hands the same fetch object to lookup and then to offer.
  const marks = new WeakMap<SubgraphFetchDescription, LookupMark>();
  let pausedUntil = Number.NEGATIVE_INFINITY;
  let failing = false;
  let lastLoggedAt = Number.NEGATIVE_INFINITY;
  let unlogged = 0;
  // Invalidations are numbered; a failed one stays owed until one started after it succeeds.
  let invalidations = 0;
  let owedInvalidation = 0;

  const failed = (operation: string, error: unknown) => {
    failing = true;
    pausedUntil = now() + retryAfterMs;
    if (now() - lastLoggedAt < logIntervalMs) {
      unlogged += 1;
      return;
    }
    logger.warn({ err: error, operation, store: store.kind, unloggedFailures: unlogged }, 'response cache store failed: fetches go to the subgraphs until it answers');
    lastLoggedAt = now();
    unlogged = 0;
  };

  /** Runs one store operation within the bounds; undefined when the store is paused, slow or broken. */
  const guarded = async <T>(operation: string, run: () => Promise<T>): Promise<T | undefined> => {
    if (now() < pausedUntil) return undefined;
    try {
      const result = await withTimeout(run(), storeTimeoutMs);
      if (failing) {
        failing = false;
        logger.info({ store: store.kind }, 'response cache store answers again');
      }
      return result;
    } catch (error) {
      failed(operation, error);
      return undefined;
    }
  };

  const bumpGeneration = async (operation: string): Promise<boolean> => {
    invalidations += 1;
    const ticket = invalidations;
    const done = await guarded(operation, async () => {
      await store.increment();
      return true;
    });
    if (done) {
      if (ticket >= owedInvalidation) owedInvalidation = 0;
      return true;
    }
    owedInvalidation = Math.max(owedInvalidation, ticket);
    return false;
  };

  return {
    accepts(fetch) {
      try {
        return policy.isCacheable(fetch);
      } catch (error) {
        logger.error({ err: error }, 'response cache policy failed');
        return false;
      }
    },

    async lookup(fetch) {
      try {
        if (!policy.isCacheable(fetch)) return undefined;
        if (owedInvalidation > 0 && !(await bumpGeneration('invalidate (retry)'))) return undefined;
        const key = buildCacheKey(fetch);
        const read = await guarded('lookup', () => store.read(key));
        if (read === undefined) return undefined;
        marks.set(fetch, { key, generation: read.generation });
        const entry = toKeptEntry(read.entry);
        if (entry === undefined || entry.generation !== read.generation) return undefined;
        return { data: entry.data };
      } catch (error) {
        // Only a bug can land here (the store calls are guarded): still a miss, never a failed request.
        logger.error({ err: error }, 'response cache lookup failed');
        return undefined;
      }
    },

    async offer(fetch: SubgraphFetchDescription, response: SubgraphResponseBody) {
      try {
        const data = response.data;
        if (owedInvalidation > 0 || !data || !policy.isKeepable(fetch, response)) return;
        const mark = marks.get(fetch);
        marks.delete(fetch);
        // Without a lookup before it (not how the data source works) the generation is read now.
        const generation = mark?.generation ?? (await guarded('offer', () => store.generation()));
        if (generation === undefined) return;
        const text = JSON.stringify({ generation, data } satisfies KeptEntry);
        if (text.length > maxEntryChars) return;
        await guarded('offer', () => store.write(mark?.key ?? buildCacheKey(fetch), text, ttlMs));
      } catch (error) {
        logger.error({ err: error }, 'response cache offer failed');
      }
    },

    async invalidate() {
      // Any mutation, to any subgraph, forgets everything: mutations are rare, and working out
      // what one could change (a grant changes what its grantee may see) is not worth the risk.
      await bumpGeneration('invalidate');
    },

    async invalidateAll() {
      await bumpGeneration('invalidate all');
    },

    async close() {
      try {
        await withTimeout(store.close(), 2_000);
      } catch (error) {
        logger.warn({ err: error, store: store.kind }, 'response cache store did not close cleanly');
      }
    },
  };
}

/**
 * The gateway's response cache from its configuration: undefined when it is off (a TTL of
 * 0 or no subgraph named), in Redis when CIG_REDIS_URL is set, else in this process's memory.
 */
export function createResponseCache(config: ResponseCacheConfig, logger: Logger): ResponseCache | undefined {
  if (config.ttlMs <= 0 || config.subgraphs.length === 0) return undefined;
  const store = config.redisUrl ? createRedisResponseStore(config.redisUrl) : createMemoryResponseStore(config.maxEntries);
  const cache = buildResponseCache({
    store,
    policy: createResponseCachePolicy({ subgraphs: config.subgraphs }),
    ttlMs: config.ttlMs,
    logger,
  });
  logger.info({ store: store.kind, ttlMs: config.ttlMs, subgraphs: config.subgraphs }, 'response cache on');
  return cache;
}
