import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postgresTestsEnabled, startLocalPostgres, type LocalPostgres } from '@cancer-imaging/provider-kit/testing';
import { startTestIdentityProvider, tamperToken, type TestIdentityProvider } from '../../gateway/src/testing/identity-provider.js';
import { startInProcessGraph, type InProcessGraph } from '../support/in-process-graph.js';

// Issue 6's acceptance through the whole graph (gateway → catalogue and custom kind, one
// shared store), with a stand-in OIDC provider publishing its JWKS:
// - the caller × field matrix: every cell the expected data or the expected coded error;
// - an access request from submission to approval to browsing the granted dataset, the
//   audit log showing each read, and browsing refused once the grant has expired;
// - a restart keeps every request, grant and audit entry, in SQLite and in PostgreSQL.

interface Answer {
  status: number;
  body: { data?: Record<string, any> | null; errors?: { message: string; path?: unknown[]; extensions?: Record<string, unknown> }[] };
}

async function ask(graph: InProcessGraph, query: string, token?: string, variables: Record<string, unknown> = {}): Promise<Answer> {
  const response = await fetch(graph.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token && { authorization: `Bearer ${token}` }) },
    body: JSON.stringify({ query, variables }),
  });
  return { status: response.status, body: JSON.parse(await response.text()) as Answer['body'] };
}

const codeOf = (answer: Answer) => answer.body.errors?.[0]?.extensions?.['code'];

let idp: TestIdentityProvider;
let dir: string;

beforeAll(async () => {
  idp = await startTestIdentityProvider();
  dir = await mkdtemp(path.join(tmpdir(), 'cig-access-e2e-'));
});

afterAll(async () => {
  await idp?.close();
  await rm(dir, { recursive: true, force: true });
});

function graphEnv(): Record<string, string> {
  return {
    CIG_GATEWAY_AUTH_JWKS_URL: idp.jwksUrl, CIG_GATEWAY_AUTH_ISSUER: idp.issuer, CIG_GATEWAY_AUTH_AUDIENCE: idp.audience,
    CIG_GATEWAY_RATE_LIMIT: '0',
  };
}

const DATASETS = `{ datasets(first: 2, filter: { providerIds: ["demo-nl"] }) { nodes { id } } }`;
const AGGREGATE = `{ providers { id cohort(criteria: { cancerTypes: [LUNG] }) { status subjects { precision } } } }`;
const RECORDS = `query($d: ID!) { dataset(id: $d) { subjects(first: 2) { nodes { id studies { nodes { series(first: 2) { nodes { seriesInstanceUid } } } } } } } }`;
const RETRIEVE = `query($d: ID!) { dataset(id: $d) { subjects(first: 1) { nodes { studies { nodes { series(first: 1) { nodes { retrieveUrl } } } } } } } }`;
const REQUEST = `mutation($d: ID!) { requestAccess(input: { datasetIds: [$d], purpose: "Validating a detector on an external, multi-site cohort." }) { id state } }`;
const REVIEW = `mutation($id: ID!) { startAccessReview(id: $id) { state } }`;

