import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CALLER_HEADER, verifyCallerClaims } from '@cancer-imaging/provider-kit';
import { createDevToken, loadDevKeyPair } from '@cancer-imaging/gateway';
import { startTestIdentityProvider, tamperToken, type TestIdentityProvider } from '../../gateway/src/testing/identity-provider.js';
import { startInProcessGraph, type InProcessGraph } from '../support/in-process-graph.js';

// Authentication, the signed caller header, operation limits, rate limiting, the
// production switches and CSRF prevention, through the demo graph (catalogue, custom
// kind, gateway) in this process, with a stand-in OIDC provider publishing its JWKS.
// Every refusal is checked to happen before any subgraph is called: the in-process
// graph records each call the gateway makes to a subgraph.

interface Answer {
  status: number;
  headers: Headers;
  body: { data?: Record<string, unknown> | null; errors?: Array<{ message: string; extensions?: Record<string, unknown> }> };
}

async function post(url: string, body: string, headers: Record<string, string> = {}): Promise<Answer> {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
  return { status: response.status, headers: response.headers, body: JSON.parse(await response.text()) as Answer['body'] };
}

const query = (url: string, text: string, headers: Record<string, string> = {}) => post(url, JSON.stringify({ query: text }), headers);

const COHORT = '{ providers { id name cohort(criteria: { cancerTypes: [LUNG] }) { status subjects { value precision } } } }';

let idp: TestIdentityProvider;
let graph: InProcessGraph;
let keysDir: string;

function authEnv(): Record<string, string> {
  return { CIG_GATEWAY_AUTH_JWKS_URL: idp.jwksUrl, CIG_GATEWAY_AUTH_ISSUER: idp.issuer, CIG_GATEWAY_AUTH_AUDIENCE: idp.audience };
}

beforeAll(async () => {
  idp = await startTestIdentityProvider();
  keysDir = join(await mkdtemp(join(tmpdir(), 'cig-auth-e2e-')), 'dev-keys');
  // Production (the gateway's default), trusting the identity provider.
  graph = await startInProcessGraph({ gatewayEnv: { ...authEnv(), CIG_GATEWAY_DEV_KEYS_DIR: keysDir } });
}, 180_000);

afterAll(async () => {
  await graph?.stop();
  await idp?.close();
  await rm(join(keysDir, '..'), { recursive: true, force: true });
});

/** Calls made while `action` ran. */
async function callsDuring<T>(target: InProcessGraph, action: () => Promise<T>): Promise<{ result: T; calls: InProcessGraph['subgraphCalls'] }> {
  const before = target.subgraphCalls.length;
  const result = await action();
  return { result, calls: target.subgraphCalls.slice(before) };
}

describe('a verified caller', () => {
  it('reaches every subgraph of the plan as a signed x-cig-caller that verifies with the graph\'s secret', async () => {
    const token = await idp.sign({ roles: ['researcher'], grants: [{ datasetId: 'demo-nl:custom:x', expiresAt: '2030-01-01T00:00:00Z' }], name: 'Alice' }, { sub: 'alice' });
    const { result, calls } = await callsDuring(graph, () => query(graph.url, COHORT, { authorization: `Bearer ${token}` }));
    expect(result.status).toBe(200);
    expect(result.body.errors).toBeUndefined();
    expect(new Set(calls.map((call) => call.url)).size).toBe(2); // catalogue, then the custom kind
    for (const call of calls) {
      expect(await verifyCallerClaims(call.headers[CALLER_HEADER], graph.internalSecret)).toEqual({
        sub: 'alice', roles: ['researcher'], grants: [{ datasetId: 'demo-nl:custom:x', expiresAt: '2030-01-01T00:00:00.000Z' }], name: 'Alice',
      });
      // A header forged with another secret would not verify.
      expect(await verifyCallerClaims(call.headers[CALLER_HEADER], 'another-secret-of-at-least-32-characters')).toBeNull();
    }
  });

  it('is anonymous without a token: aggregates answer, no caller header is sent, and a client\'s own header is dropped', async () => {
    const { result, calls } = await callsDuring(graph, () => query(graph.url, COHORT, { [CALLER_HEADER]: 'forged-by-the-client' }));
    expect(result.status).toBe(200);
    expect((result.body.data?.['providers'] as unknown[]).length).toBeGreaterThan(0);
    expect(calls.length).toBeGreaterThan(0);
    for (const call of calls) expect(call.headers[CALLER_HEADER]).toBeUndefined();
  });

  it('is the same caller for the EUCAIM search and the cohort report endpoints', async () => {
    const token = await idp.sign({ roles: ['committee'] }, { sub: 'carol' });
    const base = graph.url.replace(/\/graphql$/, '');
    const eucaim = await callsDuring(graph, () => fetch(`${base}/eucaim/search?diagnosis=363358000`, { headers: { authorization: `Bearer ${token}` } }));
    expect(eucaim.result.status).toBe(200);
    expect(eucaim.calls.length).toBeGreaterThan(0);
    for (const call of eucaim.calls) expect(await verifyCallerClaims(call.headers[CALLER_HEADER], graph.internalSecret)).toMatchObject({ sub: 'carol', roles: ['committee'] });

    const saved = await query(graph.url, 'mutation { saveCohort(criteria: { cancerTypes: [LUNG] }) { id } }', { authorization: `Bearer ${token}` });
    expect(saved.body.errors).toBeUndefined();
    const id = (saved.body.data?.['saveCohort'] as { id: string }).id;
    const report = await callsDuring(graph, () => fetch(`${base}/cohorts/${id}/report.json`, { headers: { authorization: `Bearer ${token}` } }));
    expect(report.result.status).toBe(200);
    expect(report.calls.length).toBeGreaterThan(0);
    for (const call of report.calls) expect(await verifyCallerClaims(call.headers[CALLER_HEADER], graph.internalSecret)).toMatchObject({ sub: 'carol' });

    // And a bad token is refused there too, before any subgraph is called.
    const refused = await callsDuring(graph, () => fetch(`${base}/eucaim/search`, { headers: { authorization: 'Bearer not.a.token' } }));
    expect(refused.result.status).toBe(401);
    expect(refused.calls).toEqual([]);
  });
});

