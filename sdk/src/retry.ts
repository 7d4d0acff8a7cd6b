/**
 * When to try a query again after HTTP 429 (rate limited) or 503 (unavailable), and how
 * long to wait first: the server's Retry-After when it sends one, else exponential backoff;
 * jittered either way so that clients refused together do not return together, and
 * bounded in attempts and in the length of any one wait.
 */

/** Retry settings of a client; `retry: false` in the client options turns retries off. */
export interface RetryOptions {
  /** Attempts in all, the first included; 1 never retries. @default 3 */
  readonly maxAttempts?: number;
  /** The first backoff step when the server sends no Retry-After; doubled each attempt. @default 300 */
  readonly baseDelayMs?: number;
  /**
   * The longest single wait. A Retry-After beyond it ends the retries at once (waiting
   * less than the server asked would only be refused again): the error is thrown with
   * `retryAfterMs` so the caller can decide. @default 10000
   */
  readonly maxDelayMs?: number;
  /** Source of jitter in [0, 1); for tests. @default Math.random */
  readonly random?: () => number;
  /** Waits, or rejects with the signal's reason when aborted first; for tests (a fake clock). */
  readonly sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** The current time in ms since the epoch, to read an HTTP-date Retry-After; for tests. */
  readonly now?: () => number;
}

export interface RetryPolicy {
  readonly maxAttempts: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
  readonly random: () => number;
  readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  readonly now: () => number;
}

/** HTTP statuses a retry may cure: the server refused for now, not for good. */
export const RETRY_STATUSES: ReadonlySet<number> = new Set([429, 503]);

export const DEFAULT_RETRY = { maxAttempts: 3, baseDelayMs: 300, maxDelayMs: 10_000 } as const;

export function resolveRetryPolicy(options: RetryOptions | false | undefined): RetryPolicy {
  const given = options === false ? { maxAttempts: 1 } : options ?? {};
  const maxAttempts = given.maxAttempts ?? DEFAULT_RETRY.maxAttempts;
  const baseDelayMs = given.baseDelayMs ?? DEFAULT_RETRY.baseDelayMs;
  const maxDelayMs = given.maxDelayMs ?? DEFAULT_RETRY.maxDelayMs;
  if (!Number.isInteger(maxAttempts) || maxAttempts < 1) throw new RangeError(`retry.maxAttempts must be a whole number of at least 1; got ${maxAttempts}.`);
  if (!(baseDelayMs >= 0) || !(maxDelayMs >= 0)) throw new RangeError('retry.baseDelayMs and retry.maxDelayMs must not be negative.');
  return {
    maxAttempts,
    baseDelayMs,
    maxDelayMs,
    random: given.random ?? Math.random,
    sleep: given.sleep ?? sleep,
    now: given.now ?? Date.now,
  };
}

/**
 * A Retry-After header in milliseconds from `nowMs`: delay-seconds ("120") or an
 * HTTP-date ("Wed, 21 Oct 2026 07:28:00 GMT"; a date in the past is 0). Undefined when
 * absent or unreadable, so the caller backs off on its own.
 */
export function parseRetryAfter(value: string | null | undefined, nowMs: number): number | undefined {
  if (value == null) return undefined;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  // Every HTTP-date form names a day or month; anything else ("1.5", "-3") is malformed.
  if (!/[A-Za-z]/.test(text)) return undefined;
  // asctime, the third form, carries no zone; HTTP-dates are always GMT.
  const at = Date.parse(/\b(GMT|UTC)\b/.test(text) ? text : `${text} GMT`);
  return Number.isNaN(at) ? undefined : Math.max(0, at - nowMs);
}

/**
 * How long to wait before attempt `attempt + 1`, or undefined to stop. With a Retry-After,
 * at least that long plus up to one base step of jitter, never above the maximum; without,
 * "equal jitter" backoff: half of min(max, base·2^(attempt-1)) fixed, half random.
 */
export function retryDelay(policy: RetryPolicy, attempt: number, retryAfterMs: number | undefined): number | undefined {
  if (attempt >= policy.maxAttempts) return undefined;
  const jitter = policy.random();
  if (retryAfterMs !== undefined) {
    if (retryAfterMs > policy.maxDelayMs) return undefined;
    return retryAfterMs + jitter * Math.min(policy.baseDelayMs, policy.maxDelayMs - retryAfterMs);
  }
  const step = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
  return step / 2 + jitter * (step / 2);
}

/** setTimeout as a promise that an AbortSignal cuts short. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
