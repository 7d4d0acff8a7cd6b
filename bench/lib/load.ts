import { Agent, request } from 'node:http';

export interface LoadResult {
  readonly label: string;
  readonly requests: number;
  readonly failures: number;
  readonly seconds: number;
  readonly rps: number;
  readonly p50Ms: number;
  readonly p95Ms: number;
  readonly p99Ms: number;
}

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

function post(agent: Agent, url: URL, body: string, headers: Readonly<Record<string, string>>): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', agent, headers: { ...headers, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

/**
 * Closed-loop load: `concurrency` clients each send the next request when the previous one
 * answers, for `seconds`, over keep-alive connections. A response that is not HTTP 200 with
 * data and no errors counts as a failure.
 */
export async function runLoad(options: {
  label: string;
  url: string;
  body: unknown;
  concurrency: number;
  seconds: number;
  warmupSeconds?: number;
  isOk?: (body: string) => boolean;
  /**
   * Request headers (e.g. authorization), or a function asked before each request for
   * headers that change during a run (a short-lived signed header).
   */
  headers?: Readonly<Record<string, string>> | (() => Readonly<Record<string, string>>);
  /**
   * The body of the n-th request (0, 1, ... across all clients, warm-up included) instead
   * of `body` every time: distinct requests, which a gateway cannot merge or cache.
   */
  bodyOf?: (n: number) => unknown;
  /** Awaited between the warm-up and the measured run, e.g. to read a process's CPU time. */
  onMeasureStart?: () => Promise<void> | void;
}): Promise<LoadResult> {
  const url = new URL(options.url);
  const fixed = JSON.stringify(options.body);
  let sent = 0;
  const { bodyOf } = options;
  const nextPayload = bodyOf ? () => JSON.stringify(bodyOf(sent++)) : () => fixed;
  const agent = new Agent({ keepAlive: true, maxSockets: options.concurrency });
  const isOk = options.isOk ?? ((body: string) => body.includes('"data"') && !body.includes('"errors"'));
  const given = options.headers ?? {};
  const headersNow = typeof given === 'function' ? given : () => given;
  const loop = async (until: number, latencies: number[] | null, counts: { failures: number }) => {
    while (performance.now() < until) {
      const started = performance.now();
      try {
        const response = await post(agent, url, nextPayload(), headersNow());
        if (response.status !== 200 || !isOk(response.body)) counts.failures++;
      } catch {
        counts.failures++;
      }
      latencies?.push(performance.now() - started);
    }
  };
  const warmup = { failures: 0 };
  const warmupUntil = performance.now() + (options.warmupSeconds ?? 2) * 1000;
  await Promise.all(Array.from({ length: options.concurrency }, () => loop(warmupUntil, null, warmup)));
  await options.onMeasureStart?.();
  const latencies: number[] = [];
  const counts = { failures: 0 };
  const started = performance.now();
  await Promise.all(Array.from({ length: options.concurrency }, () => loop(started + options.seconds * 1000, latencies, counts)));
  const seconds = (performance.now() - started) / 1000;
  agent.destroy();
  latencies.sort((a, b) => a - b);
  return {
    label: options.label,
    requests: latencies.length,
    failures: counts.failures,
    seconds,
    rps: latencies.length / seconds,
    p50Ms: percentile(latencies, 50),
    p95Ms: percentile(latencies, 95),
    p99Ms: percentile(latencies, 99),
  };
}

export function formatResult(result: LoadResult): string {
  return `${result.label.padEnd(34)} ${result.rps.toFixed(0).padStart(7)} req/s   p50 ${result.p50Ms.toFixed(1).padStart(7)} ms   p95 ${result.p95Ms.toFixed(1).padStart(7)} ms   p99 ${result.p99Ms.toFixed(1).padStart(7)} ms   failures ${result.failures}/${result.requests}`;
}

/**
 * Closed-loop load over any async operation (for baselines that are not one HTTP POST,
 * e.g. the several REST calls a client makes straight to a repository).
 */
export async function runClosedLoop(options: { label: string; operation: () => Promise<boolean>; concurrency: number; seconds: number; warmupSeconds?: number }): Promise<LoadResult> {
  const loop = async (until: number, latencies: number[] | null, counts: { failures: number }) => {
    while (performance.now() < until) {
      const started = performance.now();
      try {
        if (!(await options.operation())) counts.failures++;
      } catch {
        counts.failures++;
      }
      latencies?.push(performance.now() - started);
    }
  };
  const warmupUntil = performance.now() + (options.warmupSeconds ?? 1) * 1000;
  await Promise.all(Array.from({ length: options.concurrency }, () => loop(warmupUntil, null, { failures: 0 })));
  const latencies: number[] = [];
  const counts = { failures: 0 };
  const started = performance.now();
  await Promise.all(Array.from({ length: options.concurrency }, () => loop(started + options.seconds * 1000, latencies, counts)));
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  return {
    label: options.label, requests: latencies.length, failures: counts.failures, seconds, rps: latencies.length / seconds,
    p50Ms: percentile(latencies, 50), p95Ms: percentile(latencies, 95), p99Ms: percentile(latencies, 99),
  };
}