describe('a token the gateway cannot trust', () => {
  it.each([
    ['tampered with (roles raised)', async () => tamperToken(await idp.sign({ roles: ['researcher'] }), { roles: ['committee'] })],
    ['for another audience', () => idp.sign({ roles: ['researcher'] }, { audience: 'some-other-service' })],
    ['expired', () => idp.sign({ roles: ['researcher'] }, { expiresIn: -3_600 })],
    ['signed with an unknown key', () => idp.sign({ roles: ['researcher'] }, { unpublishedKey: true })],
  ])('is refused when %s: 401 UNAUTHENTICATED, WWW-Authenticate, no subgraph called', async (_name, makeToken) => {
    const token = await makeToken();
    const { result, calls } = await callsDuring(graph, () => query(graph.url, COHORT, { authorization: `Bearer ${token}` }));
    expect(result.status).toBe(401);
    expect(result.body.data).toBeUndefined();
    expect(result.body.errors?.map((error) => error.extensions?.['code'])).toEqual(['UNAUTHENTICATED']);
    expect(result.headers.get('www-authenticate')).toContain('error="invalid_token"');
    expect(calls).toEqual([]);
  });

  it('includes a development token: a production gateway never trusts the development key', async () => {
    const keyPair = await loadDevKeyPair(keysDir);
    const { token } = await createDevToken({ keyPair, audience: idp.audience, sub: 'dev', roles: ['committee'], expiresInSeconds: 600 });
    const { result, calls } = await callsDuring(graph, () => query(graph.url, COHORT, { authorization: `Bearer ${token}` }));
    expect(result.status).toBe(401);
    expect(calls).toEqual([]);
  });
});

