import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CALLER_HEADER, verifyCallerClaims } from '@cancer-imaging/provider-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGateway, loadGatewayConfig, type Gateway } from '../src/index.js';
import { startTestIdentityProvider, tamperToken, type TestIdentityProvider } from '../src/testing/identity-provider.js';
import { redisTestsEnabled, startLocalRedis, type LocalRedis } from '../src/testing/redis.js';
import { captureLogger, startTestFederation, type TestFederation } from './fixtures/federation.js';

// Authentication, the caller header, limits, production switches, CSRF and rate limiting
// at the gateway, over the two-subgraph test federation and a stand-in identity provider.

const SECRET = 'gateway-security-test-secret-0123456789';

/** Where gateways in development make their development key: a temp dir, not the repository's .cache. */
const devKeysDir = join(mkdtempSync(join(tmpdir(), 'cig-gateway-test-')), 'dev-keys');
afterAll(() => rmSync(join(devKeysDir, '..'), { recursive: true, force: true }));

interface Answer {
  status: number;
  headers: Headers;
  body: { data?: unknown; errors?: Array<{ message: string; extensions?: Record<string, unknown> }> };
}

async function post(url: string, query: string, headers: Record<string, string> = {}): Promise<Answer> {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ query }) });
  return { status: response.status, headers: response.headers, body: JSON.parse(await response.text()) as Answer['body'] };
}

let federation: TestFederation;
let idp: TestIdentityProvider;
const gateways: Gateway[] = [];

async function startGateway(env: Record<string, string> = {}): Promise<string> {
  const config = loadGatewayConfig({
    CIG_GATEWAY_PORT: '0',
    CIG_GATEWAY_DEV_KEYS_DIR: devKeysDir,
    CIG_GATEWAY_AUTH_JWKS_URL: idp.jwksUrl,
    CIG_GATEWAY_AUTH_ISSUER: idp.issuer,
    CIG_GATEWAY_AUTH_AUDIENCE: idp.audience,
    CIG_INTERNAL_SECRET: SECRET,
    ...federation.overrides,
    ...env,
  });
  const gateway = createGateway({ config, logger: captureLogger().logger, supergraphSdl: federation.supergraphSdl });
  gateways.push(gateway);
  return (await gateway.start()).url;
}

/** Subgraph requests received so far, both subgraphs together. */
function subgraphCalls(): number {
  return federation.catalogue.received.length + federation.kind.received.length;
}

beforeAll(async () => {
  federation = await startTestFederation();
  idp = await startTestIdentityProvider();
});

afterAll(async () => {
  await Promise.all(gateways.map((gateway) => gateway.stop()));
  await federation?.dispose();
  await idp?.close();
});

const CROSS = '{ providers { id cohort(criteria: {}) { subjects } } }';

