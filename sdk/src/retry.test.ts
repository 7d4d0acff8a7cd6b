import { describe, expect, it } from 'vitest';
import { parseRetryAfter, resolveRetryPolicy, retryDelay, sleep } from './retry.js';

const NOW = Date.parse('2026-11-27T10:00:00Z');

describe('parseRetryAfter', () => {
  it('reads delay-seconds', () => {
    expect(parseRetryAfter('0', NOW)).toBe(0);
    expect(parseRetryAfter(' 7 ', NOW)).toBe(7_000);
  });

  it('reads an HTTP-date in each form HTTP allows, as the time left until it', () => {
    expect(parseRetryAfter('Fri, 27 Nov 2026 10:00:05 GMT', NOW)).toBe(5_000);
    expect(parseRetryAfter('Friday, 27-Nov-26 10:00:30 GMT', NOW)).toBe(30_000);
    expect(parseRetryAfter('Fri Nov 27 10:01:00 2026', NOW)).toBe(60_000);
  });

  it('treats a date in the past as no wait, and junk or absence as no header', () => {
    expect(parseRetryAfter('Thu, 26 Nov 2026 10:00:00 GMT', NOW)).toBe(0);
    expect(parseRetryAfter(null, NOW)).toBeUndefined();
    expect(parseRetryAfter('1.5', NOW)).toBeUndefined();
    expect(parseRetryAfter('-3', NOW)).toBeUndefined();
    expect(parseRetryAfter('soon', NOW)).toBeUndefined();
  });
});

describe('retryDelay', () => {
  const policy = (random: number) => resolveRetryPolicy({ maxAttempts: 5, baseDelayMs: 100, maxDelayMs: 1_000, random: () => random });

  it('backs off exponentially with equal jitter when the server names no time', () => {
    expect([1, 2, 3, 4].map((attempt) => retryDelay(policy(0), attempt, undefined))).toEqual([50, 100, 200, 400]);
    expect([1, 2, 3, 4].map((attempt) => retryDelay(policy(0.999_999), attempt, undefined)!.toFixed(0))).toEqual(['100', '200', '400', '800']);
  });

  it('never waits longer than maxDelayMs', () => {
    const long = resolveRetryPolicy({ maxAttempts: 20, baseDelayMs: 100, maxDelayMs: 1_000, random: () => 0.999 });
    expect(retryDelay(long, 15, undefined)).toBeLessThanOrEqual(1_000);
  });

  it('waits at least the Retry-After, plus jitter below one base step and within the maximum', () => {
    expect(retryDelay(policy(0), 1, 300)).toBe(300);
    expect(retryDelay(policy(0.5), 1, 300)).toBe(350);
    expect(retryDelay(policy(0.999), 1, 950)).toBeLessThanOrEqual(1_000);
    expect(retryDelay(policy(0.999), 1, 950)).toBeGreaterThanOrEqual(950);
  });

  it('stops at maxAttempts, and at once when the server asks for longer than maxDelayMs', () => {
    expect(retryDelay(policy(0), 5, undefined)).toBeUndefined();
    expect(retryDelay(policy(0), 1, 1_001)).toBeUndefined();
  });

  it('turns retries off with retry: false', () => {
    expect(retryDelay(resolveRetryPolicy(false), 1, undefined)).toBeUndefined();
  });

  it('refuses a policy that could not be bounded', () => {
    expect(() => resolveRetryPolicy({ maxAttempts: 0 })).toThrow(RangeError);
    expect(() => resolveRetryPolicy({ maxDelayMs: -1 })).toThrow(RangeError);
  });
});

describe('sleep', () => {
  it('waits, and rejects with the reason when aborted first', async () => {
    const started = Date.now();
    await sleep(20);
    expect(Date.now() - started).toBeGreaterThanOrEqual(15);
    const controller = new AbortController();
    const waiting = sleep(10_000, controller.signal);
    controller.abort(new Error('stop'));
    await expect(waiting).rejects.toThrow('stop');
  });
});
