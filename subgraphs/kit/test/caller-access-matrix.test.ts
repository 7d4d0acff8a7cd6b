import { HeaderMap } from '@apollo/server';
import { SignJWT } from 'jose';
import type { GraphQLObjectType } from 'graphql';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  CALLER_HEADER, createCallerResolver, createProviderSubgraph, kindTypeNames, recordLevelFields, signCallerClaims,
  type AuditEntryInput, type CallerClaims, type GrantRecord, type ProviderSubgraph, type SiteConfig,
} from '../src/index.js';
import type { RunningSubgraph } from '../src/http-server.js';
import { buildFixtureRows, createInMemoryAdapter } from '../src/testing/index.js';

// The subgraph-level access matrix: every kind of caller the gateway can send (or an
// attacker can forge) against aggregates, each record-level field and the retrieve link,
// through the real HTTP server, header verification, shield and audit.

const SECRET = 'caller-matrix-internal-secret-0123456789';
const site: SiteConfig = {
  id: 'memory-site', name: 'In-memory site', country: 'NL', kind: 'memory', baseUrl: 'memory:',
  credentials: {}, privacy: { minCount: 10, roundTo: 10 }, deadlineMs: 2_000, options: {},
};
const DATASET = 'memory-site:memory:prostate-mr';
const OTHER_DATASET = 'memory-site:memory:lung-ct';
const t = kindTypeNames('memory');
const DAY = 24 * 60 * 60_000;
const inADay = () => new Date(Date.now() + DAY).toISOString();
const aDayAgo = () => new Date(Date.now() - DAY).toISOString();

/** The store as the kind subgraph sees it: grants to read, an audit log to append to. */
function fakeStore() {
  const store = {
    entries: [] as AuditEntryInput[],
    appends: 0,
    failAppend: false,
    async activeGrants(granteeId: string, now: Date): Promise<GrantRecord[]> {
      return granteeId === 'stored-researcher'
        ? [{ id: 'g-1', datasetId: DATASET, granteeId, expiresAt: new Date(now.getTime() + DAY), grantedBy: 'committee-1', createdAt: now }]
        : [];
    },
    async appendAudit(entries: readonly AuditEntryInput[]) {
      if (store.failAppend) throw new Error('database is locked');
      store.appends++;
      store.entries.push(...entries);
    },
  };
  return store;
}

const researcher = (sub: string, grants: CallerClaims['grants'] = []): CallerClaims => ({ sub, roles: ['researcher'], grants });
const withGrant = (sub: string) => researcher(sub, [{ datasetId: DATASET, expiresAt: inADay() }]);

/** A correctly signed header, except for its audience. */
const forAnotherAudience = (claims: CallerClaims) => new SignJWT({ roles: [...claims.roles], grants: claims.grants.map((g) => ({ ...g })) })
  .setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).setSubject(claims.sub).setIssuer('cancer-imaging-gateway')
  .setAudience('cancer-imaging-catalogue').setIssuedAt().setExpirationTime('60s').sign(new TextEncoder().encode(SECRET));

type Outcome = 'DATA' | 'UNAUTHENTICATED' | 'FORBIDDEN';
interface CallerCase {
  readonly name: string;
  header(): Promise<string | undefined>;
  /** What record-level fields and the retrieve link give this caller. */
  readonly records: Outcome;
  /** Actor id in the audit log when records are given. */
  readonly actor?: string;
}

const CALLERS: readonly CallerCase[] = [
  { name: 'anonymous (no header)', header: async () => undefined, records: 'UNAUTHENTICATED' },
  { name: 'researcher without a grant', header: () => signCallerClaims(researcher('plain-researcher'), SECRET), records: 'FORBIDDEN' },
  { name: 'researcher with a token-claimed grant', header: () => signCallerClaims(withGrant('claimed-researcher'), SECRET), records: 'DATA', actor: 'claimed-researcher' },
  { name: 'researcher with a grant in the store', header: () => signCallerClaims(researcher('stored-researcher'), SECRET), records: 'DATA', actor: 'stored-researcher' },
  { name: 'researcher whose grant expired', header: () => signCallerClaims(researcher('expired-researcher', [{ datasetId: DATASET, expiresAt: aDayAgo() }]), SECRET), records: 'FORBIDDEN' },
  { name: 'forged header (another secret)', header: () => signCallerClaims(withGrant('claimed-researcher'), 'not-the-internal-secret-0123456789abcdef'), records: 'UNAUTHENTICATED' },
  { name: 'expired header', header: () => signCallerClaims(withGrant('claimed-researcher'), SECRET, new Date(Date.now() - 10 * 60_000)), records: 'UNAUTHENTICATED' },
  { name: 'header for another audience', header: () => forAnotherAudience(withGrant('claimed-researcher')), records: 'UNAUTHENTICATED' },
];

