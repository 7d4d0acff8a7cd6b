import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDevToken, DEFAULT_DEV_AUDIENCE, loadDevKeyPair } from '@cancer-imaging/gateway';
import { CALLER_HEADER, signCallerClaims, type CallerClaims } from '@cancer-imaging/provider-kit';
import { repoPath } from '../../scripts/generate/paths.js';
import { demoGraphServices, startService, type RunningService } from '../../scripts/lib/services.js';
import { freePort } from '../../bench/lib/free-port.js';
import { startHiveGateway, type RunningHiveGateway } from '../../bench/lib/hive-gateway.js';
import { loadSdkOperations, toEntitiesOperation } from '../../bench/lib/sdk-operations.js';

// Interoperability: the committed supergraph is plain Federation 2. Hive Gateway (The Guild's
// runtime, configured only with the SDL, the subgraph URLs and header propagation) serves it
// in front of the real catalogue and custom subgraphs, beside our gateway over the same
// subgraph processes, and both answer the SDK's operations with the same data. Access is
// the subgraphs' to enforce: through Hive, record-level data needs the caller header signed
// with the graph's internal secret, and without it the subgraph's coded error comes back.

interface Answer {
  status: number;
  body: { data?: Record<string, any> | null; errors?: { message: string; path?: unknown[]; extensions?: Record<string, unknown> }[] };
}

async function ask(url: string, query: string, variables: Record<string, unknown>, headers: Record<string, string> = {}): Promise<Answer> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ query, variables }),
  });
  return { status: response.status, body: JSON.parse(await response.text()) as Answer['body'] };
}

/** Timings measured per call (a site's latencyMs) differ between any two calls; nothing else may. */
function withoutTimings(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutTimings);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(Object.entries(value).filter(([key]) => key !== 'latencyMs').map(([key, item]) => [key, withoutTimings(item)]));
}

const codeOf = (answer: Answer) => answer.body.errors?.[0]?.extensions?.['code'];

const secret = randomBytes(32).toString('base64url');
const services: RunningService[] = [];
let dir: string;
let ours: string;
let hive: RunningHiveGateway;
let catalogueUrl: string;
let customUrl: string;
let operation: (name: string) => string;
/** A RESTRICTED dataset at demo-nl, the one the granted caller may browse. */
let granted: string;
let grantedCaller: CallerClaims;
/** Our gateway's bearer token for grantedCaller (a development token). */
let bearer: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'cig-hive-e2e-'));
  operation = await loadSdkOperations();
  // The development key our gateway trusts, made before it starts so both read one key.
  const keysDir = path.join(dir, 'dev-keys');
  const keyPair = await loadDevKeyPair(keysDir);
  const ports = { gateway: await freePort(), catalogue: await freePort(), custom: await freePort() };
  const env = {
    CIG_LOG_LEVEL: 'warn',
    CIG_INTERNAL_SECRET: secret,
    CIG_DATABASE_URL: `sqlite:${path.join(dir, 'graph.sqlite')}`,
    CIG_GATEWAY_ENV: 'development',
    CIG_GATEWAY_DEV_KEYS_DIR: keysDir,
    CIG_GATEWAY_RATE_LIMIT: '0',
  };
  const output: string[] = [];
  for (const spec of demoGraphServices({ registry: repoPath('config/demo/registry.yaml'), ports, env, output: (line) => output.push(line) })) {
    try {
      services.push(await startService(spec));
    } catch (error) {
      throw new Error(`${(error as Error).message}\n${output.slice(-10).join('\n')}`);
    }
  }
  ours = `http://127.0.0.1:${ports.gateway}/graphql`;
  catalogueUrl = `http://127.0.0.1:${ports.catalogue}/graphql`;
  customUrl = `http://127.0.0.1:${ports.custom}/graphql`;
  hive = await startHiveGateway({
    supergraphSdl: await readFile(repoPath('schema/supergraph.graphql'), 'utf8'),
    subgraphUrls: { catalogue: catalogueUrl, custom: customUrl },
  });

  const datasets = await ask(ours, '{ datasets(first: 1, filter: { providerIds: ["demo-nl"], accessRights: [RESTRICTED] }) { nodes { id } } }', {});
  granted = datasets.body.data!.datasets.nodes[0].id;
  const expiresAt = new Date(Date.now() + 3_600_000).toISOString();
  grantedCaller = { sub: 'hive-e2e-researcher', roles: ['researcher'], grants: [{ datasetId: granted, expiresAt }] };
  bearer = (await createDevToken({
    keyPair, audience: DEFAULT_DEV_AUDIENCE, sub: grantedCaller.sub, roles: grantedCaller.roles,
    datasetIds: [granted], grantsExpireAt: new Date(expiresAt), expiresInSeconds: 3_600,
  })).token;
}, 180_000);

