import { createCircuitBreaker, type CircuitBreaker, type CircuitBreakerOptions } from '@cancer-imaging/provider-kit';
import type { Logger } from 'pino';
import { Pool, type Dispatcher } from 'undici';
import type { SubgraphMetrics } from '../metrics/gateway-metrics.js';
import { classifySubgraphFailure, deadlineError, UNAVAILABLE_STATUSES } from './failure.js';
import { createRetryBudget, retryDelayMs, type RetryBudget, type RetryBudgetOptions } from './retry-budget.js';

/** Sockets kept per subgraph origin unless configured (CIG_GATEWAY_SUBGRAPH_CONNECTIONS). */
export const DEFAULT_SUBGRAPH_CONNECTIONS = 32;
/** Largest subgraph answer read unless configured (CIG_GATEWAY_SUBGRAPH_MAX_RESPONSE_BYTES): 32 MiB. */
export const DEFAULT_MAX_RESPONSE_BYTES = 32 * 1024 * 1024;
/** Extra attempts of a query fetch unless configured (CIG_GATEWAY_SUBGRAPH_RETRIES). */
export const DEFAULT_SUBGRAPH_RETRIES = 1;
/**
 * A retry needs at least this much of the deadline left after its backoff, or it is not
 * made: an attempt with less would most likely be cut short, a call for nothing.
 */
const MIN_ATTEMPT_MS = 50;

/** One upstream attempt, as told to `onCall`. */
export interface SubgraphCall {
  readonly subgraph: string;
  readonly url: string;
  /** The headers sent, lower-case names (request id, signed caller, ...). Do not modify. */
  readonly headers: Readonly<Record<string, string>>;
}

export interface SubgraphTransportOptions {
  /** Most sockets open to one subgraph origin; more concurrent calls wait for one. @default DEFAULT_SUBGRAPH_CONNECTIONS */
  readonly connections?: number;
  /** A longer answer fails the call (it is not read further). @default DEFAULT_MAX_RESPONSE_BYTES */
  readonly maxResponseBytes?: number;
  /** Extra attempts of a retryable exchange. @default DEFAULT_SUBGRAPH_RETRIES */
  readonly retries?: number;
  /** Per subgraph. @default DEFAULT_RETRY_BUDGET */
  readonly retryBudget?: RetryBudgetOptions;
  /** Per subgraph; the kit's defaults (open 5 s after half of the last 20 calls, at least 5, failed). */
  readonly circuit?: Omit<CircuitBreakerOptions, 'onStateChange'>;
  readonly metrics?: SubgraphMetrics;
  /** Told when a circuit opens, turns half-open or closes. */
  readonly logger?: Logger;
  /** Told every attempt that goes to the network, retries included. */
  readonly onCall?: (call: SubgraphCall) => void;
  /** Jitter source; injected for tests. @default Math.random */
  readonly random?: () => number;
}

/** One POST of a GraphQL body to a subgraph. */
export interface SubgraphExchange {
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
  /** Deadline of the whole exchange, every attempt, backoff and body included. */
  readonly timeoutMs: number;
  /**
   * Whether a connection failure or a 502/503/504 answer may be tried again. Only for a
   * query: a mutation that failed on the way back may have been applied.
   */
  readonly retryable: boolean;
}

/** What the subgraph answered, body unparsed (so merged callers each parse their own copy). */
export interface SubgraphAnswer {
  readonly status: number;
  readonly headers: Dispatcher.ResponseData['headers'];
  readonly body: string;
}

/** The subgraph's circuit is open: the exchange was refused without a call. */
export class CircuitOpenError extends Error {
  override readonly name = 'CircuitOpenError';
  constructor(
    readonly subgraph: string,
    readonly retryInMs: number,
  ) {
    super(`The circuit of the ${subgraph} subgraph is open.`);
  }
}

/**
 * The connections, circuits and retry budgets of every subgraph: made once per gateway
 * and kept across supergraph reloads (which rebuild the data sources), so a reload
 * neither drops warm sockets nor forgets that a subgraph is down.
 */
export interface SubgraphTransport {
  /** Makes the subgraph known, so its circuit gauge is exported before its first call. */
  register(subgraph: string): void;
  /**
   * Sends the exchange through the subgraph's circuit, retrying when allowed. Resolves with
   * any answer (a 503 too, after the retries); rejects with CircuitOpenError, the deadline's
   * TimeoutError, or the connection error of the last attempt.
   */
  send(subgraph: string, exchange: SubgraphExchange): Promise<SubgraphAnswer>;
  /** Drops every socket; later sends fail as unreachable. */
  close(): Promise<void>;
}

interface SubgraphState {
  readonly breaker: CircuitBreaker;
  readonly budget: RetryBudget;
}

interface Target {
  readonly pool: Pool;
  readonly path: string;
}