describe('the caller × field matrix through the gateway', () => {
  let graph: InProcessGraph;
  let dataset: string;
  let otherRequestId: string;
  const tokens: Record<string, string | undefined> = {};

  beforeAll(async () => {
    graph = await startInProcessGraph({ gatewayEnv: graphEnv() });
    dataset = (await ask(graph, DATASETS)).body.data!.datasets.nodes[0].id;
    const future = new Date(Date.now() + 3_600_000).toISOString();
    const past = new Date(Date.now() - 60_000).toISOString();
    tokens['anonymous'] = undefined;
    tokens['researcher without grant'] = await idp.sign({ roles: ['researcher'] }, { sub: 'rita' });
    tokens['researcher with grant'] = await idp.sign({ roles: ['researcher'], grants: [{ datasetId: dataset, expiresAt: future }] }, { sub: 'greta' });
    tokens['expired grant'] = await idp.sign({ roles: ['researcher'], grants: [{ datasetId: dataset, expiresAt: past }] }, { sub: 'edgar' });
    tokens['committee'] = await idp.sign({ roles: ['committee'] }, { sub: 'dac' });
    tokens['tampered token'] = tamperToken(tokens['researcher without grant']!, { roles: ['committee'], sub: 'dac' });
    tokens['wrong audience'] = await idp.sign({ roles: ['researcher'] }, { sub: 'rita', audience: 'some-other-service' });
    tokens['unknown key'] = await idp.sign({ roles: ['committee'] }, { sub: 'dac', unpublishedKey: true });
    otherRequestId = (await ask(graph, REQUEST, tokens['researcher without grant'], { d: dataset })).body.data!.requestAccess.id;
  }, 180_000);

  afterAll(async () => {
    await graph?.stop();
  });

  type Expectation = 'data' | 'UNAUTHENTICATED' | 'FORBIDDEN' | 'REJECTED';
  // Columns: aggregate, record-level browse, retrieve link, researcher mutation, committee mutation.
  const MATRIX: Record<string, [Expectation, Expectation, Expectation, Expectation, Expectation]> = {
    'anonymous': ['data', 'UNAUTHENTICATED', 'UNAUTHENTICATED', 'UNAUTHENTICATED', 'UNAUTHENTICATED'],
    'researcher without grant': ['data', 'FORBIDDEN', 'FORBIDDEN', 'data', 'FORBIDDEN'],
    'researcher with grant': ['data', 'data', 'data', 'data', 'FORBIDDEN'],
    'expired grant': ['data', 'FORBIDDEN', 'FORBIDDEN', 'data', 'FORBIDDEN'],
    'committee': ['data', 'FORBIDDEN', 'FORBIDDEN', 'FORBIDDEN', 'data'],
    // A token that does not verify is refused at the door (HTTP 401), whatever it asks.
    'tampered token': ['REJECTED', 'REJECTED', 'REJECTED', 'REJECTED', 'REJECTED'],
    'wrong audience': ['REJECTED', 'REJECTED', 'REJECTED', 'REJECTED', 'REJECTED'],
    'unknown key': ['REJECTED', 'REJECTED', 'REJECTED', 'REJECTED', 'REJECTED'],
  };

  function check(answer: Answer, expected: Expectation, calls: number, label: string) {
    if (expected === 'REJECTED') {
      expect(answer.status, label).toBe(401);
      expect(codeOf(answer), label).toBe('UNAUTHENTICATED');
      expect(calls, `${label}: no subgraph called`).toBe(0);
    } else if (expected === 'data') {
      expect(answer.status, label).toBe(200);
      expect(answer.body.errors, label).toBeUndefined();
    } else {
      expect(codeOf(answer), label).toBe(expected);
      // The refusal says nothing about the data: no subject, study or series comes back.
      expect(JSON.stringify(answer.body.data ?? null), label).not.toMatch(/seriesInstanceUid|"nodes":\[\{/);
    }
  }

  it.each(Object.keys(MATRIX))('%s: every cell is the expected data or coded error', async (who) => {
    const token = tokens[who];
    const [aggregate, records, retrieve, researcherMutation, committeeMutation] = MATRIX[who]!;
    const run = async (query: string, variables: Record<string, unknown> = {}) => {
      const before = graph.subgraphCalls.length;
      const answer = await ask(graph, query, token, variables);
      return { answer, calls: graph.subgraphCalls.length - before };
    };
    let r = await run(AGGREGATE);
    check(r.answer, aggregate, r.calls, `${who} / aggregate`);
    if (aggregate === 'data') expect(r.answer.body.data!.providers.every((p: any) => ['ROUNDED', 'SUPPRESSED', 'EXACT'].includes(p.cohort.subjects.precision))).toBe(true);
    r = await run(RECORDS, { d: dataset });
    check(r.answer, records, r.calls, `${who} / records`);
    if (records === 'data') {
      const subjects = r.answer.body.data!.dataset.subjects.nodes;
      expect(subjects).toHaveLength(2);
      expect(subjects[0].studies.nodes[0].series.nodes[0].seriesInstanceUid).toMatch(/^[0-9.]+$/);
    }
    r = await run(RETRIEVE, { d: dataset });
    check(r.answer, retrieve, r.calls, `${who} / retrieve link`);
    // The demo's custom kind is an index without images: a granted caller gets no link, and no error.
    if (retrieve === 'data') expect(JSON.stringify(r.answer.body.data)).toContain('"retrieveUrl":null');
    r = await run(REQUEST, { d: dataset });
    check(r.answer, researcherMutation, r.calls, `${who} / requestAccess`);
    if (researcherMutation === 'data') expect(r.answer.body.data!.requestAccess.state).toBe('SUBMITTED');
    r = await run(REVIEW, { id: otherRequestId });
    check(r.answer, committeeMutation, r.calls, `${who} / startAccessReview`);
    if (committeeMutation === 'data') expect(r.answer.body.data!.startAccessReview.state).toBe('UNDER_REVIEW');
  });
});

interface Engine {
  name: string;
  enabled: boolean;
  databaseUrl(): Promise<string>;
}

let postgres: LocalPostgres | undefined;
afterAll(async () => {
  await postgres?.stop();
});

const ENGINES: Engine[] = [
  { name: 'SQLite', enabled: true, databaseUrl: async () => `sqlite:${path.join(dir, 'graph.sqlite')}` },
  {
    name: 'PostgreSQL', enabled: postgresTestsEnabled(),
    databaseUrl: async () => (await (postgres ??= await startLocalPostgres())).createDatabase(),
  },
];

describe.each(ENGINES.filter((engine) => engine.enabled))('an access request from submission to expiry, in $name', (engine) => {
  it('is approved, lets the researcher browse with every read audited, ends at expiry, and survives a restart', async () => {
    const databaseUrl = await engine.databaseUrl();
    let graph = await startInProcessGraph({ gatewayEnv: graphEnv(), databaseUrl });
    try {
      const dataset = (await ask(graph, DATASETS)).body.data!.datasets.nodes[1].id as string;
      const rita = await idp.sign({ roles: ['researcher'] }, { sub: 'rita' });
      const dac = await idp.sign({ roles: ['committee'] }, { sub: 'dac' });

      expect(codeOf(await ask(graph, RECORDS, rita, { d: dataset }))).toBe('FORBIDDEN');
      const cohort = (await ask(graph, `mutation { saveCohort(criteria: { cancerTypes: [LUNG] }) { id } }`, rita)).body.data!.saveCohort.id;
      const requested = await ask(graph, `mutation($d: ID!, $c: ID!) { requestAccess(input: { datasetIds: [$d], cohortId: $c, purpose: "Validating a detector on an external, multi-site cohort." }) { id state cohort { id } } }`, rita, { d: dataset, c: cohort });
      expect(requested.body.errors).toBeUndefined();
      const requestId = requested.body.data!.requestAccess.id as string;
      expect(requested.body.data!.requestAccess).toEqual({ id: requestId, state: 'SUBMITTED', cohort: { id: cohort } });

      expect((await ask(graph, REVIEW, dac, { id: requestId })).body.data!.startAccessReview.state).toBe('UNDER_REVIEW');
      const expiresAt = new Date(Date.now() + 4_000);
      const approved = await ask(graph, `mutation($id: ID!, $at: DateTime!) { approveAccessRequest(id: $id, expiresAt: $at) { state grants { datasetId grantee active } } }`, dac, { id: requestId, at: expiresAt.toISOString() });
      expect(approved.body.data!.approveAccessRequest).toEqual({ state: 'APPROVED', grants: [{ datasetId: dataset, grantee: 'rita', active: true }] });

      const browsed = await ask(graph, RECORDS, rita, { d: dataset });
      expect(browsed.body.errors).toBeUndefined();
      expect(browsed.body.data!.dataset.subjects.nodes).toHaveLength(2);

      const audit = await ask(graph, `query($d: ID!) { auditLog(datasetId: $d) { actor action operationName } }`, dac, { d: dataset });
      const entries = (audit.body.data!.auditLog as { actor: string; action: string }[]).map((e) => `${e.actor} ${e.action}`);
      expect(entries).toEqual(expect.arrayContaining(['dac GRANT_CREATED', 'rita READ_SUBJECTS', 'rita READ_STUDIES', 'rita READ_SERIES']));
      expect(codeOf(await ask(graph, `{ auditLog { sequence } }`, rita))).toBe('FORBIDDEN');

      await new Promise((resolve) => setTimeout(resolve, Math.max(0, expiresAt.getTime() - Date.now() + 200)));
      expect(codeOf(await ask(graph, RECORDS, rita, { d: dataset }))).toBe('FORBIDDEN');
      const auditCount = (await ask(graph, `{ auditLog(first: 100) { sequence } }`, dac)).body.data!.auditLog.length as number;

      // Restart every service on the same database: nothing is lost.
      await graph.stop();
      graph = await startInProcessGraph({ gatewayEnv: graphEnv(), databaseUrl });
      const after = await ask(graph, `query($id: ID!) { accessRequest(id: $id) { state history { state actor } grants { grantee active } cohort { id } } }`, dac, { id: requestId });
      expect(after.body.data!.accessRequest).toEqual({
        state: 'APPROVED',
        history: [{ state: 'SUBMITTED', actor: 'rita' }, { state: 'UNDER_REVIEW', actor: 'dac' }, { state: 'APPROVED', actor: 'dac' }],
        grants: [{ grantee: 'rita', active: false }],
        cohort: { id: cohort },
      });
      expect((await ask(graph, `{ auditLog(first: 100) { sequence } }`, dac)).body.data!.auditLog).toHaveLength(auditCount);
    } finally {
      await graph.stop();
    }
  }, 120_000);
});
