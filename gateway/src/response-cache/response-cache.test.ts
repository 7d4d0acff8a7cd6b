import { pino, type Logger } from 'pino';
import { describe, expect, it, vi } from 'vitest';
import { createMemoryResponseStore } from './memory-store.js';
import { createResponseCachePolicy } from './policy.js';
import { buildResponseCache, createResponseCache, type ResponseCacheOptions } from './response-cache.js';
import type { ResponseStore } from './response-store.js';
import type { SubgraphFetchDescription } from './types.js';

const silent = pino({ level: 'silent' });
const policy = createResponseCachePolicy({ subgraphs: ['catalogue'] });

function providersFetch(callerKey?: string): SubgraphFetchDescription {
  return { subgraph: 'catalogue', query: '{providers{id name}}', variables: undefined, operationType: 'query', callerKey };
}

const MUTATION: SubgraphFetchDescription = {
  subgraph: 'catalogue',
  query: 'mutation($id:ID!){revokeGrant(id:$id){id}}',
  variables: { id: 'g1' },
  operationType: 'mutation',
  callerKey: 'committee',
};

const answer = (name: string) => ({ data: { providers: [{ id: 'demo-nl', name }] } });

function memoryCache(overrides: Partial<ResponseCacheOptions> = {}) {
  return buildResponseCache({ store: createMemoryResponseStore(100), policy, ttlMs: 60_000, logger: silent, ...overrides });
}

