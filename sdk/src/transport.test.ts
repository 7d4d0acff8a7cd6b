import { describe, expect, it } from 'vitest';
import { ProvidersDocument, SaveCohortDocument } from './__generated__/graphql.js';
import { CancerImagingError } from './errors.js';
import { createTransport } from './transport.js';
import type { RetryOptions } from './retry.js';

// The transport with an injected fetch and a fake clock: `sleep` records the waits and
// returns at once, so backoff and Retry-After are checked to the millisecond.

type Reply = { status: number; body?: unknown; headers?: Record<string, string> } | Error;

function fakeFetch(replies: Reply[]) {
  const calls: { body: string }[] = [];
  const fetch = (async (_url: string | URL | Request, init?: RequestInit) => {
    calls.push({ body: String(init?.body) });
    const reply = replies.shift();
    if (!reply) throw new Error('no more replies');
    if (reply instanceof Error) throw reply;
    const text = typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body ?? null);
    return new Response(text, { status: reply.status, headers: { 'content-type': 'application/json', ...reply.headers } });
  }) as typeof globalThis.fetch;
  return { fetch, calls };
}

function fakeClock(now = Date.parse('2026-11-27T10:00:00Z')) {
  const waits: number[] = [];
  const retry: Required<Pick<RetryOptions, 'sleep' | 'now' | 'random'>> = {
    sleep: async (ms: number, signal?: AbortSignal) => {
      if (signal?.aborted) throw signal.reason;
      waits.push(ms);
    },
    now: () => now,
    random: () => 0.5,
  };
  return { waits, retry };
}

const OK = { status: 200, body: { data: { providers: [{ id: 'demo-nl' }] } } };
const RATE_LIMITED = (seconds: number) => ({
  status: 429,
  headers: { 'retry-after': String(seconds) },
  body: { errors: [{ message: 'Too many requests.', extensions: { code: 'RATE_LIMITED', retryAfter: seconds } }] },
});
const UNAVAILABLE = { status: 503, body: '<html>Service Unavailable</html>' };

