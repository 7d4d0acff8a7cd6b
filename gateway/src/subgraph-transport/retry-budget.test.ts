import { describe, expect, it } from 'vitest';
import { createRetryBudget, retryDelayMs } from './retry-budget.js';

describe('retry budget', () => {
  it('starts with one second\'s floor and refills it with time, never past its capacity', () => {
    let now = 0;
    const budget = createRetryBudget({ ratio: 0, minPerSecond: 3, capacity: 5, now: () => now });
    expect([1, 2, 3, 4].map(() => budget.tryWithdraw())).toEqual([true, true, true, false]);
    now += 1_000;
    expect([1, 2, 3, 4].map(() => budget.tryWithdraw())).toEqual([true, true, true, false]);
    now += 60_000;
    expect(Array.from({ length: 6 }, () => budget.tryWithdraw())).toEqual([true, true, true, true, true, false]);
  });

  it('earns `ratio` of a retry per request: with no floor, 100 requests allow 10 retries', () => {
    const budget = createRetryBudget({ ratio: 0.1, minPerSecond: 0, capacity: 100, now: () => 0 });
    expect(budget.tryWithdraw()).toBe(false);
    // 0.1 added 100 times is a hair under 10 in floating point: 9 whole retries, at most 10.
    for (let request = 0; request < 100; request += 1) budget.deposit();
    let retries = 0;
    while (budget.tryWithdraw()) retries += 1;
    expect(retries).toBeGreaterThanOrEqual(9);
    expect(retries).toBeLessThanOrEqual(10);
  });

  it('backs off 10-20 ms before the first retry, doubling to at most 200 ms', () => {
    expect(retryDelayMs(1, () => 0)).toBe(10);
    expect(retryDelayMs(1, () => 1)).toBe(20);
    expect(retryDelayMs(2, () => 0)).toBe(20);
    expect(retryDelayMs(10, () => 1)).toBe(200);
  });
});
