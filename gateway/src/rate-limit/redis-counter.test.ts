import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { redisTestsEnabled, startLocalRedis, type LocalRedis } from '../testing/redis.js';
import { createRateLimiter } from './rate-limiter.js';
import { createRedisWindowCounter } from './redis-counter.js';

// A real redis-server (the harness starts one, or uses CI's CIG_TEST_REDIS_URL).
const enabled = redisTestsEnabled();

describe.skipIf(!enabled)('createRedisWindowCounter against a real Redis', () => {
  let redis: LocalRedis;
  beforeAll(async () => {
    redis = await startLocalRedis();
  });
  afterAll(async () => {
    await redis?.stop();
  });

  it('counts atomically across two gateways\' connections: no increment lost', async () => {
    const namespace = `cig:test:${randomUUID()}`;
    const a = createRedisWindowCounter(redis.url, { namespace });
    const b = createRedisWindowCounter(redis.url, { namespace });
    try {
      const counts = await Promise.all(Array.from({ length: 200 }, (_, i) => (i % 2 === 0 ? a : b).increment('ip:1.2.3.4', 0, 60_000)));
      expect(counts.sort((x, y) => x - y)).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });

  it('lets a window\'s counter expire with the window', async () => {
    const counter = createRedisWindowCounter(redis.url, { namespace: `cig:test:${randomUUID()}` });
    try {
      expect(await counter.increment('sub:alice', 0, 200)).toBe(1);
      expect(await counter.increment('sub:alice', 0, 200)).toBe(2);
      await new Promise((resolve) => setTimeout(resolve, 400));
      expect(await counter.increment('sub:alice', 0, 200)).toBe(1);
    } finally {
      await counter.close();
    }
  });

  it('lets requests through when Redis cannot be reached', async () => {
    const counter = createRedisWindowCounter('redis://127.0.0.1:9', { connectTimeoutMs: 200 });
    const failures: unknown[] = [];
    const limiter = createRateLimiter({ counter, limit: 1, windowSeconds: 60, timeoutMs: 1_000, onStoreFailure: (error) => failures.push(error) });
    try {
      expect((await limiter.check('ip:x')).allowed).toBe(true);
      expect((await limiter.check('ip:x')).allowed).toBe(true);
      expect(failures.length).toBe(2);
    } finally {
      await counter.close().catch(() => undefined);
    }
  });
});
