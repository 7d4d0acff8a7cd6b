import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CALLER_HEADER, createCallerResolver, createProviderSubgraph, kindTypeNames, openGraphStore, signCallerClaims,
  type GraphStore, type ProviderSubgraph, type SiteConfig,
} from '../src/index.js';
import type { RunningSubgraph } from '../src/http-server.js';
import { buildFixtureRows, createInMemoryAdapter } from '../src/testing/index.js';

// The kind subgraph over the real embedded store: a grant the committee created in the store
// opens a dataset to its grantee, every read lands in the audit log, and once the grant is
// revoked (and the grant cache has lapsed) browsing is refused again.

const SECRET = 'store-backed-internal-secret-0123456789';
const site: SiteConfig = {
  id: 'memory-site', name: 'In-memory site', country: 'NL', kind: 'memory', baseUrl: 'memory:',
  credentials: {}, privacy: { minCount: 10, roundTo: 10 }, deadlineMs: 2_000, options: {},
};
const DATASET = 'memory-site:memory:prostate-mr';
const t = kindTypeNames('memory');
const BROWSE = `query Browse($d: [_Any!]!) { _entities(representations: $d) { ... on ${t.dataset} { subjects(first: 3) { nodes { studies(first: 1) { nodes { series(first: 1) { nodes { seriesInstanceUid } } } } } } } } }`;

let store: GraphStore;
let subgraph: ProviderSubgraph;
let server: RunningSubgraph;

beforeAll(async () => {
  store = await openGraphStore('sqlite::memory:', { defaultSqlitePath: '/nonexistent/unused.sqlite' });
  subgraph = await createProviderSubgraph({
    kind: 'memory', sites: [site], pseudonymSecret: 'store-backed-pseudonym-secret-0123',
    createAdapter: () => createInMemoryAdapter(buildFixtureRows(30)),
    resolveCaller: createCallerResolver({ secret: SECRET, store, grantCacheMs: 0 }),
    store,
  });
  server = await subgraph.listen();
});

afterAll(async () => {
  await server?.close();
  await subgraph?.close();
  await store?.close();
});

async function browse(requestId: string) {
  const response = await fetch(server.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-request-id': requestId, [CALLER_HEADER]: await signCallerClaims({ sub: 'researcher-7', roles: ['researcher'], grants: [] }, SECRET) },
    body: JSON.stringify({ query: BROWSE, variables: { d: [{ __typename: t.dataset, id: DATASET }] } }),
  });
  return (await response.json()) as { data: { _entities: [{ subjects: { nodes: unknown[] } | null }] }; errors?: { extensions: { code: string } }[] };
}

describe('a kind subgraph over the embedded graph store', () => {
  it('opens a dataset on a stored grant, audits each read, and closes it again when the grant is revoked', async () => {
    expect((await browse('before')).errors?.[0]?.extensions.code).toBe('FORBIDDEN');
    const now = new Date();
    const grant = await store.createGrant({ datasetId: DATASET, granteeId: 'researcher-7', expiresAt: new Date(now.getTime() + 3_600_000), grantedBy: 'committee-1', operationName: 'CreateGrant' }, now);

    const granted = await browse('granted');
    expect(granted.errors).toBeUndefined();
    expect(granted.data._entities[0].subjects!.nodes).toHaveLength(3);
    const reads = (await store.listAudit({ actorId: 'researcher-7', limit: 100 })).map((e) => [e.action, e.datasetId, e.operationName, e.requestId]);
    expect(reads).toEqual([
      ['READ_SUBJECTS', DATASET, 'Browse', 'granted'],
      ['READ_STUDIES', DATASET, 'Browse', 'granted'],
      ['READ_SERIES', DATASET, 'Browse', 'granted'],
    ]);

    await store.revokeGrant({ id: grant.id, actorId: 'committee-1', operationName: 'RevokeGrant' }, new Date());
    const revoked = await browse('after');
    expect(revoked.errors?.[0]?.extensions.code).toBe('FORBIDDEN');
    expect(revoked.data._entities[0].subjects).toBeNull();
    expect(await store.listAudit({ actorId: 'researcher-7', limit: 100 })).toHaveLength(3);
  });
});