describe('the transport', () => {
  it('retries a query after 429, waiting the Retry-After seconds (plus jitter), then returns the data', async () => {
    const { fetch, calls } = fakeFetch([RATE_LIMITED(2), OK]);
    const { waits, retry } = fakeClock();
    const transport = createTransport({ url: 'http://graph/graphql', fetch, retry: { ...retry, baseDelayMs: 100 } });
    expect(await transport.request(ProvidersDocument)).toEqual({ providers: [{ id: 'demo-nl' }] });
    expect(calls).toHaveLength(2);
    expect(waits).toEqual([2_050]);
  });

  it('honours a Retry-After given as an HTTP date', async () => {
    const { fetch } = fakeFetch([{ ...UNAVAILABLE, headers: { 'retry-after': 'Fri, 27 Nov 2026 10:00:03 GMT' } }, OK]);
    const { waits, retry } = fakeClock();
    await createTransport({ url: 'http://graph/graphql', fetch, retry: { ...retry, baseDelayMs: 100 } }).request(ProvidersDocument);
    expect(waits).toEqual([3_050]);
  });

  it('backs off exponentially on 503 without Retry-After, and gives up after maxAttempts with a typed error', async () => {
    const { fetch, calls } = fakeFetch([UNAVAILABLE, UNAVAILABLE, UNAVAILABLE, UNAVAILABLE]);
    const { waits, retry } = fakeClock();
    const transport = createTransport({ url: 'http://graph/graphql', fetch, retry: { ...retry, maxAttempts: 4, baseDelayMs: 200 } });
    const error = await transport.request(ProvidersDocument).catch((e: unknown) => e);
    expect(calls).toHaveLength(4);
    expect(waits).toEqual([150, 300, 600]);
    expect(error).toBeInstanceOf(CancerImagingError);
    expect(error).toMatchObject({ code: 'HTTP_ERROR', status: 503, retryable: true });
  });

  it('ends with the graph\'s RATE_LIMITED error, status and Retry-After when retries run out', async () => {
    const { fetch } = fakeFetch([RATE_LIMITED(1), RATE_LIMITED(1), RATE_LIMITED(4)]);
    const { retry } = fakeClock();
    const transport = createTransport({ url: 'http://graph/graphql', fetch, retry: { ...retry, maxAttempts: 3 } });
    const error = await transport.request(ProvidersDocument).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'RATE_LIMITED', status: 429, retryable: true, retryAfterMs: 4_000 });
  });

  it('stops at once when the server asks to wait longer than maxDelayMs', async () => {
    const { fetch, calls } = fakeFetch([RATE_LIMITED(60), OK]);
    const { waits, retry } = fakeClock();
    const transport = createTransport({ url: 'http://graph/graphql', fetch, retry: { ...retry, maxDelayMs: 10_000 } });
    const error = await transport.request(ProvidersDocument).catch((e: unknown) => e);
    expect(calls).toHaveLength(1);
    expect(waits).toEqual([]);
    expect(error).toMatchObject({ code: 'RATE_LIMITED', retryAfterMs: 60_000 });
  });

  it('never retries a mutation, whatever the status', async () => {
    for (const reply of [RATE_LIMITED(1), UNAVAILABLE]) {
      const { fetch, calls } = fakeFetch([reply, { status: 200, body: { data: { saveCohort: { id: 'c1', createdAt: '2026-11-27T10:00:00Z' } } } }]);
      const { waits, retry } = fakeClock();
      const transport = createTransport({ url: 'http://graph/graphql', fetch, retry });
      const error = await transport.request(SaveCohortDocument, { criteria: { cancerTypes: ['LUNG'] } }).catch((e: unknown) => e);
      expect(calls).toHaveLength(1);
      expect(waits).toEqual([]);
      expect(error).toBeInstanceOf(CancerImagingError);
    }
  });

  it('retries neither other statuses nor network failures (which may have reached the server)', async () => {
    const bad = { status: 400, body: { errors: [{ message: 'first must be at most 100', extensions: { code: 'BAD_USER_INPUT' } }] } };
    const { fetch, calls } = fakeFetch([bad, new TypeError('fetch failed')]);
    const { retry } = fakeClock();
    const transport = createTransport({ url: 'http://graph/graphql', fetch, retry });
    await expect(transport.request(ProvidersDocument)).rejects.toMatchObject({ code: 'BAD_USER_INPUT', status: 400, retryable: false });
    await expect(transport.request(ProvidersDocument)).rejects.toMatchObject({ code: 'NETWORK_ERROR', retryable: true });
    expect(calls).toHaveLength(2);
  });

  it('does not retry with retry: false', async () => {
    const { fetch, calls } = fakeFetch([RATE_LIMITED(1), OK]);
    const transport = createTransport({ url: 'http://graph/graphql', fetch, retry: false });
    await expect(transport.request(ProvidersDocument)).rejects.toMatchObject({ code: 'RATE_LIMITED', status: 429 });
    expect(calls).toHaveLength(1);
  });

  it('gives up a wait when the caller aborts, as ABORTED', async () => {
    const { fetch, calls } = fakeFetch([RATE_LIMITED(5), OK]);
    const controller = new AbortController();
    const transport = createTransport({
      url: 'http://graph/graphql', fetch,
      retry: { sleep: async (_ms, signal) => { controller.abort(); throw signal!.reason; } },
    });
    await expect(transport.request(ProvidersDocument, {}, { signal: controller.signal })).rejects.toMatchObject({ code: 'ABORTED', retryable: false });
    expect(calls).toHaveLength(1);
  });

  it('waits for real with the default clock (small delays)', async () => {
    const { fetch, calls } = fakeFetch([UNAVAILABLE, { ...RATE_LIMITED(0) }, OK]);
    const started = Date.now();
    const transport = createTransport({ url: 'http://graph/graphql', fetch, retry: { baseDelayMs: 20, maxDelayMs: 100 } });
    await transport.request(ProvidersDocument);
    expect(calls).toHaveLength(3);
    // 10–20 ms after the 503, then 0–20 ms after Retry-After: 0.
    expect(Date.now() - started).toBeGreaterThanOrEqual(9);
  });

  it('sends the query, variables, token and extra headers', async () => {
    let seen: { headers: Headers; body: unknown } | undefined;
    const fetch = (async (_url: string | URL | Request, init?: RequestInit) => {
      seen = { headers: new Headers(init?.headers), body: JSON.parse(String(init?.body)) };
      return new Response(JSON.stringify(OK.body), { status: 200 });
    }) as typeof globalThis.fetch;
    await createTransport({ url: 'http://graph/graphql', fetch, token: 't0k', headers: { 'x-request-id': 'r1' } }).request(ProvidersDocument);
    expect(seen!.headers.get('authorization')).toBe('Bearer t0k');
    expect(seen!.headers.get('x-request-id')).toBe('r1');
    expect(seen!.body).toEqual({ query: ProvidersDocument.toString(), variables: {} });
  });

  it('keeps partial data beside its errors in execute, and throws the first error in request', async () => {
    const partial = { data: { providers: [{ id: 'demo-nl' }] }, errors: [{ message: 'down', path: ['providers', 1, 'status'], extensions: { code: 'SUBGRAPH_UNAVAILABLE', site: 'demo-es' } }] };
    const { fetch } = fakeFetch([{ status: 200, body: partial }, { status: 200, body: partial }]);
    const transport = createTransport({ url: 'http://graph/graphql', fetch });
    const result = await transport.execute(ProvidersDocument);
    expect(result.data).toEqual(partial.data);
    expect(result.errors[0]).toMatchObject({ code: 'SUBGRAPH_UNAVAILABLE', site: 'demo-es', retryable: true, status: undefined });
    await expect(transport.request(ProvidersDocument)).rejects.toMatchObject({ code: 'SUBGRAPH_UNAVAILABLE' });
  });
});
