import { randomUUID } from 'node:crypto';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { redisTestsEnabled, startLocalRedis, type LocalRedis } from '../testing/redis.js';
import { createResponseCachePolicy } from './policy.js';
import { createRedisResponseStore } from './redis-store.js';
import { buildResponseCache, type ResponseCache } from './response-cache.js';
import type { SubgraphFetchDescription } from './types.js';

// A real redis-server (the harness starts one, or uses CI's CIG_TEST_REDIS_URL).
const enabled = redisTestsEnabled();

const silent = pino({ level: 'silent' });
const policy = createResponseCachePolicy({ subgraphs: ['catalogue'] });

const providers = (callerKey?: string): SubgraphFetchDescription => ({
  subgraph: 'catalogue',
  query: '{providers{id name}}',
  variables: undefined,
  operationType: 'query',
  callerKey,
});
const MUTATION: SubgraphFetchDescription = { subgraph: 'catalogue', query: 'mutation{revokeGrant(id:"g1"){id}}', variables: undefined, operationType: 'mutation', callerKey: 'committee' };
const answer = (name: string) => ({ data: { providers: [{ id: 'demo-nl', name }] } });

function redisCache(url: string, namespace: string, ttlMs = 60_000): ResponseCache {
  return buildResponseCache({ store: createRedisResponseStore(url, { namespace }), policy, ttlMs, logger: silent });
}

describe.skipIf(!enabled)('the response cache in a real Redis', () => {
  let redis: LocalRedis;
  beforeAll(async () => {
    redis = await startLocalRedis();
  });
  afterAll(async () => {
    await redis?.stop();
  });

  it('shares answers between two gateways on one Redis, per caller as in memory', async () => {
    const namespace = `cig:test:${randomUUID()}`;
    const [a, b] = [redisCache(redis.url, namespace), redisCache(redis.url, namespace)];
    try {
      expect(await a.lookup(providers())).toBeUndefined();
      await a.offer(providers(), answer('Demo'));
      await a.lookup(providers('caller-a'));
      await a.offer(providers('caller-a'), answer('as seen by a'));
      expect(await b.lookup(providers())).toEqual(answer('Demo'));
      expect(await b.lookup(providers('caller-a'))).toEqual(answer('as seen by a'));
      expect(await b.lookup(providers('caller-b'))).toBeUndefined();
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });

  it('makes one gateway\'s invalidation a miss at the other\'s very next lookup', async () => {
    const namespace = `cig:test:${randomUUID()}`;
    const [a, b] = [redisCache(redis.url, namespace), redisCache(redis.url, namespace)];
    try {
      await a.lookup(providers());
      await a.offer(providers(), answer('before'));
      expect(await b.lookup(providers())).toEqual(answer('before'));
      await a.invalidate(MUTATION);
      // No waiting: the generation is read with the entry on every lookup.
      expect(await b.lookup(providers())).toBeUndefined();
      await b.offer(providers(), answer('after'));
      expect(await a.lookup(providers())).toEqual(answer('after'));
      await b.invalidateAll();
      expect(await a.lookup(providers())).toBeUndefined();
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });

  it('lets Redis expire an answer with its TTL', async () => {
    const cache = redisCache(redis.url, `cig:test:${randomUUID()}`, 100);
    try {
      await cache.lookup(providers());
      await cache.offer(providers(), answer('Demo'));
      expect(await cache.lookup(providers())).toEqual(answer('Demo'));
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(await cache.lookup(providers())).toBeUndefined();
    } finally {
      await cache.close();
    }
  });

  it('misses at once, throwing nothing, when Redis cannot be reached', async () => {
    // Port 9 (discard) has no listener here: every connection is refused.
    const cache = buildResponseCache({
      store: createRedisResponseStore('redis://127.0.0.1:9', { namespace: `cig:test:${randomUUID()}` }),
      policy,
      ttlMs: 60_000,
      logger: silent,
      retryAfterMs: 0,
    });
    try {
      const started = performance.now();
      for (let i = 0; i < 20; i += 1) {
        expect(await cache.lookup(providers())).toBeUndefined();
        await cache.offer(providers(), answer('Demo'));
        await cache.invalidate(MUTATION);
      }
      // 60 calls, each bounded by the 250 ms store timeout; in fact each fails at once.
      expect(performance.now() - started).toBeLessThan(2_000);
    } finally {
      await cache.close();
    }
  });

  it.skipIf(Boolean(process.env['CIG_TEST_REDIS_URL']))('misses at once, without waiting, once its Redis has gone away', async () => {
    const own = await startLocalRedis();
    const cache = buildResponseCache({ store: createRedisResponseStore(own.url, { namespace: 'cig:test' }), policy, ttlMs: 60_000, logger: silent, retryAfterMs: 0 });
    try {
      await cache.lookup(providers());
      await cache.offer(providers(), answer('Demo'));
      expect(await cache.lookup(providers())).toEqual(answer('Demo'));
      await own.stop();
      const started = performance.now();
      expect(await cache.lookup(providers())).toBeUndefined();
      expect(performance.now() - started).toBeLessThan(500);
    } finally {
      await cache.close();
      await own.stop();
    }
  });
});
