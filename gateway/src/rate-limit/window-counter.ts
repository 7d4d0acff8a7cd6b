/**
 * Counts requests per key in fixed time windows. The two stores differ in reach, not in
 * meaning: memory counts this process's requests, Redis every gateway's that shares it.
 */
export interface WindowCounter {
  /** Adds one to `key` in the window that starts at `windowStartMs` and lasts `windowMs`; resolves to the new count. */
  increment(key: string, windowStartMs: number, windowMs: number): Promise<number>;
  /** Releases connections. */
  close(): Promise<void>;
}