const AGGREGATES = `query Aggregates($p: [_Any!]!, $d: [_Any!]!) {
  providers: _entities(representations: $p) { ... on ${t.provider} { status { status } cohort(criteria: {}) { status subjects { precision } datasets { dataset { id } subjects { value precision } } breakdown(by: SEX) { key } } } }
  datasets: _entities(representations: $d) { ... on ${t.dataset} { subjectCount studyCount seriesCount } } }`;
const BROWSE = `query Browse($d: [_Any!]!) { _entities(representations: $d) { ... on ${t.dataset} { id
  subjects(first: 2) { nodes { id studies(first: 1) { nodes { studyInstanceUid series(first: 2) { nodes { seriesInstanceUid retrieveUrl segmentations { format } } } } } } } } } }`;
const datasetRef = (id = DATASET) => [{ __typename: t.dataset, id }];

let store: ReturnType<typeof fakeStore>;
let subgraph: ProviderSubgraph;
let server: RunningSubgraph;
const retrieved: string[] = [];

async function post(query: string, variables: Record<string, unknown>, header: string | undefined, requestId: string) {
  const response = await fetch(server.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-request-id': requestId, ...(header !== undefined && { [CALLER_HEADER]: header }) },
    body: JSON.stringify({ query, variables }),
  });
  return (await response.json()) as { data?: Record<string, unknown>; errors?: { message: string; path?: (string | number)[]; extensions: { code: string } }[] };
}

function codesOf(body: Awaited<ReturnType<typeof post>>): string[] {
  return [...new Set((body.errors ?? []).map((error) => error.extensions.code))];
}

beforeAll(async () => {
  store = fakeStore();
  subgraph = await createProviderSubgraph({
    kind: 'memory', sites: [site], pseudonymSecret: 'matrix-pseudonym-secret-0123456789',
    createAdapter: () => Object.assign(createInMemoryAdapter(buildFixtureRows(60)), {
      async retrieveSeries(seriesLocalId: string) {
        retrieved.push(seriesLocalId);
        return { contentType: 'application/zip', filename: `${seriesLocalId}.zip`, body: new Blob(['DICM-bytes']).stream() };
      },
    }),
    resolveCaller: createCallerResolver({ secret: SECRET, store }),
    store,
  });
  server = await subgraph.listen();
});

afterAll(async () => {
  await server?.close();
  await subgraph?.close();
});

beforeEach(() => {
  store.entries.length = 0;
  store.appends = 0;
  store.failAppend = false;
  retrieved.length = 0;
});