describe('authentication and the caller header', () => {
  let url: string;
  beforeAll(async () => {
    url = await startGateway();
  });

  it('sends every subgraph of a verified caller\'s query a caller header the kit verifies with the shared secret', async () => {
    const before = { catalogue: federation.catalogue.received.length, kind: federation.kind.received.length };
    const token = await idp.sign({ roles: ['researcher'], grants: [{ datasetId: 'p1:kind:d1', expiresAt: '2030-01-01T00:00:00Z' }] }, { sub: 'alice' });
    const answer = await post(url, CROSS, { authorization: `Bearer ${token}` });
    expect(answer.status).toBe(200);
    expect(answer.body.errors).toBeUndefined();
    const received = [...federation.catalogue.received.slice(before.catalogue), ...federation.kind.received.slice(before.kind)];
    expect(received.length).toBeGreaterThanOrEqual(2);
    for (const headers of received) {
      expect(await verifyCallerClaims(headers[CALLER_HEADER] as string, SECRET)).toEqual({
        sub: 'alice', roles: ['researcher'], grants: [{ datasetId: 'p1:kind:d1', expiresAt: '2030-01-01T00:00:00.000Z' }],
      });
    }
  });

  it('sends no caller header for an anonymous caller, even one that sends its own', async () => {
    const before = federation.kind.received.length;
    const answer = await post(url, CROSS, { [CALLER_HEADER]: 'forged.by.client' });
    expect(answer.status).toBe(200);
    const received = federation.kind.received.slice(before);
    expect(received.length).toBeGreaterThan(0);
    for (const headers of received) expect(headers[CALLER_HEADER]).toBeUndefined();
  });

  it('replaces a caller header the client sends beside its token with the gateway\'s own', async () => {
    const before = federation.kind.received.length;
    const forged = await idp.sign({ roles: ['committee'] }, { sub: 'mallory' }); // not a caller header at all
    await post(url, CROSS, { authorization: `Bearer ${await idp.sign({}, { sub: 'bob' })}`, [CALLER_HEADER]: forged });
    for (const headers of federation.kind.received.slice(before)) {
      expect(await verifyCallerClaims(headers[CALLER_HEADER] as string, SECRET)).toMatchObject({ sub: 'bob', roles: [] });
    }
  });

  it.each([
    ['a tampered token', async () => tamperToken(await idp.sign({ roles: ['researcher'] }), { roles: ['committee'] }), 'signature is not valid'],
    ['a token for another audience', () => idp.sign({}, { audience: 'another-api' }), 'audience'],
    ['an expired token', () => idp.sign({}, { expiresIn: -3_600 }), 'expired'],
    ['a token from an unknown key', () => idp.sign({}, { unpublishedKey: true }), 'key the graph does not know'],
    ['a malformed token', async () => 'not.a.jwt', 'malformed'],
  ])('refuses %s with 401 UNAUTHENTICATED and an invalid_token challenge, calling no subgraph', async (_name, makeToken, message) => {
    const token = await makeToken();
    const before = subgraphCalls();
    const answer = await post(url, CROSS, { authorization: `Bearer ${token}` });
    expect(answer.status).toBe(401);
    expect(answer.body.errors).toHaveLength(1);
    expect(answer.body.errors?.[0]?.extensions).toEqual({ code: 'UNAUTHENTICATED' });
    expect(answer.body.errors?.[0]?.message).toContain(message);
    expect(answer.headers.get('www-authenticate')).toMatch(/^Bearer realm="cancer-imaging-graph", error="invalid_token", error_description="/);
    expect(subgraphCalls()).toBe(before);
  });

  it('refuses an Authorization header that is not a bearer token', async () => {
    const before = subgraphCalls();
    const answer = await post(url, CROSS, { authorization: 'Basic YWxpY2U6c2VjcmV0' });
    expect(answer.status).toBe(401);
    expect(subgraphCalls()).toBe(before);
  });

  it('answers 503 without calling a subgraph while the identity provider\'s keys cannot be fetched', async () => {
    const cold = await startGateway();
    idp.available = false;
    try {
      const before = subgraphCalls();
      const answer = await post(cold, CROSS, { authorization: `Bearer ${await idp.sign()}` });
      expect(answer.status).toBe(503);
      expect(answer.headers.get('retry-after')).toBe('5');
      expect(subgraphCalls()).toBe(before);
    } finally {
      idp.available = true;
    }
  });
});

describe('operation limits', () => {
  let url: string;
  beforeAll(async () => {
    url = await startGateway({ CIG_GATEWAY_MAX_DEPTH: '2', CIG_GATEWAY_MAX_TOKENS: '200' });
  });

  it.each([
    ['too deep', '{ providers { cohort(criteria: {}) { subjects } } }', 'depth'],
    ['too many aliases', `{ providers { ${Array.from({ length: 31 }, (_, i) => `a${i}: id`).join(' ')} } }`, 'aliases'],
    ['too many tokens', `{ providers { ${'id '.repeat(300)}} }`, 'tokens'],
  ])('refuses an operation %s with 400 OPERATION_TOO_COMPLEX, calling no subgraph', async (_name, query, limit) => {
    const before = subgraphCalls();
    const answer = await post(url, query);
    expect(answer.status).toBe(400);
    expect(answer.body.errors?.[0]?.extensions).toMatchObject({ code: 'OPERATION_TOO_COMPLEX', limit });
    expect(subgraphCalls()).toBe(before);
  });

  it('refuses a body over 1 MB with 413 OPERATION_TOO_LARGE before reading it all, calling no subgraph', async () => {
    const before = subgraphCalls();
    const query = `{ providers { id } } # ${'x'.repeat(1_000_001)}`;
    const answer = await post(url, query);
    expect(answer.status).toBe(413);
    expect(answer.body.errors).toEqual([{ message: 'The request body is larger than 1000000 bytes.', extensions: { code: 'OPERATION_TOO_LARGE' } }]);
    expect(subgraphCalls()).toBe(before);
  });
});

describe('production switches and CSRF prevention', () => {
  it('refuses introspection and serves no GraphiQL in production by default', async () => {
    const url = await startGateway();
    const base = url.replace(/\/graphql$/, '');
    const answer = await post(url, '{ __schema { queryType { name } } }');
    expect(answer.status).toBe(400);
    expect(answer.body.errors?.[0]?.extensions?.['code']).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(answer.body.errors?.[0]?.message).toMatch(/introspection is not allowed/);
    expect((await fetch(`${base}/graphiql`)).status).toBe(404);
    expect((await fetch(`${base}/`, { headers: { accept: 'text/html' }, redirect: 'manual' })).status).toBe(404);
    // The ordinary __typename is not introspection.
    expect((await post(url, '{ __typename }')).body).toEqual({ data: { __typename: 'Query' } });
  });

  it('allows introspection and GraphiQL in development, and either when switched on in production', async () => {
    const development = await startGateway({ CIG_GATEWAY_ENV: 'development' });
    expect((await post(development, '{ __schema { queryType { name } } }')).body).toEqual({ data: { __schema: { queryType: { name: 'Query' } } } });
    expect((await fetch(development.replace(/\/graphql$/, '/graphiql'))).status).toBe(200);
    const switched = await startGateway({ CIG_GATEWAY_INTROSPECTION: 'true' });
    expect((await post(switched, '{ __schema { queryType { name } } }')).status).toBe(200);
  });

  it.each([
    ['a GET without a preflight header', (url: string) => fetch(`${url}?query=${encodeURIComponent('{ providers { id } }')}`)],
    ['a text/plain POST', (url: string) => fetch(url, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: JSON.stringify({ query: '{ providers { id } }' }) })],
    ['a form POST', (url: string) => fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'query=%7B%20providers%20%7B%20id%20%7D%20%7D' })],
  ])('refuses %s (a simple request a foreign page can send) with 400 BAD_REQUEST, calling no subgraph', async (_name, send) => {
    const url = await startGateway();
    const before = subgraphCalls();
    const response = await send(url);
    expect(response.status).toBe(400);
    const body = (await response.json()) as Answer['body'];
    expect(body.errors?.[0]?.extensions?.['code']).toBe('BAD_REQUEST');
    expect(body.errors?.[0]?.message).toMatch(/Cross-Site Request Forgery/);
    expect(subgraphCalls()).toBe(before);
  });
});