afterAll(async () => {
  await hive?.close();
  await Promise.all(services.reverse().map((service) => service.stop()));
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** The caller header Hive forwards: signed now, as it lives 60 s. */
const callerHeader = async (claims: CallerClaims, key = secret) => ({ [CALLER_HEADER]: await signCallerClaims(claims, key) });

describe('the supergraph served by Hive Gateway and by ours', () => {
  const NESTED = `query ProvidersDatasetsCohorts($criteria: CohortCriteria!) {
    providers {
      id name country kind
      datasets { id title accessRights subjectCount seriesCount }
      cohort(criteria: $criteria) {
        status unsupportedCriteria
        subjects { value precision adjustedTo } studies { value precision adjustedTo } series { value precision adjustedTo }
        datasets { dataset { id title provider { id name } } subjects { value precision adjustedTo } series { value precision } }
      }
    }
  }`;

  const CASES: { name: string; query: () => string; variables: Record<string, unknown>; check: (data: Record<string, any>) => void }[] = [
    {
      name: 'providers → datasets → per-site cohort counts, nested across catalogue and custom',
      query: () => NESTED,
      variables: { criteria: { cancerTypes: ['PROSTATE'], modalities: ['MR'] } },
      check: (data) => {
        expect(data.providers).toHaveLength(5);
        expect(data.providers.every((p: any) => p.datasets.length > 0 && p.cohort.status === 'OK')).toBe(true);
        expect(data.providers.flatMap((p: any) => p.cohort.datasets).length).toBeGreaterThan(0);
      },
    },
    {
      name: 'the SDK\'s CohortBySite (site latencies aside)',
      query: () => operation('CohortBySite'),
      variables: { criteria: { cancerTypes: ['LUNG'], modalities: ['CT'], yearOfDiagnosis: { min: 2012 } } },
      check: (data) => expect(data.providers.filter((p: any) => p.cohort.subjects.value !== null).length).toBeGreaterThan(0),
    },
    {
      name: 'the SDK\'s SearchDatasets with a filter',
      query: () => operation('SearchDatasets'),
      variables: { filter: { cancerTypes: ['BREAST'], modalities: ['MR'], countries: ['NL', 'DE', 'ES'] }, first: 5 },
      check: (data) => {
        expect(data.datasets.totalCount).toBeGreaterThan(0);
        expect(data.datasets.nodes.every((d: any) => d.cancerTypes.includes('BREAST') && typeof d.subjectCount === 'number')).toBe(true);
      },
    },
    {
      name: 'the SDK\'s CohortBreakdown by age band',
      query: () => operation('CohortBreakdown'),
      variables: { criteria: { cancerTypes: ['PROSTATE'] }, by: 'AGE_BAND' },
      check: (data) => expect(data.providers.flatMap((p: any) => p.cohort.breakdown).length).toBeGreaterThan(0),
    },
    {
      name: 'the SDK\'s Provider with its live status and datasets',
      query: () => operation('Provider'),
      variables: { id: 'demo-de' },
      check: (data) => expect(data.provider.datasets.length).toBeGreaterThan(0),
    },
  ];

  for (const { name, query, variables, check } of CASES) {
    it(`${name}: the same data through both, without errors`, async () => {
      const [viaOurs, viaHive] = await Promise.all([ask(ours, query(), variables), ask(hive.url, query(), variables)]);
      expect(viaOurs.status).toBe(200);
      expect(viaOurs.body.errors).toBeUndefined();
      expect(viaHive.status).toBe(200);
      expect(viaHive.body.errors).toBeUndefined();
      check(viaHive.body.data!);
      expect(withoutTimings(viaHive.body.data)).toEqual(withoutTimings(viaOurs.body.data));
    });
  }

  it('browsing a granted dataset (subjects → studies → series): the same records through both', async () => {
    const variables = { datasetId: granted, first: 3, studiesFirst: 2, seriesFirst: 3 };
    const viaOurs = await ask(ours, operation('DatasetRecords'), variables, { authorization: `Bearer ${bearer}` });
    const viaHive = await ask(hive.url, operation('DatasetRecords'), variables, await callerHeader(grantedCaller));
    expect(viaOurs.body.errors).toBeUndefined();
    expect(viaHive.body.errors).toBeUndefined();
    const subjects = viaHive.body.data!.dataset.subjects;
    expect(subjects.edges).toHaveLength(3);
    expect(subjects.edges[0].node.studies.edges[0].node.series.edges[0].node.seriesInstanceUid).toMatch(/^[0-9.]+$/);
    expect(viaHive.body.data).toEqual(viaOurs.body.data);
  });

  it.each([
    ['StudySeries', { first: 4 }],
    ['DatasetRecords', { first: 4, studiesFirst: 2, seriesFirst: 3 }],
  ])('browsing through Hive (%s) gives what the custom subgraph answers to the gateway\'s entity call', async (name, pages) => {
    const variables = { datasetId: granted, ...pages };
    const viaHive = await ask(hive.url, operation(name), variables, await callerHeader(grantedCaller));
    expect(viaHive.body.errors).toBeUndefined();
    expect(JSON.stringify(viaHive.body.data)).toMatch(/"seriesInstanceUid":"[0-9.]+"/);
    // The benchmark's "subgraph directly" baseline: the same selection asked of the custom
    // subgraph as an _entities call on the dataset.
    const { datasetId, ...rest } = variables;
    const direct = await ask(customUrl, toEntitiesOperation(operation(name), 'CustomDataset'),
      { ...rest, representations: [{ __typename: 'CustomDataset', id: datasetId }] }, await callerHeader(grantedCaller));
    expect(direct.body.errors).toBeUndefined();
    expect(direct.body.data!._entities).toEqual([viaHive.body.data!.dataset]);
  });
});

describe('access through Hive Gateway is the subgraphs\' to enforce', () => {
  const RECORDS = `query($d: ID!) { dataset(id: $d) { id subjects(first: 2) { nodes { id studies { nodes { series(first: 2) { nodes { seriesInstanceUid } } } } } } } }`;

  function expectRefused(answer: Answer, code: string) {
    expect(answer.status).toBe(200);
    expect(codeOf(answer)).toBe(code);
    expect(answer.body.errors![0]!.path).toEqual(['dataset', 'subjects']);
    expect(answer.body.data?.dataset?.subjects ?? null).toBeNull();
    expect(JSON.stringify(answer.body)).not.toMatch(/seriesInstanceUid"\s*:\s*"/);
  }

  it('refuses anonymous browsing with the custom subgraph\'s UNAUTHENTICATED, as our gateway does', async () => {
    const viaHive = await ask(hive.url, RECORDS, { d: granted });
    expectRefused(viaHive, 'UNAUTHENTICATED');
    expect(viaHive.body.errors![0]!.message).toBe('Record-level data needs a signed-in caller with a grant for the dataset.');
    expect(codeOf(await ask(ours, RECORDS, { d: granted }))).toBe('UNAUTHENTICATED');
  });

  it('treats a caller header signed with another secret as anonymous', async () => {
    const forged = await callerHeader(grantedCaller, randomBytes(32).toString('base64url'));
    expectRefused(await ask(hive.url, RECORDS, { d: granted }, forged), 'UNAUTHENTICATED');
  });

  it('refuses a signed-in caller without a grant for the dataset with FORBIDDEN', async () => {
    const ungranted = await callerHeader({ sub: 'hive-e2e-other', roles: ['researcher'], grants: [] });
    expectRefused(await ask(hive.url, RECORDS, { d: granted }, ungranted), 'FORBIDDEN');
  });

  it('answers the same caller\'s browsing once the header carries the grant', async () => {
    const answer = await ask(hive.url, RECORDS, { d: granted }, await callerHeader(grantedCaller));
    expect(answer.body.errors).toBeUndefined();
    expect(answer.body.data!.dataset.subjects.nodes).toHaveLength(2);
  });
});
