import { describe, expect, it } from 'vitest';
import { createMemoryWindowCounter } from './memory-counter.js';
import { createRateLimiter } from './rate-limiter.js';
import type { WindowCounter } from './window-counter.js';

describe('createRateLimiter', () => {
  it('allows the limit per window, then refuses until the window ends, and says when', async () => {
    let now = 60_000 * 20_000_000 + 15_000; // 15 s into a 60 s window (windows are aligned on the clock)
    const limiter = createRateLimiter({ counter: createMemoryWindowCounter(), limit: 3, windowSeconds: 60, now: () => now });
    const decisions = [];
    for (let i = 0; i < 4; i += 1) decisions.push(await limiter.check('sub:alice'));
    expect(decisions.map((d) => d.allowed)).toEqual([true, true, true, false]);
    expect(decisions.map((d) => d.remaining)).toEqual([2, 1, 0, 0]);
    expect(decisions[3]?.resetSeconds).toBe(45);
    // Another caller has its own budget.
    expect((await limiter.check('sub:bob')).allowed).toBe(true);
    now += 45_000;
    expect(await limiter.check('sub:alice')).toMatchObject({ allowed: true, remaining: 2, resetSeconds: 60 });
  });

  it('lets requests through and reports when the store fails or hangs', async () => {
    const failures: unknown[] = [];
    const broken: WindowCounter = { increment: () => Promise.reject(new Error('ECONNREFUSED')), close: async () => undefined };
    const hanging: WindowCounter = { increment: () => new Promise<number>(() => undefined), close: async () => undefined };
    for (const counter of [broken, hanging]) {
      const limiter = createRateLimiter({ counter, limit: 1, windowSeconds: 60, timeoutMs: 50, onStoreFailure: (error) => failures.push(error) });
      expect((await limiter.check('ip:x')).allowed).toBe(true);
    }
    expect(failures.map((error) => (error as Error).message)).toEqual(['ECONNREFUSED', 'The rate-limit store did not answer within 50 ms.']);
  });
});
