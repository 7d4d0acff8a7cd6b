import { describe, expect, it } from 'vitest';
import { createPersistedQueryCache } from './persisted-query-cache.js';

const hash = (n: number) => n.toString(16).padStart(64, '0');
const persisted = new Map([[hash(1), '{ providers { id } }']]);

describe('the APQ cache', () => {
  it('answers a persisted operation\'s hash from the start, under Apollo Server\'s key prefix or without', async () => {
    const cache = createPersistedQueryCache({ operations: persisted, maxBytes: 1_000 });
    expect(await cache.get(`apq:${hash(1)}`)).toBe('{ providers { id } }');
    expect(await cache.get(hash(1))).toBe('{ providers { id } }');
    expect(await cache.get(`apq:${hash(2)}`)).toBeUndefined();
  });

  it('keeps registered documents, never a second copy of a persisted one, and never lets delete drop a persisted one', async () => {
    const cache = createPersistedQueryCache({ operations: persisted, maxBytes: 1_000 });
    await cache.set(`apq:${hash(2)}`, '{ a }');
    await cache.set(`apq:${hash(1)}`, '{ providers { id } }');
    expect(await cache.get(`apq:${hash(2)}`)).toBe('{ a }');
    expect(cache.stats().registered).toBe(1);
    await cache.delete(`apq:${hash(1)}`);
    expect(await cache.get(`apq:${hash(1)}`)).toBe('{ providers { id } }');
  });

  it('evicts the least recently used registrations to stay within maxBytes, and refuses one larger than the bound', async () => {
    // Each entry: (4 + 64 + 10 characters) × 2 bytes = 156 bytes; three fit in 500.
    const cache = createPersistedQueryCache({ operations: new Map(), maxBytes: 500 });
    const key = (n: number) => `apq:${hash(n)}`;
    for (const n of [1, 2, 3]) await cache.set(key(n), `{ doc${n}    }`.slice(0, 10));
    await cache.get(key(1)); // 1 is now the most recent: 2 is the oldest
    await cache.set(key(4), '{ doc4 }  ');
    expect(await cache.get(key(2))).toBeUndefined();
    expect(await Promise.all([1, 3, 4].map((n) => cache.get(key(n))))).toEqual(['{ doc1    ', '{ doc3    ', '{ doc4 }  ']);
    expect(cache.stats()).toEqual({ registered: 3, bytes: 468 });
    await cache.set(key(5), 'x'.repeat(400));
    expect(await cache.get(key(5))).toBeUndefined();
    expect(cache.stats().registered).toBe(3);
  });
});
