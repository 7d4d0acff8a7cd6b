/**
 * Where kept answers and the generation counter live. The two stores differ in reach, not
 * in meaning: memory serves this process, Redis every gateway (and cluster worker) that
 * shares it. Entries are opaque text to the store; the cache decides what they mean.
 */
export interface ResponseStore {
  readonly kind: 'memory' | 'redis';
  /** The current generation and the entry under `key` (undefined when none), read together: one round trip in Redis. */
  read(key: string): Promise<{ readonly generation: number; readonly entry: string | undefined }>;
  /** The current generation alone. */
  generation(): Promise<number>;
  /** Keeps `entry` under `key` for `ttlMs`. */
  write(key: string, entry: string, ttlMs: number): Promise<void>;
  /** Adds one to the generation, atomically for everyone sharing the store; resolves to the new value. */
  increment(): Promise<number>;
  /** Releases connections. */
  close(): Promise<void>;
}
