import { describe, expect, it } from 'vitest';
import { createInFlightGroup } from './in-flight.js';

describe('in-flight group', () => {
  it('shares a running call with callers of the same key, and forgets it once settled', async () => {
    const group = createInFlightGroup<number>();
    let calls = 0;
    let release: (value: number) => void = () => undefined;
    const call = () => {
      calls += 1;
      return new Promise<number>((resolve) => (release = resolve));
    };
    const first = group.run('k', call);
    const second = group.run('k', call);
    const other = group.run('other', () => Promise.resolve(7));
    expect([first.shared, second.shared, other.shared]).toEqual([false, true, false]);
    release(42);
    expect(await Promise.all([first.result, second.result, other.result])).toEqual([42, 42, 7]);
    expect(group.size).toBe(0);
    const third = group.run('k', call);
    expect(third.shared).toBe(false);
    expect(calls).toBe(2);
    release(1);
    await third.result;
  });

  it('shares a failure too, and then lets the next caller try again', async () => {
    const group = createInFlightGroup<number>();
    const failing = group.run('k', () => Promise.reject(new Error('down')));
    const joined = group.run('k', () => Promise.resolve(1));
    await expect(failing.result).rejects.toThrow('down');
    await expect(joined.result).rejects.toThrow('down');
    expect(await group.run('k', () => Promise.resolve(2)).result).toBe(2);
  });
});
