import type { WindowCounter } from './window-counter.js';

export interface RateLimitDecision {
  readonly allowed: boolean;
  readonly limit: number;
  readonly remaining: number;
  /** Seconds until the window ends and the budget is whole again (at least 1). */
  readonly resetSeconds: number;
}

export interface RateLimiterOptions {
  readonly counter: WindowCounter;
  /** Requests per window per key. */
  readonly limit: number;
  readonly windowSeconds: number;
  /** Most time a count may take; after it the request is let through. @default 500 */
  readonly timeoutMs?: number;
  /** Told when the store failed and the request was let through. */
  readonly onStoreFailure?: (error: unknown) => void;
  /** Injected for tests. @default Date.now */
  readonly now?: () => number;
}

export interface RateLimiter {
  check(key: string): Promise<RateLimitDecision>;
}

class CountTimeout extends Error {
  constructor(ms: number) {
    super(`The rate-limit store did not answer within ${ms} ms.`);
    this.name = 'CountTimeout';
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new CountTimeout(ms)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/**
 * Fixed-window rate limiting: windows aligned on the clock (so every gateway sharing a
 * store agrees on them), one counter per key and window. When the store fails or is slow
 * the request is allowed and the failure reported: an outage of Redis must not take the
 * graph down with it.
 */
export function createRateLimiter(options: RateLimiterOptions): RateLimiter {
  const windowMs = options.windowSeconds * 1000;
  const now = options.now ?? Date.now;
  const timeoutMs = options.timeoutMs ?? 500;
  return {
    async check(key) {
      const at = now();
      const windowStart = Math.floor(at / windowMs) * windowMs;
      const resetSeconds = Math.max(1, Math.ceil((windowStart + windowMs - at) / 1000));
      let count: number;
      try {
        count = await withTimeout(options.counter.increment(key, windowStart, windowMs), timeoutMs);
      } catch (error) {
        options.onStoreFailure?.(error);
        return { allowed: true, limit: options.limit, remaining: options.limit, resetSeconds };
      }
      return {
        allowed: count <= options.limit,
        limit: options.limit,
        remaining: Math.max(0, options.limit - count),
        resetSeconds,
      };
    },
  };
}
