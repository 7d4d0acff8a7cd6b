import { describe, expect, it } from 'vitest';
import { createRestartBackoff } from './restart-backoff.js';

describe('createRestartBackoff', () => {
  it('doubles the delay while workers keep dying soon after they start, up to the maximum', () => {
    const backoff = createRestartBackoff({ baseMs: 100, maxMs: 1_000, stableMs: 10_000 });
    expect([1, 2, 3, 4, 5, 6].map(() => backoff.delayAfter(50))).toEqual([100, 200, 400, 800, 1_000, 1_000]);
  });

  it('starts again from the base delay once a worker has run for the stable time', () => {
    const backoff = createRestartBackoff({ baseMs: 100, maxMs: 1_000, stableMs: 10_000 });
    backoff.delayAfter(50);
    backoff.delayAfter(50);
    expect(backoff.delayAfter(10_000)).toBe(100);
    expect(backoff.delayAfter(50)).toBe(200);
  });

  it('stays bounded after very many deaths', () => {
    const backoff = createRestartBackoff();
    let delay = 0;
    for (let i = 0; i < 2_000; i += 1) delay = backoff.delayAfter(0);
    expect(delay).toBe(30_000);
  });
});
