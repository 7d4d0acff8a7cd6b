import Keyv from 'keyv';
import type { WindowCounter } from './window-counter.js';

/**
 * Window counters in a Keyv over this process's memory. Keyv has get and set but no
 * increment, so increments run one after another (a promise chain): two concurrent
 * requests can never both read 5 and write 6. When a new window starts the store is
 * cleared, since every counter in it belongs to the window that ended: memory stays
 * bounded by the callers of one window.
 */
export function createMemoryWindowCounter(keyv: Keyv<number> = new Keyv<number>()): WindowCounter {
  let currentWindow = Number.NEGATIVE_INFINITY;
  let queue: Promise<unknown> = Promise.resolve();
  return {
    increment(key, windowStartMs, windowMs) {
      const run = async (): Promise<number> => {
        if (windowStartMs > currentWindow) {
          await keyv.clear();
          currentWindow = windowStartMs;
        }
        const entry = `${key}@${windowStartMs}`;
        const count = ((await keyv.get(entry)) ?? 0) + 1;
        await keyv.set(entry, count, windowMs);
        return count;
      };
      const result = queue.then(run);
      queue = result.catch(() => undefined);
      return result;
    },
    async close() {
      await keyv.clear();
    },
  };
}