export function createSubgraphTransport(options: SubgraphTransportOptions = {}): SubgraphTransport {
  const connections = options.connections ?? DEFAULT_SUBGRAPH_CONNECTIONS;
  const maxResponseBytes = options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
  const retries = options.retries ?? DEFAULT_SUBGRAPH_RETRIES;
  const openMs = options.circuit?.openMs ?? 5_000;
  const random = options.random ?? Math.random;
  const { metrics, onCall, logger } = options;
  const pools = new Map<string, Pool>();
  const targets = new Map<string, Target>();
  const subgraphs = new Map<string, SubgraphState>();
  let closed = false;

  function stateOf(subgraph: string): SubgraphState {
    let state = subgraphs.get(subgraph);
    if (state) return state;
    const breaker: CircuitBreaker = createCircuitBreaker({
      ...options.circuit,
      onStateChange(next, previous) {
        const line = { subgraph, circuit: next, previous };
        if (next === 'open') logger?.warn({ ...line, openMs }, 'subgraph circuit open: calls fail at once until a probe succeeds');
        else logger?.info(line, 'subgraph circuit changed');
      },
    });
    state = { breaker, budget: createRetryBudget(options.retryBudget) };
    subgraphs.set(subgraph, state);
    metrics?.watchCircuit(subgraph, breaker);
    return state;
  }

  /**
   * One keep-alive pool per origin: undici's `request()` skips the WHATWG fetch layers
   * (Request/Response objects, web streams), about 2-3 times less time per call than
   * fetch on loopback, and the pool bounds the sockets a slow subgraph can take.
   */
  function targetOf(url: string): Target {
    // After close() a late call must not open new pools that nothing would close.
    if (closed) throw Object.assign(new Error('The subgraph transport is closed.'), { code: 'UND_ERR_CLOSED' });
    let target = targets.get(url);
    if (target) return target;
    const parsed = new URL(url);
    let pool = pools.get(parsed.origin);
    if (!pool) {
      pool = new Pool(parsed.origin, { connections, maxResponseSize: maxResponseBytes });
      pools.set(parsed.origin, pool);
    }
    target = { pool, path: `${parsed.pathname}${parsed.search}` };
    targets.set(url, target);
    return target;
  }

  async function attempt(target: Target, exchange: SubgraphExchange, signal: AbortSignal): Promise<SubgraphAnswer> {
    const response = await target.pool.request({
      path: target.path,
      method: 'POST',
      headers: exchange.headers,
      body: exchange.body,
      signal,
    });
    // Always read to the end (bounded by maxResponseSize), so the socket goes back to the pool.
    const body = await response.body.text();
    return { status: response.statusCode, headers: response.headers, body };
  }

  async function send(subgraph: string, exchange: SubgraphExchange): Promise<SubgraphAnswer> {
    const { breaker, budget } = stateOf(subgraph);
    const target = targetOf(exchange.url);
    budget.deposit();
    const controller = new AbortController();
    const deadline = performance.now() + exchange.timeoutMs;
    const timer = setTimeout(() => controller.abort(deadlineError(exchange.timeoutMs)), exchange.timeoutMs);
    let last: { answer: SubgraphAnswer } | { error: unknown } | undefined;
    try {
      for (let retry = 0; ; retry += 1) {
        const permit = breaker.tryAcquire();
        if (!permit) {
          // Opened by our own failed attempt: that failure is the answer, not a rejection.
          if (last) break;
          metrics?.observeCircuitRejection(subgraph);
          throw new CircuitOpenError(subgraph, breaker.retryInMs());
        }
        try {
          // Inside the try: a throwing observer must still settle the permit (a probe left
          // unsettled would keep the circuit half-open for good).
          onCall?.({ subgraph, url: exchange.url, headers: exchange.headers });
          const answer = await attempt(target, exchange, controller.signal);
          if (!UNAVAILABLE_STATUSES.has(answer.status)) {
            permit.success();
            return answer;
          }
          permit.failure();
          last = { answer };
        } catch (error) {
          const failure = classifySubgraphFailure(error);
          if (failure) permit.failure();
          else permit.release();
          // A timeout has spent the deadline; anything else is not about availability.
          if (failure?.reason !== 'unreachable') throw error;
          last = { error };
        }
        if (!exchange.retryable || retry >= retries) break;
        const delay = retryDelayMs(retry + 1, random);
        if (deadline - performance.now() - delay < MIN_ATTEMPT_MS) break;
        if (!budget.tryWithdraw()) break;
        metrics?.observeRetry(subgraph);
        await new Promise((resolve) => setTimeout(resolve, delay));
      }
      if (last && 'answer' in last) return last.answer;
      throw last?.error;
    } finally {
      clearTimeout(timer);
    }
  }

  return {
    register(subgraph) {
      stateOf(subgraph);
    },
    send,
    async close() {
      closed = true;
      const all = [...pools.values()];
      pools.clear();
      targets.clear();
      // Called once the server and Apollo have stopped: nothing waits for these answers.
      await Promise.all(all.map((pool) => pool.destroy()));
    },
  };
}
