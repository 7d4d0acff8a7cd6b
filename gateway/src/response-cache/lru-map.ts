/**
 * A Map that holds at most `maxEntries` entries, dropping the least recently used one to
 * make room. It is a Map (not a Map-like) so Keyv takes it as its in-memory store as it
 * takes its default Map; Keyv itself handles each entry's TTL on read.
 */
export class LruMap<K, V> extends Map<K, V> {
  constructor(readonly maxEntries: number) {
    super();
    if (!Number.isInteger(maxEntries) || maxEntries < 1) throw new RangeError(`maxEntries must be a positive integer, not ${maxEntries}`);
  }

  /** Reading an entry makes it the most recently used (Map keeps insertion order, so it moves to the end). */
  override get(key: K): V | undefined {
    if (!super.has(key)) return undefined;
    const value = super.get(key) as V;
    super.delete(key);
    super.set(key, value);
    return value;
  }

  override set(key: K, value: V): this {
    super.delete(key);
    super.set(key, value);
    while (super.size > this.maxEntries) {
      const oldest = super.keys().next();
      if (oldest.done) break;
      super.delete(oldest.value);
    }
    return this;
  }
}