describe('rate limiting', () => {
  it('answers 429 RATE_LIMITED with Retry-After once a caller spends its budget, calling no subgraph, other callers unaffected', async () => {
    // An hour's window: the test cannot straddle two windows and see its budget renewed.
    const url = await startGateway({ CIG_GATEWAY_RATE_LIMIT: '3', CIG_GATEWAY_RATE_LIMIT_WINDOW_SECONDS: '3600' });
    const statuses: number[] = [];
    for (let i = 0; i < 3; i += 1) statuses.push((await post(url, '{ providers { id } }')).status);
    expect(statuses).toEqual([200, 200, 200]);
    const before = subgraphCalls();
    const limited = await post(url, '{ providers { id } }');
    expect(limited.status).toBe(429);
    const retryAfter = Number(limited.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(3_600);
    expect(limited.body.errors?.[0]?.extensions).toEqual({ code: 'RATE_LIMITED', retryAfter });
    expect(limited.headers.get('ratelimit-remaining')).toBe('0');
    expect(subgraphCalls()).toBe(before);
    // A verified caller has a budget of its own, by subject, not the address's.
    const token = await idp.sign({}, { sub: `carol-${randomUUID()}` });
    expect((await post(url, '{ providers { id } }', { authorization: `Bearer ${token}` })).status).toBe(200);
  });
});

const redisEnabled = redisTestsEnabled();

describe.skipIf(!redisEnabled)('rate limiting shared through a real Redis', () => {
  let redis: LocalRedis;
  beforeAll(async () => {
    redis = await startLocalRedis();
  });
  afterAll(async () => {
    await redis?.stop();
  });

  it('makes two gateway instances sharing Redis share one budget per caller', async () => {
    const env = { CIG_REDIS_URL: redis.url, CIG_GATEWAY_RATE_LIMIT: '4', CIG_GATEWAY_RATE_LIMIT_WINDOW_SECONDS: '3600' };
    const a = await startGateway(env);
    const b = await startGateway(env);
    // A subject of its own, so other runs sharing CI's Redis cannot spend this budget.
    const token = await idp.sign({}, { sub: `dave-${randomUUID()}` });
    const headers = { authorization: `Bearer ${token}` };
    const statuses: number[] = [];
    for (const url of [a, b, a, b, a, b]) statuses.push((await post(url, '{ providers { id } }', headers)).status);
    // Four in all, wherever they land; a gateway with its own memory counter would allow six.
    expect(statuses).toEqual([200, 200, 200, 200, 429, 429]);
  });
});
