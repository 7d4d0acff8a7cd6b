import Keyv from 'keyv';
import { describe, expect, it } from 'vitest';
import { createMemoryWindowCounter } from './memory-counter.js';

describe('createMemoryWindowCounter', () => {
  it('counts per key and window, and loses no increment under concurrency', async () => {
    const counter = createMemoryWindowCounter();
    const counts = await Promise.all(Array.from({ length: 100 }, () => counter.increment('ip:a', 0, 60_000)));
    expect(counts.sort((x, y) => x - y)).toEqual(Array.from({ length: 100 }, (_, i) => i + 1));
    expect(await counter.increment('ip:b', 0, 60_000)).toBe(1);
  });

  it('starts every key afresh in a new window and forgets the old window\'s counters', async () => {
    const keyv = new Keyv<number>();
    const counter = createMemoryWindowCounter(keyv);
    await counter.increment('ip:a', 0, 60_000);
    await counter.increment('ip:b', 0, 60_000);
    expect(await counter.increment('ip:a', 60_000, 60_000)).toBe(1);
    expect(await keyv.get('ip:b@0')).toBeUndefined();
  });
});
