import { HeaderMap } from '@apollo/server';
import { graphql } from 'graphql';
import { http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { openSqliteGraphStore, type Caller, type GraphStore } from '@cancer-imaging/provider-kit';
import { createNegotiatorClient } from '../src/access/negotiator.js';
import { createCatalogueSubgraph, type CatalogueSubgraph } from '../src/index.js';
import { ALL_DATASET_IDS, loadFixtureRegistry, silentLogger } from './helpers.js';

// The access workflow through the catalogue's schema, with its graphql-shield role rules:
// request → review → approval (grants) → audit, and every refusal coded.

const negotiator = setupServer(http.post('https://negotiator.example.org/api/v3/requests', () =>
  HttpResponse.json({ id: 'n-1', redirectUrl: 'https://negotiator.example.org/requests/n-1' }, { status: 201 })));

const callers: Record<string, Caller> = {
  anonymous: { roles: [], grants: [] },
  alice: { id: 'alice', roles: ['researcher'], grants: [] },
  bob: { id: 'bob', roles: ['researcher'], grants: [] },
  committee: { id: 'dac-1', roles: ['committee'], grants: [] },
  admin: { id: 'admin-1', roles: ['provider-admin'], grants: [] },
};

let store: GraphStore;
let subgraph: CatalogueSubgraph;

beforeAll(async () => {
  negotiator.listen({ onUnhandledRequest: 'error' });
  store = openSqliteGraphStore(':memory:');
  subgraph = createCatalogueSubgraph({
    registry: await loadFixtureRegistry(), logger: silentLogger, store,
    resolveCaller: (headers) => callers[headers.get('x-test-caller') ?? 'anonymous']!,
    negotiator: createNegotiatorClient({ baseUrl: 'https://negotiator.example.org', discoveryServiceUrl: 'https://graph.example.org', username: 'u', password: 'p' }),
  });
});
afterEach(() => negotiator.resetHandlers());
afterAll(async () => {
  negotiator.close();
  await subgraph.close();
  await store.close();
});

async function as(who: keyof typeof callers, source: string, variableValues: Record<string, unknown> = {}) {
  const headers = new HeaderMap([['x-test-caller', who]]);
  const contextValue = await subgraph.createContext({ headers, requestId: `test-${who}` });
  const result = await graphql({ schema: subgraph.schema, source, variableValues, contextValue });
  return JSON.parse(JSON.stringify(result)) as { data?: Record<string, any> | null; errors?: { message: string; extensions: { code: string } }[] };
}

const REQUEST = `mutation($input: RequestAccessInput!) { requestAccess(input: $input) { id state requester negotiatorUrl datasets { id } history { state actor } } }`;
const PURPOSE = 'Training a prostate lesion detector on multi-site MRI.';

describe('the access workflow', () => {
  let requestId: string;

  it('lets a researcher ask, and hands the request over to the Negotiator', async () => {
    const result = await as('alice', REQUEST, { input: { datasetIds: [ALL_DATASET_IDS[3], ALL_DATASET_IDS[3]], purpose: PURPOSE } });
    expect(result.errors).toBeUndefined();
    const request = result.data!.requestAccess;
    expect(request).toMatchObject({ state: 'SUBMITTED', requester: 'alice', negotiatorUrl: 'https://negotiator.example.org/requests/n-1', datasets: [{ id: ALL_DATASET_IDS[3] }] });
    expect(request.history).toEqual([{ state: 'SUBMITTED', actor: 'alice' }]);
    requestId = request.id;
  });

  it('refuses anonymous callers, callers without the role, and bad input, each with its code', async () => {
    expect((await as('anonymous', REQUEST, { input: { datasetIds: [ALL_DATASET_IDS[0]], purpose: PURPOSE } })).errors?.[0]?.extensions.code).toBe('UNAUTHENTICATED');
    expect((await as('committee', REQUEST, { input: { datasetIds: [ALL_DATASET_IDS[0]], purpose: PURPOSE } })).errors?.[0]?.extensions.code).toBe('FORBIDDEN');
    const unknown = await as('alice', REQUEST, { input: { datasetIds: ['nowhere:custom:x'], purpose: PURPOSE } });
    expect(unknown.errors?.[0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT' } });
    expect(unknown.errors?.[0]?.message).toContain('input.datasetIds');
    expect((await as('alice', REQUEST, { input: { datasetIds: [ALL_DATASET_IDS[0]], purpose: 'too short' } })).errors?.[0]?.message).toContain('input.purpose');
    expect((await as('alice', `mutation($id: ID!) { approveAccessRequest(id: $id, expiresAt: "2030-01-01T00:00:00Z") { id } }`, { id: requestId })).errors?.[0]?.extensions.code).toBe('FORBIDDEN');
    expect((await as('anonymous', '{ accessRequests { totalCount } }')).errors?.[0]?.extensions.code).toBe('UNAUTHENTICATED');
    expect((await as('alice', '{ auditLog { sequence } }')).errors?.[0]?.extensions.code).toBe('FORBIDDEN');
  });

  it('shows a request to its requester and the committee only', async () => {
    const query = `query($id: ID!) { accessRequest(id: $id) { id purpose } }`;
    expect((await as('alice', query, { id: requestId })).data?.accessRequest?.purpose).toBe(PURPOSE);
    expect((await as('committee', query, { id: requestId })).data?.accessRequest?.id).toBe(requestId);
    expect((await as('bob', query, { id: requestId })).data?.accessRequest).toBeNull();
    // Another researcher cannot withdraw it, and learns nothing about it trying.
    expect((await as('bob', `mutation($id: ID!) { withdrawAccessRequest(id: $id) { id } }`, { id: requestId })).errors?.[0]?.extensions.code).toBe('NOT_FOUND');
    expect((await as('alice', '{ myAccessRequests { totalCount nodes { id } } }')).data?.myAccessRequests).toEqual({ totalCount: 1, nodes: [{ id: requestId }] });
    expect((await as('bob', '{ myAccessRequests { totalCount } }')).data?.myAccessRequests.totalCount).toBe(0);
  });

  it('takes a request through review to approval, creating grants, in order, once', async () => {
    const approve = `mutation($id: ID!, $at: DateTime!) { approveAccessRequest(id: $id, expiresAt: $at, note: "ethics approval seen") { state grants { datasetId grantee active } history { state actor note } } }`;
    const inAYear = new Date(Date.now() + 365 * 86_400_000).toISOString();
    expect((await as('committee', approve, { id: requestId, at: inAYear })).errors?.[0]?.extensions.code).toBe('CONFLICT');
    expect((await as('committee', `mutation($id: ID!) { startAccessReview(id: $id) { state } }`, { id: requestId })).data?.startAccessReview.state).toBe('UNDER_REVIEW');
    expect((await as('committee', approve, { id: requestId, at: '2001-01-01T00:00:00Z' })).errors?.[0]?.message).toContain('expiresAt');
    const approved = await as('committee', approve, { id: requestId, at: inAYear });
    expect(approved.errors).toBeUndefined();
    expect(approved.data!.approveAccessRequest).toEqual({
      state: 'APPROVED',
      grants: [{ datasetId: ALL_DATASET_IDS[3], grantee: 'alice', active: true }],
      history: [
        { state: 'SUBMITTED', actor: 'alice', note: null },
        { state: 'UNDER_REVIEW', actor: 'dac-1', note: null },
        { state: 'APPROVED', actor: 'dac-1', note: 'ethics approval seen' },
      ],
    });
    expect((await as('committee', approve, { id: requestId, at: inAYear })).errors?.[0]?.extensions.code).toBe('CONFLICT');
    expect((await as('alice', `mutation($id: ID!) { withdrawAccessRequest(id: $id) { id } }`, { id: requestId })).errors?.[0]?.extensions.code).toBe('CONFLICT');
    expect((await as('alice', '{ myGrants { datasetId active } }')).data?.myGrants).toEqual([{ datasetId: ALL_DATASET_IDS[3], active: true }]);
  });

  it('lets a provider administrator grant and the committee revoke, every change in the audit log', async () => {
    const granted = await as('admin', `mutation($input: GrantAccessInput!) { grantAccess(input: $input) { id grantee active } }`, {
      input: { datasetId: ALL_DATASET_IDS[0], granteeId: 'bob', expiresAt: new Date(Date.now() + 86_400_000).toISOString() },
    });
    expect(granted.data?.grantAccess).toMatchObject({ grantee: 'bob', active: true });
    expect((await as('alice', `mutation($id: ID!) { revokeGrant(id: $id) { id } }`, { id: granted.data!.grantAccess.id })).errors?.[0]?.extensions.code).toBe('FORBIDDEN');
    expect((await as('committee', `mutation($id: ID!) { revokeGrant(id: $id) { active revokedAt } }`, { id: granted.data!.grantAccess.id })).data?.revokeGrant.active).toBe(false);
    const audit = await as('committee', '{ auditLog { sequence actor action datasetId operationName } }');
    expect(audit.errors).toBeUndefined();
    const entries = audit.data!.auditLog as { sequence: number; actor: string; action: string; datasetId: string }[];
    expect(entries.map((e) => [e.actor, e.action, e.datasetId])).toEqual(expect.arrayContaining([
      ['dac-1', 'GRANT_CREATED', ALL_DATASET_IDS[3]],
      ['admin-1', 'GRANT_CREATED', ALL_DATASET_IDS[0]],
      ['dac-1', 'GRANT_REVOKED', ALL_DATASET_IDS[0]],
    ]));
    expect(entries.map((e) => e.sequence)).toEqual([...entries.map((e) => e.sequence)].sort((a, b) => a - b));
  });

  it('keeps the request when the Negotiator refuses the hand-over', async () => {
    negotiator.use(http.post('https://negotiator.example.org/api/v3/requests', () => new HttpResponse(null, { status: 503 })));
    const result = await as('bob', REQUEST, { input: { datasetIds: [ALL_DATASET_IDS[1]], purpose: PURPOSE } });
    expect(result.errors).toBeUndefined();
    expect(result.data!.requestAccess).toMatchObject({ state: 'SUBMITTED', negotiatorUrl: null });
  });
});