describe.each(CALLERS)('$name', (caller) => {
  it('gets the aggregates: status, cohort, breakdown and dataset counts, exact only under a grant', async () => {
    const body = await post(AGGREGATES, { p: [{ __typename: t.provider, id: site.id }], d: datasetRef() }, await caller.header(), 'agg');
    expect(body.errors).toBeUndefined();
    const provider = (body.data!.providers as [{ status: { status: string }; cohort: { status: string; datasets: { dataset: { id: string }; subjects: { precision: string } }[]; breakdown: unknown[] } }])[0];
    expect(provider.status.status).toBe('OK');
    expect(provider.cohort.breakdown.length).toBeGreaterThan(0);
    const row = provider.cohort.datasets.find((d) => d.dataset.id === DATASET)!;
    expect(row.subjects.precision).toBe(caller.records === 'DATA' ? 'EXACT' : 'ROUNDED');
    expect(provider.cohort.datasets.find((d) => d.dataset.id === OTHER_DATASET)!.subjects.precision).toBe('ROUNDED');
    expect((body.data!.datasets as [{ subjectCount: number }])[0].subjectCount).toBe(40);
    expect(store.entries).toEqual([]);
  });

  it(`browses the record-level fields: ${caller.records}`, async () => {
    const body = await post(BROWSE, { d: datasetRef() }, await caller.header(), `browse-${caller.name}`);
    const dataset = (body.data!._entities as [{ subjects: { nodes: { studies: { nodes: { series: { nodes: { retrieveUrl: string | null; segmentations: unknown[] }[] } }[] } }[] } | null }])[0];
    if (caller.records === 'DATA') {
      expect(body.errors).toBeUndefined();
      const series = dataset.subjects!.nodes[0]!.studies.nodes[0]!.series.nodes;
      expect(series.length).toBeGreaterThan(0);
      for (const s of series) {
        expect(s.retrieveUrl).toMatch(/^\/retrieve\/memory\/[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
        expect(s.segmentations).toEqual([]);
      }
      // One entry per (request, dataset, action), however many subjects, studies and series were read.
      expect(store.entries.map((e) => e.action).sort()).toEqual(['ISSUE_RETRIEVE_LINK', 'READ_SEGMENTATIONS', 'READ_SERIES', 'READ_STUDIES', 'READ_SUBJECTS']);
      for (const entry of store.entries) {
        expect(entry).toMatchObject({ actorId: caller.actor, datasetId: DATASET, operationName: 'Browse', requestId: `browse-${caller.name}` });
      }
    } else {
      expect(codesOf(body)).toEqual([caller.records]);
      expect(body.errors![0]!.path).toEqual(['_entities', 0, 'subjects']);
      expect(dataset.subjects).toBeNull();
      expect(store.entries).toEqual([]);
    }
  });

  it.each(recordLevelFields(t).map((field) => [`${field.type}.${field.field}`, field] as const))(`%s on its own: ${caller.records}`, async (_name, field) => {
    // Each field's resolver, shield and audit included, on a parent of the granted dataset.
    const runtime = subgraph.sites.get(site.id)!;
    const parents: Record<string, unknown> = {
      [t.dataset]: { id: DATASET, localId: 'prostate-mr', site: runtime },
      [t.subject]: { id: 'x', site: runtime, datasetId: DATASET, ref: { nativePatientId: 'PAT00001', datasetLocalId: 'prostate-mr' } },
      [t.study]: { id: 'x', site: runtime, datasetId: DATASET, record: { localId: '2.25.1001.0' } },
      [t.series]: { id: 'x', site: runtime, datasetId: DATASET, record: { localId: '2.25.1001.0.0' } },
    };
    const headers = new HeaderMap();
    const header = await caller.header();
    if (header !== undefined) headers.set(CALLER_HEADER, header);
    const context = await subgraph.createContext({ headers, requestId: 'field', operationName: 'Field' });
    const resolve = (subgraph.schema.getType(field.type) as GraphQLObjectType).getFields()[field.field]!.resolve!;
    const result = await resolve(parents[field.type], {}, context, {} as never);
    if (caller.records === 'DATA') {
      expect(result).not.toBeInstanceOf(Error);
      expect(result).toBeTruthy();
      expect(store.entries).toEqual([expect.objectContaining({ action: field.action, datasetId: DATASET, actorId: caller.actor, operationName: 'Field', requestId: 'field' })]);
    } else {
      expect(result).toBeInstanceOf(Error);
      expect((result as { extensions: { code: string } }).extensions.code).toBe(caller.records);
      expect(store.entries).toEqual([]);
    }
  });

  it(`is given a retrieve link that streams the series, or none: ${caller.records}`, async () => {
    const body = await post(`query Link($d: [_Any!]!) { _entities(representations: $d) { ... on ${t.dataset} { subjects(first: 1) { nodes { studies(first: 1) { nodes { series(first: 1) { nodes { seriesInstanceUid retrieveUrl } } } } } } } } }`, { d: datasetRef() }, await caller.header(), 'link');
    if (caller.records !== 'DATA') {
      expect(codesOf(body)).toEqual([caller.records]);
      expect(JSON.stringify(body)).not.toContain('/retrieve/');
      return;
    }
    const series = (body.data!._entities as [{ subjects: { nodes: [{ studies: { nodes: [{ series: { nodes: [{ seriesInstanceUid: string; retrieveUrl: string }] } }] } }] } }])[0].subjects.nodes[0].studies.nodes[0].series.nodes[0];
    const ticket = series.retrieveUrl.split('/').pop()!;
    const response = await fetch(new URL(`/retrieve/${ticket}`, server.url), { headers: { 'x-request-id': 'get-series' } });
    expect(response.status).toBe(200);
    expect(await response.text()).toBe('DICM-bytes');
    expect(retrieved).toEqual([series.seriesInstanceUid]);
    expect(store.entries.filter((e) => e.action === 'RETRIEVE_SERIES')).toEqual([
      expect.objectContaining({ actorId: caller.actor, datasetId: DATASET, operationName: 'GET /retrieve', requestId: 'get-series' }),
    ]);
  });
});

describe('audit and grants across datasets and failures', () => {
  it('judges every parent by its own dataset: in one request, data for the granted dataset and FORBIDDEN for the other, audited once', async () => {
    const body = await post(`query Two($d: [_Any!]!) { _entities(representations: $d) { ... on ${t.dataset} { id subjects(first: 1) { nodes { id } } } } }`,
      { d: [...datasetRef(OTHER_DATASET), ...datasetRef(DATASET)] }, await signCallerClaims(withGrant('claimed-researcher'), SECRET), 'two');
    const [other, granted] = body.data!._entities as { subjects: { nodes: unknown[] } | null }[];
    expect(other!.subjects).toBeNull();
    expect(granted!.subjects!.nodes).toHaveLength(1);
    expect(body.errors!.map((e) => [e.extensions.code, e.path])).toEqual([['FORBIDDEN', ['_entities', 0, 'subjects']]]);
    expect(store.entries.map((e) => [e.action, e.datasetId])).toEqual([['READ_SUBJECTS', DATASET]]);
  });

  it('appends a request\'s entries in one write when they are asked for together', async () => {
    const claims = researcher('claimed-researcher', [DATASET, OTHER_DATASET].map((datasetId) => ({ datasetId, expiresAt: inADay() })));
    await post(`query Two($d: [_Any!]!) { _entities(representations: $d) { ... on ${t.dataset} { subjects(first: 1) { nodes { id } } } } }`,
      { d: [...datasetRef(OTHER_DATASET), ...datasetRef(DATASET)] }, await signCallerClaims(claims, SECRET), 'batch');
    expect(store.entries.map((e) => e.datasetId).sort()).toEqual([OTHER_DATASET, DATASET].sort());
    expect(store.appends).toBe(1);
  });

  it('records `anonymous` as the operation name of an unnamed operation', async () => {
    await post(`query($d: [_Any!]!) { _entities(representations: $d) { ... on ${t.dataset} { subjects(first: 1) { nodes { id } } } } }`, { d: datasetRef() },
      await signCallerClaims(withGrant('claimed-researcher'), SECRET), 'unnamed');
    expect(store.entries).toEqual([expect.objectContaining({ operationName: 'anonymous', action: 'READ_SUBJECTS' })]);
  });

  it('withholds the record-level data when the audit log cannot be written (INTERNAL), and leaves aggregates alone', async () => {
    store.failAppend = true;
    const header = await signCallerClaims(withGrant('claimed-researcher'), SECRET);
    const body = await post(BROWSE, { d: datasetRef() }, header, 'audit-down');
    expect(codesOf(body)).toEqual(['INTERNAL']);
    expect((body.data!._entities as [{ subjects: unknown }])[0].subjects).toBeNull();
    expect(JSON.stringify(body)).not.toContain('studyInstanceUid');
    expect(JSON.stringify(body)).not.toContain('locked');
    const aggregates = await post(AGGREGATES, { p: [{ __typename: t.provider, id: site.id }], d: datasetRef() }, header, 'agg');
    expect(aggregates.errors).toBeUndefined();
  });

  it('streams no series when the retrieve cannot be audited', async () => {
    const header = await signCallerClaims(withGrant('claimed-researcher'), SECRET);
    const body = await post(`query Link($d: [_Any!]!) { _entities(representations: $d) { ... on ${t.dataset} { subjects(first: 1) { nodes { studies(first: 1) { nodes { series(first: 1) { nodes { retrieveUrl } } } } } } } } }`, { d: datasetRef() }, header, 'link');
    const url = JSON.stringify(body).match(/\/retrieve\/memory\/([^"]+)/)![1]!;
    store.failAppend = true;
    const response = await fetch(new URL(`/retrieve/${url}`, server.url));
    expect(response.status).toBe(500);
    expect(((await response.json()) as { errors: { extensions: { code: string } }[] }).errors[0]!.extensions.code).toBe('INTERNAL');
    expect(retrieved).toEqual([]);
  });
});

describe('a kind subgraph without a store', () => {
  const build = (options: { audit?: false }) => createProviderSubgraph({
    kind: 'memory', sites: [site], pseudonymSecret: 'matrix-pseudonym-secret-0123456789',
    createAdapter: () => createInMemoryAdapter(buildFixtureRows(30)),
    resolveCaller: createCallerResolver({ secret: SECRET }), ...options,
  });
  const browseAs = async (storeless: ProviderSubgraph) => {
    const headers = new HeaderMap([[CALLER_HEADER, await signCallerClaims(withGrant('claimed-researcher'), SECRET)]]);
    const context = await storeless.createContext({ headers, requestId: 'r' });
    const resolve = (storeless.schema.getType(t.dataset) as GraphQLObjectType).getFields().subjects!.resolve!;
    return resolve({ id: DATASET, localId: 'prostate-mr', site: storeless.sites.get(site.id) }, {}, context, {} as never);
  };

  it('refuses record-level reads, even under a token-claimed grant, with FORBIDDEN: auditing is not configured', async () => {
    const result = await browseAs(await build({}));
    expect(result).toBeInstanceOf(Error);
    expect(result).toMatchObject({ message: expect.stringContaining('auditing is not configured'), extensions: { code: 'FORBIDDEN' } });
  });

  it('serves them unaudited only after an explicit audit: false', async () => {
    const result = await browseAs(await build({ audit: false }));
    expect(result).not.toBeInstanceOf(Error);
    expect((result as { nodes: unknown[] }).nodes.length).toBeGreaterThan(0);
  });
});

describe('the operation name in the audit log', () => {
  it('is the operation executed, as the request selected it from a document of several', async () => {
    const response = await fetch(server.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', [CALLER_HEADER]: await signCallerClaims(withGrant('claimed-researcher'), SECRET) },
      body: JSON.stringify({
        query: `query First { __typename } query Second($d: [_Any!]!) { _entities(representations: $d) { ... on ${t.dataset} { subjects(first: 1) { nodes { id } } } } }`,
        variables: { d: datasetRef() }, operationName: 'Second',
      }),
    });
    expect(response.status).toBe(200);
    expect(store.entries).toEqual([expect.objectContaining({ operationName: 'Second', action: 'READ_SUBJECTS' })]);
  });
});

describe('a kind without image data (no retrieveSeries)', () => {
  it('gives no retrieve link and writes no ISSUE_RETRIEVE_LINK entry, while the series read itself is audited', async () => {
    const indexOnly = await createProviderSubgraph({
      kind: 'memory', sites: [site], pseudonymSecret: 'matrix-pseudonym-secret-0123456789',
      createAdapter: () => createInMemoryAdapter(buildFixtureRows(30)),
      resolveCaller: createCallerResolver({ secret: SECRET, store }), store,
    });
    const running = await indexOnly.listen();
    try {
      const response = await fetch(running.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', [CALLER_HEADER]: await signCallerClaims(withGrant('claimed-researcher'), SECRET) },
        body: JSON.stringify({ query: BROWSE, variables: { d: datasetRef() } }),
      });
      const body = JSON.stringify(await response.json());
      expect(body).toContain('"retrieveUrl":null');
      expect(store.entries.map((e) => e.action).sort()).toEqual(['READ_SEGMENTATIONS', 'READ_SERIES', 'READ_STUDIES', 'READ_SUBJECTS']);
    } finally {
      await running.close();
      await indexOnly.close();
    }
  });
});
