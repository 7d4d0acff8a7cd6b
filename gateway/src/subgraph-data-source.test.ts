import type { ServerResponse } from 'node:http';
import type { GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import { trace } from '@opentelemetry/api';
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-base';
import { CALLER_HEADER, verifyCallerClaims, type CallerClaims } from '@cancer-imaging/provider-kit';
import { GraphQLError } from 'graphql';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import type { GatewayContext } from './context.js';
import { createCallerHeaderSigner } from './auth/caller-header.js';
import { createGatewayMetrics, type GatewayMetrics } from './metrics/gateway-metrics.js';
import type { SubgraphFetchDescription, SubgraphResponseBody, SubgraphResponseCache } from './response-cache/types.js';
import { SubgraphDataSource, classifySubgraphFailure, PUBLIC_URL_HEADER, type SubgraphDataSourceOptions } from './subgraph-data-source.js';
import { toCallerKey } from './subgraph-transport/caller-key.js';
import { startTracing } from './tracing/tracing.js';
import { createSubgraphTransport, type SubgraphCall, type SubgraphTransportOptions } from './subgraph-transport/subgraph-transport.js';
import { closedAfterEachTest } from './subgraph-transport/testing/closed-after-each.js';
import { answerJson, OK_ANSWER, startFakeSubgraph, type FakeSubgraph } from './subgraph-transport/testing/fake-subgraph.js';

const silent = pino({ level: 'silent' });
const QUERY = 'query Q__catalogue__0 { __typename }';
const MUTATION = 'mutation M__catalogue__0 { requestAccess { id } }';
const secret = 'subgraph-data-source-test-secret-0123456789';
const alice: CallerClaims = { sub: 'alice', roles: ['researcher'], grants: [] };

const closeAfterTest = closedAfterEachTest();

async function fake(...args: Parameters<typeof startFakeSubgraph>): Promise<FakeSubgraph> {
  return closeAfterTest(await startFakeSubgraph(...args));
}

function metrics(): GatewayMetrics {
  return closeAfterTest(createGatewayMetrics());
}

/** A data source over its own transport (closed after the test). */
function dataSource(
  options: Partial<SubgraphDataSourceOptions> & Pick<SubgraphDataSourceOptions, 'url'>,
  transportOptions: SubgraphTransportOptions = {},
): SubgraphDataSource {
  const transport = closeAfterTest(createSubgraphTransport(transportOptions));
  return new SubgraphDataSource({ name: 'catalogue', timeoutMs: 5_000, logger: silent, transport, ...options });
}

interface Fetch {
  readonly query?: string;
  readonly variables?: Record<string, unknown>;
  readonly caller?: CallerClaims;
  readonly headers?: Headers;
}

function processOptions(requestId: string, fetch: Fetch = {}): GraphQLDataSourceProcessOptions<GatewayContext> {
  const context: GatewayContext = { requestId, logger: silent, ...(fetch.caller && { caller: fetch.caller }) };
  // The data source reads only these fields; @apollo/gateway does not export the enum
  // behind `kind`, so its runtime value is written out.
  return {
    kind: 'incoming operation',
    request: {
      query: fetch.query ?? QUERY,
      variables: fetch.variables ?? {},
      ...(fetch.headers && { http: { method: 'POST', url: 'http://x', headers: fetch.headers } }),
    },
    incomingRequestContext: { context },
    context,
  } as unknown as GraphQLDataSourceProcessOptions<GatewayContext>;
}

/** The value of one sample line of the exposition; undefined when absent. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((candidate) => candidate.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('classifySubgraphFailure', () => {
  it('recognises connection failures (wrapped by fetch or raw from undici), timeouts, and 502/503/504 answers', () => {
    expect(classifySubgraphFailure(new TypeError('fetch failed', { cause: Object.assign(new Error('x'), { code: 'ECONNREFUSED' }) })))
      .toEqual({ reason: 'unreachable', detail: 'ECONNREFUSED' });
    expect(classifySubgraphFailure(Object.assign(new Error('other side closed'), { code: 'UND_ERR_SOCKET' }))).toEqual({ reason: 'unreachable', detail: 'UND_ERR_SOCKET' });
    expect(classifySubgraphFailure(new DOMException('timed out', 'TimeoutError'))).toEqual({ reason: 'timeout', detail: 'TimeoutError' });
    expect(classifySubgraphFailure(new GraphQLError('503: Service Unavailable', { extensions: { response: { status: 503 } } })))
      .toEqual({ reason: 'unreachable', detail: 'HTTP 503' });
  });

  it('leaves other failures alone', () => {
    expect(classifySubgraphFailure(new Error('Expected JSON response body'))).toBeUndefined();
    expect(classifySubgraphFailure(new GraphQLError('400: Bad Request', { extensions: { response: { status: 400 } } }))).toBeUndefined();
  });
});

describe('SubgraphDataSource', () => {
  it('posts the planner\'s request to the override URL with the request id and the public URL', async () => {
    const subgraph = await fake();
    const calls: SubgraphCall[] = [];
    const source = dataSource(
      { url: 'http://from-supergraph.invalid/graphql', urlOverrides: { CATALOGUE: subgraph.url }, publicUrl: () => 'https://graph.example.org' },
      { onCall: (call) => calls.push(call) },
    );
    const response = await source.process(processOptions('rid-1', { variables: { a: 1 } }));
    expect(response.data).toEqual({ __typename: 'Query' });
    expect(subgraph.received).toHaveLength(1);
    expect(subgraph.received[0]?.body).toEqual({ query: QUERY, variables: { a: 1 } });
    expect(subgraph.received[0]?.headers['x-request-id']).toBe('rid-1');
    expect(subgraph.received[0]?.headers[PUBLIC_URL_HEADER]).toBe('https://graph.example.org');
    expect(calls).toEqual([{ subgraph: 'catalogue', url: subgraph.url, headers: expect.objectContaining({ 'x-request-id': 'rid-1' }) }]);
  });

  it('turns a refused connection into SUBGRAPH_UNAVAILABLE naming the subgraph, not its URL, and tries again next time', async () => {
    const subgraph = await fake();
    const url = subgraph.url;
    await subgraph.close();
    const source = dataSource({ name: 'custom', url }, { retries: 0 });

    const failure = await source.process(processOptions('rid-2')).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(GraphQLError);
    expect((failure as GraphQLError).message).toBe('The custom subgraph is unavailable.');
    expect((failure as GraphQLError).extensions).toEqual({ code: 'SUBGRAPH_UNAVAILABLE', subgraph: 'custom' });
    expect(JSON.stringify(failure)).not.toContain('127.0.0.1');

    const again = await fake();
    const back = dataSource({ name: 'custom', url: again.url });
    expect((await back.process(processOptions('rid-3'))).data).toEqual({ __typename: 'Query' });
  });

  it('rethrows failures that are not about availability', async () => {
    const subgraph = await fake((_request, res) => res.writeHead(200, { 'content-type': 'text/plain' }).end('not json'));
    const source = dataSource({ url: subgraph.url });
    await expect(source.process(processOptions('rid-4'))).rejects.toThrow(/Expected JSON response body/);
  });

  it('gives a refused status as Apollo\'s `<status>: <text>` error, with the status but not the URL', async () => {
    const subgraph = await fake((_request, res) => answerJson(res, { errors: [{ message: 'no' }] }, 403));
    const failure = await dataSource({ url: subgraph.url }).process(processOptions('rid-5')).catch((error: unknown) => error);
    expect((failure as GraphQLError).message).toBe('403: Forbidden');
    expect((failure as GraphQLError).extensions).toMatchObject({ code: 'FORBIDDEN', response: { status: 403, body: { errors: [{ message: 'no' }] } } });
    expect(JSON.stringify((failure as GraphQLError).extensions)).not.toContain('127.0.0.1');
  });

  it('uses the subgraph\'s own deadline (CIG_GATEWAY_SUBGRAPH_<NAME>_TIMEOUT_MS) over the general one', async () => {
    const subgraph = await fake(() => {
      // Never answers.
    });
    const source = dataSource({ name: 'xnat-eu', url: subgraph.url, timeoutMs: 60_000, timeoutOverrides: { XNAT_EU: 150, CUSTOM: 1 } });
    expect(source.timeoutMs).toBe(150);
    const started = performance.now();
    const failure = await source.process(processOptions('rid-6')).catch((error: unknown) => error);
    expect(performance.now() - started).toBeLessThan(10_000);
    expect((failure as GraphQLError).message).toBe('The xnat-eu subgraph did not answer within 150 ms.');
    expect((failure as GraphQLError).extensions).toEqual({ code: 'SUBGRAPH_UNAVAILABLE', subgraph: 'xnat-eu' });
  });

  describe('retries follow the operation the planner wrote', () => {
    function flaky(fail: (res: ServerResponse) => void) {
      let calls = 0;
      return (_request: unknown, res: ServerResponse) => {
        calls += 1;
        if (calls === 1) fail(res);
        else answerJson(res, OK_ANSWER);
      };
    }

    it('retries a query after a reset connection or a 503', async () => {
      const reset = await fake(flaky((res) => res.socket?.destroy()));
      expect((await dataSource({ url: reset.url }).process(processOptions('rid-7'))).data).toEqual(OK_ANSWER.data);
      expect(reset.received).toHaveLength(2);
      const unavailable = await fake(flaky((res) => answerJson(res, {}, 503)));
      expect((await dataSource({ url: unavailable.url }).process(processOptions('rid-8', { query: `{ __typename }` }))).data).toEqual(OK_ANSWER.data);
      expect(unavailable.received).toHaveLength(2);
    });

    it('never retries a mutation', async () => {
      const reset = await fake(flaky((res) => res.socket?.destroy()));
      await expect(dataSource({ url: reset.url }, { retries: 3 }).process(processOptions('rid-9', { query: MUTATION }))).rejects.toMatchObject({
        extensions: { code: 'SUBGRAPH_UNAVAILABLE', subgraph: 'catalogue' },
      });
      expect(reset.received).toHaveLength(1);
      const unavailable = await fake(flaky((res) => answerJson(res, {}, 503)));
      await expect(dataSource({ url: unavailable.url }, { retries: 3 }).process(processOptions('rid-10', { query: `# planned\nmutation { x }` }))).rejects.toMatchObject({
        extensions: { code: 'SUBGRAPH_UNAVAILABLE' },
      });
      expect(unavailable.received).toHaveLength(1);
    });
  });

  it('fails at once with circuit: open while the subgraph\'s circuit is open, without a call', async () => {
    const subgraph = await fake((_request, res) => answerJson(res, {}, 503));
    const calls: SubgraphCall[] = [];
    const source = dataSource({ name: 'custom', url: subgraph.url }, { retries: 0, circuit: { minimumCalls: 2, windowSize: 4, openMs: 60_000 }, onCall: (call) => calls.push(call) });
    for (const id of ['a', 'b']) await source.process(processOptions(id)).catch(() => undefined);
    const failure = await source.process(processOptions('c')).catch((error: unknown) => error);
    expect((failure as GraphQLError).message).toBe('The custom subgraph is unavailable.');
    expect((failure as GraphQLError).extensions).toEqual({ code: 'SUBGRAPH_UNAVAILABLE', subgraph: 'custom', circuit: 'open' });
    expect(subgraph.received).toHaveLength(2);
    expect(calls).toHaveLength(2);
  });

  describe('merging identical concurrent fetches', () => {
    const slow = (_request: unknown, res: ServerResponse) => {
      setTimeout(() => answerJson(res, { data: { providers: [{ id: 'p1' }] } }), 100);
    };

    it('gives 10 identical anonymous queries one upstream call, each its own copy of the answer', async () => {
      const subgraph = await fake(slow);
      const gauge = metrics();
      const source = dataSource({ url: subgraph.url, metrics: gauge });
      const responses = await Promise.all(Array.from({ length: 10 }, (_, index) => source.process(processOptions(`rid-${index}`, { variables: { first: 5 } }))));
      expect(subgraph.received).toHaveLength(1);
      expect(responses.every((response) => JSON.stringify(response.data) === '{"providers":[{"id":"p1"}]}')).toBe(true);
      // The executor merges into what it gets: sharing objects would mix requests' answers.
      expect(responses[0]?.data).not.toBe(responses[1]?.data);
      const text = gauge.render();
      expect(sample(text, 'cig_gateway_subgraph_deduplicated_total{subgraph="catalogue"}')).toBe(9);
      expect(sample(text, 'cig_gateway_subgraph_request_duration_seconds_count{subgraph="catalogue"}')).toBe(1);
    });

    it('never merges the fetches of an identified caller, nor different variables, nor mutations', async () => {
      const subgraph = await fake(slow);
      const source = dataSource({ url: subgraph.url, signCaller: createCallerHeaderSigner(secret) });
      await Promise.all(Array.from({ length: 10 }, (_, index) => source.process(processOptions(`rid-${index}`, { caller: alice }))));
      expect(subgraph.received).toHaveLength(10);
      // Each with its own request id: record-level reads are audited per request.
      expect(new Set(subgraph.received.map((request) => request.headers['x-request-id'])).size).toBe(10);
      await Promise.all([1, 2, 3].map((first) => source.process(processOptions(`v-${first}`, { variables: { first } }))));
      expect(subgraph.received).toHaveLength(13);
      await Promise.all([1, 2].map((index) => source.process(processOptions(`m-${index}`, { query: MUTATION }))));
      expect(subgraph.received).toHaveLength(15);
    });

    it('can be turned off (CIG_GATEWAY_SUBGRAPH_DEDUPLICATE=off)', async () => {
      const subgraph = await fake(slow);
      const source = dataSource({ url: subgraph.url, deduplicate: false });
      await Promise.all([1, 2, 3].map((index) => source.process(processOptions(`rid-${index}`))));
      expect(subgraph.received).toHaveLength(3);
    });
  });

  describe('response cache', () => {
    /**
     * A cache that keeps every clean answer per subgraph, query, variables and caller, and
     * records what it was told. As the real one, it serialises what it keeps late (here: at
     * the next lookup) and gives a fresh copy per hit.
     */
    function recordingCache() {
      const kept = new Map<string, SubgraphResponseBody>();
      const events: Array<{ event: 'lookup' | 'offer' | 'invalidate'; fetch: SubgraphFetchDescription }> = [];
      const keyOf = (fetch: SubgraphFetchDescription) => JSON.stringify([fetch.subgraph, fetch.query, fetch.variables, fetch.callerKey ?? null]);
      const cache: SubgraphResponseCache = {
        // As the real policy refuses other subgraphs' fetches.
        accepts: (fetch) => fetch.subgraph === 'catalogue' && !fetch.query.includes('records'),
        async lookup(fetch) {
          events.push({ event: 'lookup', fetch });
          const answer = kept.get(keyOf(fetch));
          return answer && (JSON.parse(JSON.stringify(answer)) as SubgraphResponseBody);
        },
        async offer(fetch, response) {
          events.push({ event: 'offer', fetch });
          kept.set(keyOf(fetch), response);
        },
        async invalidate(fetch) {
          events.push({ event: 'invalidate', fetch });
          kept.clear();
        },
        async close() {},
      };
      return { cache, events };
    }

    it('answers a repeated query from the cache without a call, and offers only clean answers', async () => {
      const subgraph = await fake((request, res) =>
        answerJson(res, request.body.variables?.['broken'] ? { data: null, errors: [{ message: 'x' }] } : { data: { providers: [] } }),
      );
      const { cache, events } = recordingCache();
      const gauge = metrics();
      const source = dataSource({ url: subgraph.url, responseCache: cache, metrics: gauge });

      const first = await source.process(processOptions('rid-1'));
      const second = await source.process(processOptions('rid-2'));
      expect(second).toEqual(first);
      expect(subgraph.received).toHaveLength(1);
      expect(events.map((entry) => entry.event)).toEqual(['lookup', 'offer', 'lookup']);
      expect(events[0]?.fetch).toEqual({ subgraph: 'catalogue', query: QUERY, variables: {}, operationType: 'query', callerKey: undefined });

      await source.process(processOptions('rid-3', { variables: { broken: true } }));
      expect(events.map((entry) => entry.event)).toEqual(['lookup', 'offer', 'lookup', 'lookup']);

      const text = gauge.render();
      expect(sample(text, 'cig_gateway_response_cache_total{subgraph="catalogue",result="hit"}')).toBe(1);
      expect(sample(text, 'cig_gateway_response_cache_total{subgraph="catalogue",result="miss"}')).toBe(2);
      expect(sample(text, 'cig_gateway_response_cache_total{subgraph="catalogue",result="stored"}')).toBe(1);
    });

    it('neither looks up nor offers a fetch the cache does not accept, and counts nothing for it', async () => {
      const subgraph = await fake((_request, res) => answerJson(res, { data: { records: [] } }));
      const { cache, events } = recordingCache();
      const gauge = metrics();
      const source = dataSource({ url: subgraph.url, responseCache: cache, metrics: gauge });
      await source.process(processOptions('rid-1', { query: '{ records { id } }' }));
      await source.process(processOptions('rid-2', { query: '{ records { id } }' }));
      expect(subgraph.received).toHaveLength(2);
      expect(events).toEqual([]);
      expect(gauge.render()).not.toMatch(/cig_gateway_response_cache_total\{/);
    });

    it('keys an identified caller\'s fetches by the digest of their claims', async () => {
      const subgraph = await fake();
      const { cache, events } = recordingCache();
      await dataSource({ url: subgraph.url, responseCache: cache }).process(processOptions('rid-1', { caller: alice }));
      expect(events[0]?.fetch.callerKey).toBe(toCallerKey(alice));
    });

    it('invalidates after a mutation, whether it succeeded or failed, never looking it up', async () => {
      const subgraph = await fake();
      const { cache, events } = recordingCache();
      const source = dataSource({ url: subgraph.url, responseCache: cache }, { retries: 0 });
      await source.process(processOptions('rid-1', { query: MUTATION }));
      expect(events).toEqual([{ event: 'invalidate', fetch: expect.objectContaining({ operationType: 'mutation', query: MUTATION }) }]);
      subgraph.handle((_request, res) => res.socket?.destroy());
      await expect(source.process(processOptions('rid-2', { query: MUTATION }))).rejects.toMatchObject({ extensions: { code: 'SUBGRAPH_UNAVAILABLE' } });
      expect(events.map((entry) => entry.event)).toEqual(['invalidate', 'invalidate']);
      expect(subgraph.received).toHaveLength(2);
    });

    it('offers the cache its own copy: what the executor merges into the answer never reaches the cache', async () => {
      const subgraph = await fake((_request, res) => answerJson(res, { data: { providers: [{ id: 'p1' }] } }));
      const { cache } = recordingCache();
      const source = dataSource({ url: subgraph.url, responseCache: cache });
      const fresh = await source.process(processOptions('rid-1'));
      // What the executor does with entity fields from another subgraph.
      (fresh.data as { providers: Array<Record<string, unknown>> }).providers[0]!['cohort'] = { subjects: 12 };
      expect((await source.process(processOptions('rid-2'))).data).toEqual({ providers: [{ id: 'p1' }] });
      expect(subgraph.received).toHaveLength(1);
    });
  });

  describe('trace context', () => {
    it('sends the active span as traceparent when tracing is on, and merges traced anonymous fetches all the same', async () => {
      const tracing = await startTracing({ config: { exporter: 'otlp', endpoint: 'http://127.0.0.1:9/v1/traces', serviceName: 'test' }, logger: silent, exporter: new InMemorySpanExporter() });
      try {
        const subgraph = await fake(async (_request, res) => {
          await new Promise((resolve) => setTimeout(resolve, 50));
          answerJson(res, OK_ANSWER);
        });
        const source = dataSource({ url: subgraph.url });
        // Two requests, each in a span of its own (as Apollo's gateway.fetch): one subgraph call.
        const traced = () => trace.getTracer('test').startActiveSpan('gateway.fetch', (span) =>
          source.process(processOptions(`rid-${span.spanContext().spanId}`)).finally(() => span.end()).then(() => span.spanContext()));
        const [first] = await Promise.all([traced(), traced()]);
        expect(subgraph.received).toHaveLength(1);
        expect(subgraph.received[0]?.headers['traceparent']).toBe(`00-${first.traceId}-${first.spanId}-01`);
      } finally {
        await tracing.shutdown();
      }
    });

    it('sends no traceparent when tracing is off', async () => {
      const subgraph = await fake();
      await dataSource({ url: subgraph.url }).process(processOptions('rid-t'));
      expect(subgraph.received[0]?.headers['traceparent']).toBeUndefined();
    });
  });

  describe('caller header', () => {
    it('sends the verified caller as a signed x-cig-caller the kit verifies', async () => {
      const subgraph = await fake();
      await dataSource({ url: subgraph.url, signCaller: createCallerHeaderSigner(secret) }).process(processOptions('rid-c', { caller: alice }));
      expect(await verifyCallerClaims(subgraph.received[0]?.headers[CALLER_HEADER] as string, secret)).toEqual(alice);
    });

    it('sends no caller header for an anonymous request, and drops one that was already on the request', async () => {
      const subgraph = await fake();
      const source = dataSource({ url: subgraph.url, signCaller: createCallerHeaderSigner(secret) });
      await source.process(processOptions('rid-a'));
      await source.process(processOptions('rid-b', { headers: new Headers({ [CALLER_HEADER]: 'forged' }) }));
      expect(subgraph.received.map((request) => request.headers[CALLER_HEADER])).toEqual([undefined, undefined]);
    });
  });
});
