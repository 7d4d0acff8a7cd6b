import { mkdtempSync, rmSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGateway, loadGatewayConfig, type Gateway } from '../src/index.js';
import {
  DEAD_KIND_URL,
  SLOW_FIELD_DELAY_MS,
  captureLogger,
  startTestFederation,
  type TestFederation,
} from './fixtures/federation.js';

/** Where gateways in development make their development key: a temp dir, not the repository's .cache. */
const devKeysDir = join(mkdtempSync(join(tmpdir(), 'cig-gateway-test-')), 'dev-keys');
afterAll(() => rmSync(join(devKeysDir, '..'), { recursive: true, force: true }));

interface GraphQLBody {
  data?: Record<string, unknown> | null;
  errors?: Array<{ message: string; path?: unknown[]; extensions?: Record<string, unknown> }>;
}

async function post(
  url: string,
  query: string,
  variables?: Record<string, unknown>,
  headers: Record<string, string> = {},
): Promise<{ status: number; headers: Headers; text: string; body: GraphQLBody }> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ query, variables }),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, text, body: JSON.parse(text) as GraphQLBody };
}

/** Sends a raw path, which fetch() would normalise (`..` segments), to test traversal. */
function rawGet(base: string, path: string): Promise<number> {
  const { hostname, port } = new URL(base);
  return new Promise((resolve, reject) => {
    const req = httpRequest({ hostname, port, path, method: 'GET' }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end();
  });
}

const CROSS_SUBGRAPH_QUERY = /* GraphQL */ `
  query Cohorts {
    providers {
      id
      name
      cohort(criteria: { cancerTypes: [BREAST] }) { subjects cancerTypes }
    }
  }
`;

function startGateway(federation: TestFederation, env: Record<string, string> = {}) {
  const { logger, lines } = captureLogger();
  const config = loadGatewayConfig({
    CIG_GATEWAY_PORT: '0',
    CIG_GATEWAY_DEV_KEYS_DIR: devKeysDir,
    CIG_GATEWAY_SUBGRAPH_TIMEOUT_MS: '5000',
    // Every fetch reaches its subgraph, as these tests count and inspect them; the response
    // cache and the plan warm-up (whose SDK operations this small federation lacks) have tests of their own.
    CIG_GATEWAY_RESPONSE_CACHE_TTL_MS: '0',
    CIG_GATEWAY_PLAN_WARMUP: 'false',
    ...federation.overrides,
    ...env,
  });
  const gateway = createGateway({ config, logger, supergraphSdl: federation.supergraphSdl });
  return { gateway, lines };
}

describe('gateway over a two-subgraph federation', () => {
  let federation: TestFederation;
  let gateway: Gateway;
  let lines: Array<Record<string, unknown>>;
  let url: string;
  let base: string;

  beforeAll(async () => {
    federation = await startTestFederation();
    // Production (the default) with GraphiQL switched on, and a page limit above the
    // subgraph's own, so the subgraph's refusal of first: 500 can be seen passing through.
    ({ gateway, lines } = startGateway(federation, { CIG_GATEWAY_GRAPHIQL: 'true', CIG_GATEWAY_MAX_PAGE_SIZE: '1000' }));
    ({ url } = await gateway.start());
    base = new URL('/', url).href.replace(/\/$/, '');
  });

  afterAll(async () => {
    await gateway?.stop();
    await federation?.dispose();
  });

  it('answers a query whose fields come from both subgraphs', async () => {
    const { status, body } = await post(url, CROSS_SUBGRAPH_QUERY);
    expect(status).toBe(200);
    expect(body.errors).toBeUndefined();
    expect(body.data).toEqual({
      providers: [
        { id: 'p1', name: 'Alpha Imaging', cohort: { subjects: 40, cancerTypes: ['BREAST'] } },
        { id: 'p2', name: 'Beta Archive', cohort: { subjects: 20, cancerTypes: ['BREAST'] } },
      ],
    });
  });

  it('calls the subgraph at its CIG_GATEWAY_SUBGRAPH_<NAME>_URL override, not the supergraph URL', async () => {
    expect(federation.supergraphSdl).toContain(DEAD_KIND_URL);
    const before = federation.kind.received.length;
    const { body } = await post(url, CROSS_SUBGRAPH_QUERY);
    expect(body.errors).toBeUndefined();
    expect(federation.kind.received.length).toBeGreaterThan(before);
  });

  it('is not listening and has no url before start()', () => {
    const idle = createGateway({
      config: loadGatewayConfig({ CIG_GATEWAY_PORT: '0' }),
      logger: captureLogger().logger,
      supergraphSdl: federation.supergraphSdl,
    });
    expect(() => idle.url).toThrow('not started');
  });

  it('echoes a valid x-request-id, forwards it to the subgraphs and stamps it on every log line of the request', async () => {
    const requestId = 'req-test-1234';
    const { headers, body } = await post(url, CROSS_SUBGRAPH_QUERY, undefined, { 'x-request-id': requestId });
    expect(body.errors).toBeUndefined();
    expect(headers.get('x-request-id')).toBe(requestId);
    expect(federation.catalogue.received.some((h) => h['x-request-id'] === requestId)).toBe(true);
    expect(federation.kind.received.some((h) => h['x-request-id'] === requestId)).toBe(true);

    const ofRequest = lines.filter((line) => line['requestId'] === requestId);
    expect(ofRequest.map((line) => line['msg'])).toEqual(expect.arrayContaining(['graphql operation', 'http request']));
    expect(ofRequest.find((line) => line['msg'] === 'graphql operation')).toMatchObject({ operationName: 'Cohorts', errors: 0 });
  });

  it('replaces an invalid x-request-id with a new UUID', async () => {
    const { headers } = await post(url, '{ providers { id } }', undefined, { 'x-request-id': 'bad id with spaces' });
    expect(headers.get('x-request-id')).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it('answers /healthz with 200 {status:"ok"}', async () => {
    const response = await fetch(`${base}/healthz`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ok' });
  });

  it('answers /readyz 200 while every subgraph answers, 503 naming the down one (no URL), and 200 again once it is back', async () => {
    const ready = await fetch(`${base}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ready', subgraphs: { catalogue: 'up', kind: 'up' } });

    await federation.kind.close();
    try {
      const notReady = await fetch(`${base}/readyz`);
      const text = await notReady.text();
      expect(notReady.status).toBe(503);
      expect(JSON.parse(text)).toEqual({ status: 'not-ready', subgraphs: { catalogue: 'up', kind: 'down' } });
      expect(text).not.toContain('http');
      expect(text).not.toContain('127.0.0.1');
    } finally {
      await federation.kind.restart();
    }

    const back = await fetch(`${base}/readyz`);
    expect(back.status).toBe(200);
  });

  it('gives partial data and a SUBGRAPH_UNAVAILABLE error while a subgraph is down, and recovers without restart', async () => {
    await federation.kind.close();
    try {
      const { status, text, body } = await post(url, CROSS_SUBGRAPH_QUERY);
      expect(status).toBe(200);
      expect(body.data).toEqual({
        providers: [
          { id: 'p1', name: 'Alpha Imaging', cohort: null },
          { id: 'p2', name: 'Beta Archive', cohort: null },
        ],
      });
      expect(body.errors).toEqual([
        { message: 'The kind subgraph is unavailable.', extensions: { code: 'SUBGRAPH_UNAVAILABLE', subgraph: 'kind' } },
      ]);
      for (const leak of ['http://', '127.0.0.1', String(federation.kind.port), 'ECONNREFUSED', 'stacktrace', 'fetch failed']) {
        expect(text).not.toContain(leak);
      }
      expect(lines).toEqual(expect.arrayContaining([expect.objectContaining({ msg: 'subgraph unavailable', subgraph: 'kind', url: federation.kind.url })]));
    } finally {
      await federation.kind.restart();
    }

    const recovered = await post(url, CROSS_SUBGRAPH_QUERY);
    expect(recovered.body.errors).toBeUndefined();
    expect(recovered.body.data?.['providers']).toEqual([
      { id: 'p1', name: 'Alpha Imaging', cohort: { subjects: 40, cancerTypes: ['BREAST'] } },
      { id: 'p2', name: 'Beta Archive', cohort: { subjects: 20, cancerTypes: ['BREAST'] } },
    ]);
  });

  it('reports an unknown enum literal as BAD_USER_INPUT naming the argument path, with status 400', async () => {
    const { status, body } = await post(url, '{ providers { cohort(criteria: { cancerTypes: [FOO] }) { subjects } } }');
    expect(status).toBe(400);
    expect(body.errors).toHaveLength(1);
    expect(body.errors?.[0]?.message).toBe(
      'Argument "criteria.cancerTypes" has an invalid value: Value "FOO" does not exist in "CancerType" enum.',
    );
    expect(body.errors?.[0]?.extensions).toEqual({ code: 'BAD_USER_INPUT', argument: 'criteria.cancerTypes' });
  });

  it('reports a string literal given for an Int as BAD_USER_INPUT naming the argument', async () => {
    const { status, body } = await post(url, '{ providers { cohort(criteria: {}, first: "ten") { subjects } } }');
    expect([200, 400]).toContain(status);
    expect(body.errors?.[0]?.message).toMatch(/^Argument "first" has an invalid value: Int cannot represent non-integer value: "ten"/);
    expect(body.errors?.[0]?.extensions?.['code']).toBe('BAD_USER_INPUT');
  });

  it('reports a bad variable as BAD_USER_INPUT naming the variable, with status 400', async () => {
    const { status, body } = await post(
      url,
      'query Q($criteria: CohortCriteria!) { providers { cohort(criteria: $criteria) { subjects } } }',
      { criteria: { cancerTypes: ['FOO'] } },
    );
    expect(status).toBe(400);
    expect(body.errors).toHaveLength(1);
    expect(body.errors?.[0]?.message).toContain('Variable "$criteria"');
    expect(body.errors?.[0]?.message).toContain('Value "FOO" does not exist in "CancerType" enum.');
    expect(body.errors?.[0]?.extensions).toEqual({ code: 'BAD_USER_INPUT', variable: 'criteria' });
  });

  it('keeps GRAPHQL_VALIDATION_FAILED for other validation errors, such as an unknown field', async () => {
    const { status, body } = await post(url, '{ providers { id nope } }');
    expect(status).toBe(400);
    expect(body.errors?.[0]?.extensions).toEqual({ code: 'GRAPHQL_VALIDATION_FAILED' });
    expect(body.errors?.[0]?.message).toContain('Cannot query field "nope"');
  });

  it('passes a subgraph BAD_USER_INPUT through with its message and the subgraph name, not its internals', async () => {
    const { status, body } = await post(url, '{ providers { id cohort(criteria: {}, first: 500) { subjects } } }');
    expect(status).toBe(200);
    expect(body.data).toEqual({ providers: [{ id: 'p1', cohort: null }, { id: 'p2', cohort: null }] });
    expect(body.errors?.length).toBeGreaterThan(0);
    for (const error of body.errors ?? []) {
      expect(error.message).toBe('Argument "first" is invalid: must be at most 100.');
      expect(error.extensions).toEqual({ code: 'BAD_USER_INPUT', argument: 'first', subgraph: 'kind' });
    }
  });

  it('masks an unexpected subgraph error in production: no message, URL or stack, code INTERNAL, logged under the request id', async () => {
    const { status, text, body } = await post(url, '{ providers { id diagnostics } }', undefined, { 'x-request-id': 'masking-1' });
    expect(status).toBe(200);
    expect(body.data).toEqual({ providers: [{ id: 'p1', diagnostics: null }, { id: 'p2', diagnostics: null }] });
    for (const error of body.errors ?? []) {
      expect(error.message).toBe('Internal error.');
      expect(error.extensions).toEqual({ code: 'INTERNAL', subgraph: 'kind' });
    }
    for (const leak of ['10.0.0.1', 'secret', 'stacktrace', 'serviceName', 'DOWNSTREAM']) expect(text).not.toContain(leak);
    const logged = lines.find((line) => line['requestId'] === 'masking-1' && line['msg'] === 'unexpected error, masked for the client');
    expect(JSON.stringify(logged)).toContain('http://10.0.0.1:5000 secret');
  });

  it('never answers 500 to a malformed body', async () => {
    const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{not json' });
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ errors: [{ message: 'The request body is not valid JSON.', extensions: { code: 'BAD_REQUEST' } }] });
  });

  it('redirects a browser opening / or /graphql to GraphiQL, and only a browser', async () => {
    for (const path of ['/', '/graphql']) {
      const response = await fetch(`${base}${path}`, { headers: { accept: 'text/html,application/xhtml+xml' }, redirect: 'manual' });
      expect(response.status, path).toBe(302);
      expect(response.headers.get('location'), path).toBe('/graphiql');
    }
    expect((await fetch(`${base}/`, { headers: { accept: 'application/json' }, redirect: 'manual' })).status).toBe(404);
  });

  it('answers a GET query carrying a preflight header (CSRF prevention stays on)', async () => {
    const query = encodeURIComponent('{ providers { id } }');
    const allowed = await fetch(`${url}?query=${query}`, { headers: { 'apollo-require-preflight': 'true' } });
    expect(allowed.status).toBe(200);
    expect(await allowed.json()).toEqual({ data: { providers: [{ id: 'p1' }, { id: 'p2' }] } });
    const refused = await fetch(`${url}?query=${query}`);
    expect(refused.status).toBe(400);
    expect(((await refused.json()) as GraphQLBody).errors?.[0]?.extensions?.['code']).toBe('BAD_REQUEST');
  });

  it('serves a GraphiQL page that loads only local assets and points at /graphql', async () => {
    const response = await fetch(`${base}/graphiql`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
    const html = await response.text();
    expect(html).toContain('"endpoint":"/graphql"');
    const references = [...html.matchAll(/(?:src|href)="([^"]+)"/g)]
      .map((match) => match[1] ?? '')
      .filter((reference) => !reference.startsWith('data:'));
    expect(references).toEqual(
      expect.arrayContaining([expect.stringMatching(/^\/graphiql\/assets\/yoga-graphiql\.umd\.js\?v=4\.4\.4$/), expect.stringMatching(/^\/graphiql\/assets\/graphiql\.css\?v=/)]),
    );
    expect(references.every((reference) => reference.startsWith('/graphiql/assets/'))).toBe(true);
    expect(html).not.toMatch(/https?:\/\//);

    // Every asset the page names, the Monaco workers included, is served.
    const workerUrls = Object.values(JSON.parse(/var workers = (\{[^}]*\})/.exec(html)?.[1] ?? '{}') as Record<string, string>);
    expect(workerUrls.length).toBeGreaterThanOrEqual(3);
    for (const asset of [...references, ...workerUrls]) {
      const served = await fetch(`${base}${asset}`);
      expect(served.status, asset).toBe(200);
      const text = await served.text();
      expect(text, asset).not.toMatch(/(?:src|href)\s*=\s*["']https:\/\/[^"']*(?:cdn|unpkg|jsdelivr)/i);
      expect(text, asset).not.toMatch(/https:\/\/(?:[a-z0-9-]+\.)*(?:unpkg\.com|jsdelivr\.net|cdnjs\.cloudflare\.com)/i);
    }
  });

  it('serves assets with content types, long caching for versioned URLs, ETags and gzip', async () => {
    const js = await fetch(`${base}/graphiql/assets/yoga-graphiql.umd.js?v=4.4.4`, { headers: { 'accept-encoding': 'gzip' } });
    expect(js.status).toBe(200);
    expect(js.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(js.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(js.headers.get('content-encoding')).toBe('gzip');
    expect((await js.text()).startsWith('(function(')).toBe(true);

    const css = await fetch(`${base}/graphiql/assets/graphiql.css`);
    expect(css.headers.get('content-type')).toBe('text/css; charset=utf-8');
    expect(css.headers.get('cache-control')).toBe('public, max-age=3600');
    const etag = css.headers.get('etag');
    expect(etag).toBeTruthy();
    await css.arrayBuffer();
    const cached = await fetch(`${base}/graphiql/assets/graphiql.css`, { headers: { 'if-none-match': etag ?? '' } });
    expect(cached.status).toBe(304);
  });

  it('answers 404 to path traversal and to files outside the allow-list', async () => {
    for (const path of [
      '/graphiql/assets/../../package.json',
      '/graphiql/assets/..%2F..%2Fpackage.json',
      '/graphiql/assets/%2e%2e/%2e%2e/package.json',
      '/graphiql/assets/..%5C..%5Cpackage.json',
      '/graphiql/assets/%2Fetc%2Fpasswd',
      '/graphiql/assets/monacoeditorwork/../../package.json',
      '/graphiql/assets/..%252F..%252Fpackage.json',
      '/graphiql/assets/%E0%A4%A',
      '/graphiql/assets/',
    ]) {
      expect(await rawGet(base, path), path).toBe(404);
    }
  });

  it('answers 404 to unknown paths, protocol-relative ones included, and keeps serving', async () => {
    expect((await fetch(`${base}/nope`)).status).toBe(404);
    for (const path of ['//', '//evil.example/graphql', '///etc/passwd']) expect(await rawGet(base, path), path).toBe(404);
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
  });
});

describe('gateway in development and with a slow subgraph', () => {
  let federation: TestFederation;

  beforeAll(async () => {
    federation = await startTestFederation();
  });

  afterAll(async () => {
    await federation?.dispose();
  });

  it('shows the upstream message and stack trace of an unexpected error in development, still with a code', async () => {
    const { gateway } = startGateway(federation, { CIG_GATEWAY_ENV: 'development' });
    const { url } = await gateway.start();
    try {
      const { body } = await post(url, '{ providers { id diagnostics } }');
      expect(body.errors?.length).toBeGreaterThan(0);
      const error = body.errors?.[0];
      expect(error?.message).toBe('connect failed at http://10.0.0.1:5000 secret');
      expect(error?.extensions?.['code']).toBe('INTERNAL');
      expect(error?.extensions?.['subgraph']).toBe('kind');
      expect(Array.isArray(error?.extensions?.['stacktrace'])).toBe(true);
    } finally {
      await gateway.stop();
    }
  });

  it('turns a subgraph that exceeds its deadline into SUBGRAPH_UNAVAILABLE and keeps the rest of the answer', async () => {
    const { gateway } = startGateway(federation, { CIG_GATEWAY_SUBGRAPH_TIMEOUT_MS: '300' });
    const { url } = await gateway.start();
    try {
      const startedAt = Date.now();
      const { status, body } = await post(url, '{ providers { id name slow } }');
      expect(Date.now() - startedAt).toBeLessThan(SLOW_FIELD_DELAY_MS);
      expect(status).toBe(200);
      expect(body.data).toEqual({
        providers: [
          { id: 'p1', name: 'Alpha Imaging', slow: null },
          { id: 'p2', name: 'Beta Archive', slow: null },
        ],
      });
      expect(body.errors).toEqual([
        { message: 'The kind subgraph did not answer within 300 ms.', extensions: { code: 'SUBGRAPH_UNAVAILABLE', subgraph: 'kind' } },
      ]);
    } finally {
      await gateway.stop();
    }
  });

  it('lets a request in flight finish when it stops, and takes no new one', async () => {
    const { gateway } = startGateway(federation, { CIG_GATEWAY_SHUTDOWN_TIMEOUT_MS: '10000' });
    const { url } = await gateway.start();
    const inFlight = post(url, '{ providers { id slow } }');
    // The slow field is still being resolved when the stop begins.
    await new Promise((resolve) => setTimeout(resolve, 300));
    const stopping = gateway.stop();
    await new Promise((resolve) => setTimeout(resolve, 100));
    await expect(fetch(url, { method: 'POST' })).rejects.toThrow();
    const { status, body } = await inFlight;
    expect(status).toBe(200);
    expect(body.errors).toBeUndefined();
    expect((body.data as { providers: Array<{ slow: string | null }> }).providers.every((provider) => provider.slow !== null)).toBe(true);
    await stopping;
  });

  it('cuts a request still running when the drain time is up, instead of waiting for it', async () => {
    // Drain is half the shutdown timeout: 600 ms, shorter than the slow field's 1.5 s.
    const { gateway } = startGateway(federation, { CIG_GATEWAY_SHUTDOWN_TIMEOUT_MS: '1200' });
    const { url } = await gateway.start();
    const inFlight = post(url, '{ providers { id slow } }').then(() => 'answered', () => 'cut');
    await new Promise((resolve) => setTimeout(resolve, 200));
    const startedAt = Date.now();
    await gateway.stop();
    expect(Date.now() - startedAt).toBeLessThan(SLOW_FIELD_DELAY_MS);
    expect(await inFlight).toBe('cut');
  });

  it('reads the supergraph from config.supergraphPath when no SDL is given, and stops cleanly', async () => {
    const { mkdtemp, writeFile, rm } = await import('node:fs/promises');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const dir = await mkdtemp(join(tmpdir(), 'cig-gateway-'));
    try {
      await writeFile(join(dir, 'supergraph.graphql'), federation.supergraphSdl);
      const config = loadGatewayConfig({ CIG_GATEWAY_PORT: '0', CIG_GATEWAY_SUPERGRAPH: 'supergraph.graphql', ...federation.overrides }, { cwd: dir });
      const gateway = createGateway({ config, logger: captureLogger().logger });
      const { url } = await gateway.start();
      expect(gateway.url).toBe(url);
      const { body } = await post(url, '{ providers { id } }');
      expect(body.data).toEqual({ providers: [{ id: 'p1' }, { id: 'p2' }] });
      await gateway.stop();
      await gateway.stop();
      await expect(fetch(url, { method: 'POST' })).rejects.toThrow();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