/** A lookup, then the answer the subgraph gave: what the data source does on a miss. */
async function fetchThrough(cache: ReturnType<typeof memoryCache>, fetch: SubgraphFetchDescription, response: ReturnType<typeof answer>) {
  expect(await cache.lookup(fetch)).toBeUndefined();
  await cache.offer(fetch, response);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('buildResponseCache over the memory store', () => {
  it('accepts what its policy may keep and nothing else, so the data source asks no more', () => {
    const cache = memoryCache();
    expect(cache.accepts(providersFetch())).toBe(true);
    expect(cache.accepts({ ...providersFetch(), subgraph: 'custom' })).toBe(false);
    expect(cache.accepts({ ...providersFetch(), query: '{ myGrants { datasetId } }' })).toBe(false);
    expect(cache.accepts(MUTATION)).toBe(false);
  });

  it('answers a lookup of the same fetch from what was offered', async () => {
    const cache = memoryCache();
    await fetchThrough(cache, providersFetch(), answer('Demo'));
    expect(await cache.lookup(providersFetch())).toEqual(answer('Demo'));
  });

  it('hands every hit its own copy: one request changing its answer cannot change another\'s', async () => {
    const cache = memoryCache();
    await fetchThrough(cache, providersFetch(), answer('Demo'));
    const first = await cache.lookup(providersFetch());
    (first?.data?.['providers'] as Array<{ name: string }>)[0]!.name = 'changed';
    expect(await cache.lookup(providersFetch())).toEqual(answer('Demo'));
  });

  it('never serves one identified caller\'s answer to another caller, or to an anonymous one', async () => {
    const cache = memoryCache();
    await fetchThrough(cache, providersFetch('caller-a'), answer('as seen by a'));
    expect(await cache.lookup(providersFetch('caller-b'))).toBeUndefined();
    expect(await cache.lookup(providersFetch(undefined))).toBeUndefined();
    expect(await cache.lookup(providersFetch('caller-a'))).toEqual(answer('as seen by a'));
  });

  it('shares an anonymous caller\'s answer with every anonymous caller, and with no identified one', async () => {
    const cache = memoryCache();
    await fetchThrough(cache, providersFetch(undefined), answer('public'));
    expect(await cache.lookup(providersFetch(undefined))).toEqual(answer('public'));
    expect(await cache.lookup(providersFetch('caller-a'))).toBeUndefined();
  });

  it('keeps nothing the policy refuses: a private read, an answer with errors', async () => {
    const cache = memoryCache();
    const grants: SubgraphFetchDescription = { ...providersFetch('caller-a'), query: '{myGrants{id}}' };
    await cache.offer(grants, { data: { myGrants: [{ id: 'g1' }] } });
    expect(await cache.lookup(grants)).toBeUndefined();
    await fetchThrough(cache, providersFetch(), { ...answer('Demo'), errors: [{ message: 'site down' }] } as ReturnType<typeof answer>);
    expect(await cache.lookup(providersFetch())).toBeUndefined();
  });

  it('forgets an answer when its TTL has passed', async () => {
    const cache = memoryCache({ ttlMs: 50 });
    await fetchThrough(cache, providersFetch(), answer('Demo'));
    expect(await cache.lookup(providersFetch())).toEqual(answer('Demo'));
    await sleep(150);
    expect(await cache.lookup(providersFetch())).toBeUndefined();
  });

  it('forgets every answer, for every caller, at once after a mutation', async () => {
    const cache = memoryCache();
    await fetchThrough(cache, providersFetch(), answer('before'));
    await fetchThrough(cache, providersFetch('caller-a'), answer('before'));
    await cache.invalidate(MUTATION);
    expect(await cache.lookup(providersFetch())).toBeUndefined();
    expect(await cache.lookup(providersFetch('caller-a'))).toBeUndefined();
    // And keeps what comes after it.
    await cache.offer(providersFetch(), answer('after'));
    expect(await cache.lookup(providersFetch())).toEqual(answer('after'));
  });

  it('never serves an answer that was on its way while a mutation ran', async () => {
    const cache = memoryCache();
    const fetch = providersFetch();
    expect(await cache.lookup(fetch)).toBeUndefined();
    await cache.invalidate(MUTATION);
    // The subgraph answered before the mutation took effect; the data source offers it after.
    await cache.offer(fetch, answer('before the mutation'));
    expect(await cache.lookup(providersFetch())).toBeUndefined();
  });

  it('forgets everything on invalidateAll (a supergraph reload)', async () => {
    const cache = memoryCache();
    await fetchThrough(cache, providersFetch(), answer('old supergraph'));
    await cache.invalidateAll();
    expect(await cache.lookup(providersFetch())).toBeUndefined();
  });

  it('holds no more answers than the memory store\'s bound', async () => {
    const cache = buildResponseCache({ store: createMemoryResponseStore(2), policy, ttlMs: 60_000, logger: silent });
    for (const caller of ['a', 'b', 'c']) await fetchThrough(cache, providersFetch(caller), answer(caller));
    expect(await cache.lookup(providersFetch('a'))).toBeUndefined();
    expect(await cache.lookup(providersFetch('b'))).toEqual(answer('b'));
    expect(await cache.lookup(providersFetch('c'))).toEqual(answer('c'));
  });

  it('does not keep an answer bigger than maxEntryChars', async () => {
    const cache = memoryCache({ maxEntryChars: 100 });
    await fetchThrough(cache, providersFetch(), answer('x'.repeat(200)));
    expect(await cache.lookup(providersFetch())).toBeUndefined();
  });
});

/** A store whose every call fails, or never answers; counts the calls it gets. */
function brokenStore(mode: 'reject' | 'hang') {
  const calls = { count: 0 };
  const fail = async (): Promise<never> => {
    calls.count += 1;
    if (mode === 'reject') throw new Error('ECONNREFUSED');
    return new Promise<never>(() => undefined);
  };
  const store: ResponseStore = { kind: 'redis', read: fail, generation: fail, write: fail, increment: fail, close: async () => undefined };
  return { store, calls };
}

function stubLogger() {
  const logger = { warn: vi.fn(), info: vi.fn(), error: vi.fn() };
  return { logger, asLogger: logger as unknown as Logger };
}

describe('buildResponseCache when the store fails', () => {
  it('makes every lookup a miss and never throws, logging the failures once per interval', async () => {
    const { store } = brokenStore('reject');
    const { logger, asLogger } = stubLogger();
    const cache = buildResponseCache({ store, policy, ttlMs: 60_000, logger: asLogger, retryAfterMs: 0 });
    for (let i = 0; i < 5; i += 1) {
      expect(await cache.lookup(providersFetch())).toBeUndefined();
      await cache.offer(providersFetch(), answer('Demo'));
      await cache.invalidate(MUTATION);
    }
    expect(logger.warn).toHaveBeenCalledTimes(1);
    expect(logger.error).not.toHaveBeenCalled();
  });

  it('gives up on a store that does not answer within the timeout, then leaves it alone for a while', async () => {
    const { store, calls } = brokenStore('hang');
    const cache = buildResponseCache({ store, policy, ttlMs: 60_000, logger: silent, storeTimeoutMs: 50, retryAfterMs: 60_000 });
    const started = performance.now();
    expect(await cache.lookup(providersFetch())).toBeUndefined();
    expect(performance.now() - started).toBeLessThan(1_000);
    expect(calls.count).toBe(1);
    // Paused: these cost no wait and no call.
    const again = performance.now();
    expect(await cache.lookup(providersFetch())).toBeUndefined();
    await cache.offer(providersFetch(), answer('Demo'));
    expect(performance.now() - again).toBeLessThan(50);
    expect(calls.count).toBe(1);
  });

  it('retries an invalidation that failed before it answers another lookup, and keeps nothing meanwhile', async () => {
    const memory = createMemoryResponseStore(100);
    let incrementFails = false;
    const writes = { count: 0 };
    const store: ResponseStore = {
      ...memory,
      write: (...args) => {
        writes.count += 1;
        return memory.write(...args);
      },
      increment: () => (incrementFails ? Promise.reject(new Error('connection reset')) : memory.increment()),
    };
    const cache = buildResponseCache({ store, policy, ttlMs: 60_000, logger: silent, retryAfterMs: 0 });
    await fetchThrough(cache, providersFetch(), answer('before'));
    incrementFails = true;
    await cache.invalidate(MUTATION);
    await cache.offer(providersFetch(), answer('while owed'));
    expect(writes.count).toBe(1);
    incrementFails = false;
    // Without the retry this would be a hit on "before".
    expect(await cache.lookup(providersFetch())).toBeUndefined();
  });
});

describe('createResponseCache', () => {
  const config = { ttlMs: 30_000, subgraphs: ['catalogue'], maxEntries: 10 };

  it('is off (undefined) with a TTL of 0 or no subgraph', () => {
    expect(createResponseCache({ ...config, ttlMs: 0 }, silent)).toBeUndefined();
    expect(createResponseCache({ ...config, subgraphs: [] }, silent)).toBeUndefined();
  });

  it('caches catalogue reads in memory without CIG_REDIS_URL', async () => {
    const cache = createResponseCache(config, silent);
    expect(cache).toBeDefined();
    await fetchThrough(cache!, providersFetch(), answer('Demo'));
    expect(await cache!.lookup(providersFetch())).toEqual(answer('Demo'));
    await cache!.close();
  });
});