describe('operation limits, before any subgraph is called', () => {
  function deep(levels: number): string {
    // Dataset.provider → Provider.datasets → Dataset.provider ...: a valid query of any depth.
    let selection = 'id';
    for (let level = 3; level < levels; level += 1) selection = level % 2 === 1 ? `provider { ${selection} }` : `datasets { ${selection} }`;
    return `{ datasets(first: 1) { nodes { ${selection} } } }`;
  }

  it('refuses a query 50 levels deep with OPERATION_TOO_COMPLEX naming the depth', async () => {
    const { result, calls } = await callsDuring(graph, () => query(graph.url, deep(50)));
    expect(result.status).toBe(400);
    expect(result.body.errors).toEqual([{
      message: 'The operation is 50 levels deep; the limit (depth) is 15.',
      extensions: { code: 'OPERATION_TOO_COMPLEX', limit: 'depth', maximum: 15, actual: 50 },
    }]);
    expect(calls).toEqual([]);
  });

  it('refuses a query with 5,000 aliases with OPERATION_TOO_COMPLEX (its 15,000 tokens are refused first, at parse time)', async () => {
    const aliases = Array.from({ length: 5_000 }, (_, i) => `a${i}: providers { id }`).join(' ');
    const { result, calls } = await callsDuring(graph, () => query(graph.url, `{ ${aliases} }`));
    expect(result.status).toBe(400);
    expect(result.body.errors?.[0]?.extensions).toMatchObject({ code: 'OPERATION_TOO_COMPLEX', limit: 'tokens', maximum: 5_000 });
    expect(calls).toEqual([]);
  });

  it('refuses 31 aliases (a document small enough to parse) by the alias limit', async () => {
    const aliases = Array.from({ length: 31 }, (_, i) => `a${i}: providers { id }`).join(' ');
    const { result, calls } = await callsDuring(graph, () => query(graph.url, `{ ${aliases} }`));
    expect(result.body.errors?.[0]?.extensions).toEqual({ code: 'OPERATION_TOO_COMPLEX', limit: 'aliases', maximum: 30, actual: 31 });
    expect(calls).toEqual([]);
  });

  it('refuses a 1 MB body with 413 OPERATION_TOO_LARGE', async () => {
    const body = JSON.stringify({ query: '{ providers { id } }', variables: { padding: 'x'.repeat(1_000_000) } });
    expect(body.length).toBeGreaterThan(1_000_000);
    const { result, calls } = await callsDuring(graph, () => post(graph.url, body));
    expect(result.status).toBe(413);
    expect(result.body.errors?.map((error) => error.extensions?.['code'])).toEqual(['OPERATION_TOO_LARGE']);
    expect(calls).toEqual([]);
  });

  it('refuses an estimated cost above the limit, and a page above 100 as a bad argument', async () => {
    const costly = '{ datasets(first: 100) { nodes { subjects(first: 100) { nodes { studies(first: 100) { nodes { series(first: 100) { nodes { id } } } } } } } } }';
    const cost = await callsDuring(graph, () => query(graph.url, costly));
    expect(cost.result.body.errors?.[0]?.extensions).toMatchObject({ code: 'OPERATION_TOO_COMPLEX', limit: 'cost', maximum: 1_000_000 });
    const page = await callsDuring(graph, () => query(graph.url, '{ datasets(first: 1000) { totalCount } }'));
    expect(page.result.body.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', argument: 'first', maximum: 100, actual: 1_000 });
    expect([...cost.calls, ...page.calls]).toEqual([]);
  });
});

describe('production switches and CSRF prevention', () => {
  it('refuses introspection and serves no GraphiQL in production', async () => {
    const { result, calls } = await callsDuring(graph, () => query(graph.url, '{ __schema { types { name } } }'));
    expect(result.status).toBe(400);
    expect(result.body.errors?.[0]?.message).toMatch(/introspection is not allowed/);
    expect(calls).toEqual([]);
    expect((await fetch(graph.url.replace(/\/graphql$/, '/graphiql'))).status).toBe(404);
  });

  it('refuses a cross-site simple request (text/plain POST, or GET without a preflight header) with BAD_REQUEST', async () => {
    const { result, calls } = await callsDuring(graph, async () => {
      const plain = await fetch(graph.url, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: JSON.stringify({ query: COHORT }) });
      const get = await fetch(`${graph.url}?query=${encodeURIComponent('{ providers { id } }')}`);
      return [plain, get];
    });
    for (const response of result) {
      expect(response.status).toBe(400);
      expect(((await response.json()) as Answer['body']).errors?.[0]?.extensions?.['code']).toBe('BAD_REQUEST');
    }
    expect(calls).toEqual([]);
  });
});

describe('rate limiting and development tokens, on graphs of their own', () => {
  let limited: InProcessGraph | undefined;
  let development: InProcessGraph | undefined;

  afterAll(async () => {
    await limited?.stop();
    await development?.stop();
  });

  it('answers 429 RATE_LIMITED with Retry-After once the budget is spent, calling no subgraph', async () => {
    limited = await startInProcessGraph({ gatewayEnv: { CIG_GATEWAY_RATE_LIMIT: '5', CIG_GATEWAY_RATE_LIMIT_WINDOW_SECONDS: '3600' } });
    for (let i = 0; i < 5; i += 1) expect((await query(limited.url, '{ providers { id } }')).status).toBe(200);
    const graphLimited = limited;
    const { result, calls } = await callsDuring(graphLimited, () => query(graphLimited.url, '{ providers { id } }'));
    expect(result.status).toBe(429);
    const retryAfter = Number(result.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThan(0);
    expect(result.body.errors?.[0]?.extensions).toEqual({ code: 'RATE_LIMITED', retryAfter });
    expect(calls).toEqual([]);
  }, 120_000);

  it('trusts the development key in development: a dev token\'s roles and grants reach the subgraphs', async () => {
    development = await startInProcessGraph({ gatewayEnv: { CIG_GATEWAY_ENV: 'development', CIG_GATEWAY_DEV_KEYS_DIR: keysDir } });
    const keyPair = await loadDevKeyPair(keysDir);
    const { token } = await createDevToken({ keyPair, audience: 'cancer-imaging-graph', sub: 'dev-alice', roles: ['researcher'], datasetIds: ['demo-nl:custom:x'], expiresInSeconds: 600 });
    const graphDev = development;
    const { result, calls } = await callsDuring(graphDev, () => query(graphDev.url, COHORT, { authorization: `Bearer ${token}` }));
    expect(result.status).toBe(200);
    for (const call of calls) {
      expect(await verifyCallerClaims(call.headers[CALLER_HEADER], graphDev.internalSecret)).toMatchObject({
        sub: 'dev-alice', roles: ['researcher'], grants: [{ datasetId: 'demo-nl:custom:x' }],
      });
    }
    // Introspection is on in development.
    expect((await query(graphDev.url, '{ __schema { queryType { name } } }')).body.data).toEqual({ __schema: { queryType: { name: 'Query' } } });
  }, 120_000);
});
