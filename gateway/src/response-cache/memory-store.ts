import Keyv from 'keyv';
import { LruMap } from './lru-map.js';
import type { ResponseStore } from './response-store.js';

/**
 * Kept answers in this process's memory: a Keyv over a bounded LRU map, so memory stays
 * below `maxEntries` answers however many distinct queries and callers come. Keyv handles
 * each entry's TTL. Entries are stored as text without Keyv's serializer (the cache already
 * wrote JSON), and parsed afresh on every hit, so no two requests ever share one object.
 * The generation is a number of this process: nothing else can see this store.
 */
export function createMemoryResponseStore(maxEntries: number): ResponseStore {
  const keyv = new Keyv<string>({ store: new LruMap<string, unknown>(maxEntries), namespace: 'cig:response-cache', serialize: undefined, deserialize: undefined });
  let generation = 0;
  return {
    kind: 'memory',
    async read(key) {
      const current = generation;
      return { generation: current, entry: await keyv.get(key) };
    },
    async generation() {
      return generation;
    },
    async write(key, entry, ttlMs) {
      await keyv.set(key, entry, ttlMs);
    },
    async increment() {
      generation += 1;
      return generation;
    },
    async close() {
      await keyv.clear();
    },
  };
}
