/**
 * How many retries a subgraph may receive, as a token bucket (Finagle's RetryBudget,
 * gRPC's retry throttling): every request earns `ratio` of a retry, and `minPerSecond`
 * more come in with time, so a quiet subgraph can still retry a dropped connection. While
 * a subgraph is down every attempt fails, the bucket empties, and retries add at most
 * `ratio` to the request rate (plus the floor): they never multiply an outage.
 */

export interface RetryBudgetOptions {
  /** Retries earned per request. @default 0.1 */
  readonly ratio?: number;
  /** Retries earned per second whatever the traffic. @default 3 */
  readonly minPerSecond?: number;
  /** Most retries saved up for a burst. @default 10 */
  readonly capacity?: number;
  /** Milliseconds clock; injected for tests. @default performance.now */
  readonly now?: () => number;
}

export interface RetryBudget {
  /** One request is sent (its first attempt, never a retry). */
  deposit(): void;
  /** Spends one retry; false when the budget is spent, and then the call must not be retried. */
  tryWithdraw(): boolean;
}

export const DEFAULT_RETRY_BUDGET = { ratio: 0.1, minPerSecond: 3, capacity: 10 } as const;

export function createRetryBudget(options: RetryBudgetOptions = {}): RetryBudget {
  const ratio = options.ratio ?? DEFAULT_RETRY_BUDGET.ratio;
  const minPerSecond = options.minPerSecond ?? DEFAULT_RETRY_BUDGET.minPerSecond;
  const capacity = Math.max(1, options.capacity ?? DEFAULT_RETRY_BUDGET.capacity);
  const now = options.now ?? (() => performance.now());
  // It starts with one second's floor, not full, so a gateway that just started has no
  // burst of retries saved up for an upstream that is already down.
  let balance = Math.min(capacity, minPerSecond);
  let refilledAt = now();

  function refill(): void {
    const at = now();
    balance = Math.min(capacity, balance + ((at - refilledAt) / 1000) * minPerSecond);
    refilledAt = at;
  }

  return {
    deposit() {
      refill();
      balance = Math.min(capacity, balance + ratio);
    },
    tryWithdraw() {
      refill();
      if (balance < 1) return false;
      balance -= 1;
      return true;
    },
  };
}

/** Backoff before retry number `retry` (1-based): 10-20 ms, then doubling, at most 100-200 ms. */
export function retryDelayMs(retry: number, random: () => number = Math.random): number {
  const ceiling = Math.min(200, 20 * 2 ** Math.max(0, retry - 1));
  // Half fixed, half random: spaced from the failure, and concurrent retries spread out.
  return ceiling / 2 + (random() * ceiling) / 2;
}
