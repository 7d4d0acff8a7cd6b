import type { GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import { CALLER_HEADER, verifyCallerClaims, type CallerClaims } from '@cancer-imaging/provider-kit';
import { GraphQLError } from 'graphql';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import type { GatewayContext } from './context.js';
import { createCallerHeaderSigner } from './auth/caller-header.js';
import { SubgraphDataSource, classifySubgraphFailure } from './subgraph-data-source.js';

const silent = pino({ level: 'silent' });

function processOptions(requestId: string, caller?: CallerClaims, headers?: Headers): GraphQLDataSourceProcessOptions<GatewayContext> {
  const context: GatewayContext = { requestId, logger: silent, ...(caller && { caller }) };
  // The data source reads only these fields; @apollo/gateway does not export the enum
  // behind `kind`, so its runtime value is written out.
  return {
    kind: 'incoming operation',
    request: { query: '{ __typename }', variables: {}, ...(headers && { http: { method: 'POST', url: 'http://x', headers } }) },
    incomingRequestContext: { context },
    context,
  } as unknown as GraphQLDataSourceProcessOptions<GatewayContext>;
}

describe('classifySubgraphFailure', () => {
  it('recognises connection failures wrapped by fetch, timeouts, and 502/503/504 answers', () => {
    expect(classifySubgraphFailure(new TypeError('fetch failed', { cause: Object.assign(new Error('x'), { code: 'ECONNREFUSED' }) })))
      .toEqual({ reason: 'unreachable', detail: 'ECONNREFUSED' });
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
  it('calls the override URL with the request id and a deadline signal', async () => {
    const calls: Array<{ url: string; init: RequestInit | undefined }> = [];
    const fetch = (async (url: string | URL | Request, init?: RequestInit) => {
      calls.push({ url: String(url), init });
      return Response.json({ data: { __typename: 'Query' } });
    }) as typeof globalThis.fetch;
    const source = new SubgraphDataSource({
      name: 'custom',
      url: 'http://from-supergraph/graphql',
      urlOverrides: { CUSTOM: 'http://override/graphql' },
      timeoutMs: 1000,
      logger: silent,
      fetch,
    });
    const response = await source.process(processOptions('rid-1'));
    expect(response.data).toEqual({ __typename: 'Query' });
    expect(calls).toHaveLength(1);
    expect(calls[0]?.url).toBe('http://override/graphql');
    expect((calls[0]?.init?.headers as Record<string, string>)['x-request-id']).toBe('rid-1');
    expect(calls[0]?.init?.signal).toBeInstanceOf(AbortSignal);
  });

  it('turns a refused connection into SUBGRAPH_UNAVAILABLE naming the subgraph, not its URL, and tries again next time', async () => {
    let up = false;
    const fetch = (async () => {
      if (!up) throw new TypeError('fetch failed', { cause: Object.assign(new Error('connect ECONNREFUSED 10.0.0.1:4004'), { code: 'ECONNREFUSED' }) });
      return Response.json({ data: { __typename: 'Query' } });
    }) as typeof globalThis.fetch;
    const source = new SubgraphDataSource({ name: 'custom', url: 'http://10.0.0.1:4004/graphql', timeoutMs: 1000, logger: silent, fetch });

    const failure = await source.process(processOptions('rid-2')).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(GraphQLError);
    expect((failure as GraphQLError).message).toBe('The custom subgraph is unavailable.');
    expect((failure as GraphQLError).extensions).toEqual({ code: 'SUBGRAPH_UNAVAILABLE', subgraph: 'custom' });

    up = true;
    expect((await source.process(processOptions('rid-3'))).data).toEqual({ __typename: 'Query' });
  });

  it('rethrows failures that are not about availability', async () => {
    const fetch = (async () => new Response('not json', { status: 200, headers: { 'content-type': 'text/plain' } })) as typeof globalThis.fetch;
    const source = new SubgraphDataSource({ name: 'custom', url: 'http://custom/graphql', timeoutMs: 1000, logger: silent, fetch });
    await expect(source.process(processOptions('rid-4'))).rejects.toThrow(/Expected JSON response body/);
  });

  describe('caller header', () => {
    const secret = 'subgraph-data-source-test-secret-0123456789';
    const caller: CallerClaims = { sub: 'alice', roles: ['researcher'], grants: [] };

    function recordingSource() {
      const sent: Array<Record<string, string>> = [];
      const fetch = (async (_url: string | URL | Request, init?: RequestInit) => {
        sent.push(init?.headers as Record<string, string>);
        return Response.json({ data: { __typename: 'Query' } });
      }) as typeof globalThis.fetch;
      const source = new SubgraphDataSource({ name: 'custom', url: 'http://custom/graphql', timeoutMs: 1000, logger: silent, fetch, signCaller: createCallerHeaderSigner(secret) });
      return { source, sent };
    }

    it('sends the verified caller as a signed x-cig-caller the kit verifies', async () => {
      const { source, sent } = recordingSource();
      await source.process(processOptions('rid-c', caller));
      expect(await verifyCallerClaims(sent[0]?.[CALLER_HEADER], secret)).toEqual(caller);
    });

    it('sends no caller header for an anonymous request, and drops one that was already on the request', async () => {
      const { source, sent } = recordingSource();
      await source.process(processOptions('rid-a'));
      await source.process(processOptions('rid-b', undefined, new Headers({ [CALLER_HEADER]: 'forged' })));
      expect(sent.map((headers) => headers[CALLER_HEADER])).toEqual([undefined, undefined]);
    });
  });
});
