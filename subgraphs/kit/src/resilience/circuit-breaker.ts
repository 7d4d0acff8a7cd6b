/**
 * A circuit breaker for one upstream (a subgraph behind the gateway, a site behind a kind
 * subgraph). Closed, it lets every call through and counts failures in a sliding window of
 * the last calls; when enough of them failed it opens, and calls fail at once instead of
 * waiting for a deadline that would be missed anyway. After a cool-down it is half-open:
 * a few probe calls go through, and their outcome closes it again or reopens it.
 *
 * Only failures of the upstream itself count (unreachable, timed out): a GraphQL error or
 * an unsupported criterion is an answer, not an outage.
 */

export type CircuitState = 'closed' | 'open' | 'half-open';

/** The numeric value of a state in metrics: 0 closed, 1 half-open, 2 open. */
export const CIRCUIT_STATE_VALUE: Readonly<Record<CircuitState, number>> = { closed: 0, 'half-open': 1, open: 2 };

export interface CircuitBreakerOptions {
  /** Outcomes remembered while closed. @default 20 */
  readonly windowSize?: number;
  /** Fewest outcomes in the window before it may open, so two early failures do not open it. @default 5 */
  readonly minimumCalls?: number;
  /** Share of failures in the window that opens it. @default 0.5 */
  readonly failureRatio?: number;
  /** How long it stays open before letting probes through. @default 5_000 */
  readonly openMs?: number;
  /** Probes allowed at once while half-open. @default 1 */
  readonly halfOpenProbes?: number;
  /** Told every state change (metrics, logs). */
  readonly onStateChange?: (state: CircuitState, previous: CircuitState) => void;
  /** Injected for tests. @default Date.now */
  readonly now?: () => number;
}

/** A permit to make one call; settle it exactly once with the call's outcome. */
export interface CircuitPermit {
  success(): void;
  failure(): void;
  /** The call ended in a way that says nothing about the upstream (cancelled, refused input). */
  release(): void;
}

export interface CircuitBreaker {
  readonly state: CircuitState;
  /** A permit, or undefined when the circuit is open (or half-open with its probes taken): fail fast. */
  tryAcquire(): CircuitPermit | undefined;
  /** Milliseconds until an open circuit lets a probe through; 0 when not open. */
  retryInMs(): number;
}

export function createCircuitBreaker(options: CircuitBreakerOptions = {}): CircuitBreaker {
  const windowSize = options.windowSize ?? 20;
  const minimumCalls = Math.min(options.minimumCalls ?? 5, windowSize);
  const failureRatio = options.failureRatio ?? 0.5;
  const openMs = options.openMs ?? 5_000;
  const halfOpenProbes = options.halfOpenProbes ?? 1;
  const now = options.now ?? Date.now;

  // A ring of the last outcomes (true = failure) while closed.
  const outcomes: boolean[] = [];
  let next = 0;
  let failures = 0;
  let state: CircuitState = 'closed';
  let openedAt = 0;
  let probesInFlight = 0;

  function moveTo(target: CircuitState): void {
    if (target === state) return;
    const previous = state;
    state = target;
    if (target === 'open') openedAt = now();
    if (target !== 'half-open') probesInFlight = 0;
    if (target === 'closed') {
      outcomes.length = 0;
      next = 0;
      failures = 0;
    }
    options.onStateChange?.(target, previous);
  }

  function record(failed: boolean): void {
    if (outcomes.length < windowSize) outcomes.push(failed);
    else {
      if (outcomes[next]) failures -= 1;
      outcomes[next] = failed;
      next = (next + 1) % windowSize;
    }
    if (failed) failures += 1;
    if (outcomes.length >= minimumCalls && failures / outcomes.length >= failureRatio) moveTo('open');
  }

  function permit(probe: boolean): CircuitPermit {
    let settled = false;
    const settle = (outcome: 'success' | 'failure' | 'release') => {
      if (settled) return;
      settled = true;
      if (probe) {
        probesInFlight = Math.max(0, probesInFlight - 1);
        // A probe that outlived a reopen or a close says nothing more.
        if (state !== 'half-open') return;
        if (outcome === 'success') moveTo('closed');
        else if (outcome === 'failure') moveTo('open');
        return;
      }
      // A call started while closed and finished after the circuit opened is not counted twice.
      if (state !== 'closed' || outcome === 'release') return;
      record(outcome === 'failure');
    };
    return { success: () => settle('success'), failure: () => settle('failure'), release: () => settle('release') };
  }

  return {
    get state() {
      if (state === 'open' && now() - openedAt >= openMs) moveTo('half-open');
      return state;
    },
    tryAcquire() {
      const current = this.state;
      if (current === 'closed') return permit(false);
      if (current === 'open' || probesInFlight >= halfOpenProbes) return undefined;
      probesInFlight += 1;
      return permit(true);
    },
    retryInMs() {
      return this.state === 'open' ? Math.max(0, openMs - (now() - openedAt)) : 0;
    },
  };
}
