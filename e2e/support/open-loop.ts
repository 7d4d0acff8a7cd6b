/**
 * Open-loop load: requests start on a fixed schedule whatever the answers take, as
 * independent clients arrive in production. (bench/lib/load.ts is closed-loop: a slow
 * server slows its own load there, which hides queueing; here it cannot.)
 */

export interface OpenLoopOptions {
  /** Requests started per second. */
  readonly ratePerSecond: number;
  /** How long to keep starting requests; Infinity runs until `signal` aborts. */
  readonly durationMs: number;
  /** Stops starting requests (those started are still awaited). */
  readonly signal?: AbortSignal;
  /** Starts request number `index`; settles when it is answered. Record outcomes yourself; a rejection is counted as `thrown`. */
  readonly send: (index: number) => Promise<void>;
}

export interface OpenLoopRun {
  readonly sent: number;
  readonly thrown: number;
  readonly seconds: number;
  /** Longest delay of a start behind its schedule: large when the load generator itself is starved of CPU. */
  readonly maxStartLagMs: number;
}

export async function runOpenLoop(options: OpenLoopOptions): Promise<OpenLoopRun> {
  const intervalMs = 1_000 / options.ratePerSecond;
  const started = performance.now();
  const end = started + options.durationMs;
  const pending = new Set<Promise<void>>();
  let sent = 0;
  let thrown = 0;
  let maxStartLagMs = 0;
  for (let index = 0; ; index += 1) {
    const due = started + index * intervalMs;
    if (due >= end || options.signal?.aborted) break;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    if (options.signal?.aborted) break;
    maxStartLagMs = Math.max(maxStartLagMs, performance.now() - due);
    const request: Promise<void> = options.send(index).catch(() => {
      thrown += 1;
    }).finally(() => pending.delete(request));
    pending.add(request);
    sent += 1;
  }
  await Promise.all(pending);
  return { sent, thrown, seconds: (performance.now() - started) / 1_000, maxStartLagMs };
}

export interface TimedAnswer {
  /** 0 when no HTTP answer came (connection failure, timeout). */
  readonly status: number;
  readonly text: string;
  readonly ms: number;
  /** Why no answer came, when none did. */
  readonly failure?: string;
}

/** One HTTP request with a time limit, never throwing: what came back and how long it took. */
export async function timedFetch(url: string, init: RequestInit & { timeoutMs: number }): Promise<TimedAnswer> {
  const startedAt = performance.now();
  const { timeoutMs, ...rest } = init;
  try {
    const response = await fetch(url, { ...rest, signal: AbortSignal.timeout(timeoutMs) });
    const text = await response.text();
    return { status: response.status, text, ms: performance.now() - startedAt };
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause?.code;
    return { status: 0, text: '', ms: performance.now() - startedAt, failure: `${(error as Error).name}${cause ? ` (${cause})` : ''}: ${(error as Error).message}` };
  }
}

/** POSTs a GraphQL operation as the SDK does (JSON, plain keep-alive fetch). */
export function postOperation(url: string, body: { query: string; variables?: Record<string, unknown>; operationName?: string }, timeoutMs: number): Promise<TimedAnswer> {
  return timedFetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json, application/json' },
    body: JSON.stringify(body),
    timeoutMs,
  });
}

/** A percentile of unsorted numbers (nearest rank). */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}
