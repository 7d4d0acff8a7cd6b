import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestIdentityProvider, type TestIdentityProvider } from '../../gateway/src/testing/identity-provider.js';
import { startInProcessGraph, type InProcessGraph } from '../../e2e/support/in-process-graph.js';
import {
  CancerImagingError, createClient, sumCohortCounts, sumProtectedCounts,
  type CancerImagingClient, type DatasetSeriesRow, type DatasetSummaryFragment,
} from '../src/index.js';

// The SDK's typed operations against a live in-process graph (catalogue, custom kind,
// gateway), with a stand-in OIDC provider for the researcher's and the committee's tokens.
let graph: InProcessGraph;
let idp: TestIdentityProvider;
let client: CancerImagingClient;

beforeAll(async () => {
  idp = await startTestIdentityProvider();
  graph = await startInProcessGraph({
    gatewayEnv: {
      CIG_GATEWAY_AUTH_JWKS_URL: idp.jwksUrl, CIG_GATEWAY_AUTH_ISSUER: idp.issuer, CIG_GATEWAY_AUTH_AUDIENCE: idp.audience,
      CIG_GATEWAY_RATE_LIMIT: '0',
    },
  });
  client = createClient({ url: graph.url });
}, 120_000);

afterAll(async () => {
  await graph?.stop();
  await idp?.close();
});

const error = (promise: Promise<unknown>) => promise.then(() => undefined, (e: unknown) => e as CancerImagingError);

describe('the SDK against a live graph: discovery and search', () => {
  it('lists providers with their registry fields and live status', async () => {
    const providers = await client.providers();
    expect(providers.length).toBeGreaterThanOrEqual(4);
    for (const provider of providers) {
      expect(provider.kind).toBe('custom');
      expect(provider.country).toMatch(/^[A-Z]{2}$/);
      expect(provider.status?.status).toBe('OK');
    }
    const one = await client.provider(providers[0]!.id);
    expect(one?.datasets.length).toBeGreaterThan(0);
    expect(one?.datasets.every((d) => d.provider.id === providers[0]!.id)).toBe(true);
    expect(await client.provider('no-such-site')).toBeNull();
  });

  it('searches datasets with a filter and pages through them with cursors', async () => {
    const first = await client.searchDatasets({ cancerTypes: ['PROSTATE', 'LUNG'] }, { first: 3 });
    expect(first.totalCount).toBeGreaterThan(3);
    expect(first.nodes.every((d) => d.cancerTypes.some((t) => t === 'PROSTATE' || t === 'LUNG'))).toBe(true);
    const second = await client.searchDatasets({ cancerTypes: ['PROSTATE', 'LUNG'] }, { first: 3, after: first.pageInfo.endCursor! });
    expect(second.nodes.map((d) => d.id)).not.toContain(first.nodes[0]!.id);
  });

  it('iterates every dataset matching a filter, once each, across pages', async () => {
    const filter = { cancerTypes: ['PROSTATE', 'LUNG'] } as const;
    const { totalCount, nodes } = await client.searchDatasets({ cancerTypes: [...filter.cancerTypes] }, { first: 100 });
    const iterated: DatasetSummaryFragment[] = [];
    for await (const dataset of client.datasets({ cancerTypes: [...filter.cancerTypes] }, { pageSize: 4 })) iterated.push(dataset);
    expect(iterated.map((d) => d.id)).toEqual(nodes.map((d) => d.id));
    expect(iterated).toHaveLength(totalCount);
    const pages = [];
    for await (const page of client.datasets({ cancerTypes: [...filter.cancerTypes] }, { pageSize: 4 }).pages()) pages.push(page.nodes.length);
    expect(pages).toHaveLength(Math.ceil(totalCount / 4));
  });

  it('reads one dataset with its curated fields, and null for an unknown id', async () => {
    const [summary] = await client.datasets().toArray({ max: 1 });
    const dataset = await client.dataset(summary!.id);
    expect(dataset).toMatchObject({ id: summary!.id, title: summary!.title, provider: summary!.provider });
    expect(dataset!.publisher.name.length).toBeGreaterThan(0);
    expect(await client.dataset('demo-nl:custom:no-such-dataset')).toBeNull();
  });

  it('gets protected per-site cohort counts, never exact for an anonymous caller, and sums them into protected totals', async () => {
    const { data, errors } = await client.cohortBySite({ cancerTypes: ['BREAST'], modalities: ['MG', 'MR'] });
    expect(errors).toEqual([]);
    for (const provider of data!.providers) {
      const cohort = provider.cohort!;
      expect(cohort.status).toBe('OK');
      expect(['ROUNDED', 'SUPPRESSED']).toContain(cohort.subjects.precision);
      for (const row of cohort.datasets) expect(row.dataset.title.length).toBeGreaterThan(0);
    }
    const totals = sumCohortCounts(data!.providers);
    expect(totals.sites).toBe(data!.providers.length);
    expect(totals.subjects).toEqual(sumProtectedCounts(data!.providers.map((p) => p.cohort!.subjects)));
    expect(totals.series.value).toBe(data!.providers.reduce((sum, p) => sum + (p.cohort!.series.value ?? 0), 0));
    expect(totals.subjects.precision).not.toBe('EXACT');
  });

  it('saves a cohort, reads it back and gets its report', async () => {
    const saved = await client.saveCohort({ cancerTypes: ['LUNG'], modalities: ['CT'] });
    expect((await client.savedCohort(saved.id))?.criteria).toMatchObject({ cancerTypes: ['LUNG'], modalities: ['CT'] });
    const { data } = await client.cohortReport(saved.id);
    expect(data!.cohortReport!.sites.length).toBeGreaterThanOrEqual(4);
    expect(sumCohortCounts(data!.cohortReport!.sites).subjects.value).toBeGreaterThan(0);
  });

  it('throws a CancerImagingError with the graph\'s code on bad input', async () => {
    const failure = await error(client.searchDatasets({}, { first: 1000 }));
    expect(failure).toBeInstanceOf(CancerImagingError);
    expect(failure).toMatchObject({ code: 'BAD_USER_INPUT', retryable: false });
  });

  it('reports an unreachable graph as a retryable NETWORK_ERROR', async () => {
    const offline = createClient({ url: 'http://127.0.0.1:9/graphql' });
    expect(await error(offline.providers())).toMatchObject({ code: 'NETWORK_ERROR', retryable: true });
  });
});

describe('the SDK against a live graph: access requests, grants, browsing and the audit log', () => {
  let researcher: CancerImagingClient;
  let committee: CancerImagingClient;
  let dataset: DatasetSummaryFragment;

  beforeAll(async () => {
    researcher = createClient({ url: graph.url, token: await idp.sign({ roles: ['researcher'] }, { sub: 'rita', expiresIn: 600 }) });
    committee = createClient({ url: graph.url, token: await idp.sign({ roles: ['committee'] }, { sub: 'dac', expiresIn: 600 }) });
    // The smallest dataset, so that walking all of it stays quick.
    const all = await client.datasets({}, { pageSize: 100 }).toArray();
    dataset = all.reduce((small, d) => ((d.subjectCount ?? Infinity) < (small.subjectCount ?? Infinity) ? d : small));
  });

  it('refuses records with UNAUTHENTICATED to an anonymous caller and FORBIDDEN without a grant', async () => {
    expect(await error(client.subjects(dataset.id).toArray())).toMatchObject({ code: 'UNAUTHENTICATED', retryable: false });
    expect(await error(researcher.subjects(dataset.id).toArray())).toMatchObject({ code: 'FORBIDDEN' });
    expect(await error(researcher.subjects('demo-nl:custom:no-such-dataset').toArray())).toMatchObject({ code: 'NOT_FOUND' });
    expect(await error(researcher.accessRequests().toArray())).toMatchObject({ code: 'FORBIDDEN' });
  });

  it('takes a request from submission through review to approval, creating the grant', async () => {
    const cohort = await researcher.saveCohort({ datasetIds: [dataset.id] });
    const request = await researcher.requestAccess({ datasetIds: [dataset.id], cohortId: cohort.id, purpose: 'Validating a detector on an external, multi-site cohort.' });
    expect(request).toMatchObject({ state: 'SUBMITTED', requester: 'rita', cohort: { id: cohort.id }, datasets: [{ id: dataset.id }] });
    expect((await researcher.myAccessRequests().toArray()).map((r) => r.id)).toContain(request.id);
    expect((await researcher.accessRequest(request.id))?.state).toBe('SUBMITTED');

    const submitted = await committee.accessRequests({ states: ['SUBMITTED'], pageSize: 1 }).toArray();
    expect(submitted.map((r) => r.id)).toContain(request.id);
    expect((await committee.startAccessReview(request.id)).state).toBe('UNDER_REVIEW');
    const approved = await committee.approveAccessRequest(request.id, { expiresAt: new Date(Date.now() + 3_600_000), note: 'Fine.' });
    expect(approved.state).toBe('APPROVED');
    expect(approved.history.map((event) => event.state)).toEqual(['SUBMITTED', 'UNDER_REVIEW', 'APPROVED']);
    expect(approved.grants).toEqual([expect.objectContaining({ datasetId: dataset.id, grantee: 'rita', active: true, requestId: request.id })]);

    expect((await researcher.myGrants()).filter((g) => g.active).map((g) => g.datasetId)).toContain(dataset.id);
    expect((await committee.grants({ datasetId: dataset.id }).toArray()).map((g) => g.grantee)).toContain('rita');
    // A mutation that fails is thrown with its code, and never retried.
    expect(await error(committee.approveAccessRequest(request.id, { expiresAt: new Date(Date.now() + 3_600_000) }))).toMatchObject({ code: 'CONFLICT' });
  });

  it('withdraws a request before a decision, and declines another', async () => {
    const purpose = 'Comparing segmentation models across sites and scanners.';
    const first = await researcher.requestAccess({ datasetIds: [dataset.id], purpose });
    expect((await researcher.withdrawAccessRequest(first.id, { note: 'Not needed after all.' })).state).toBe('WITHDRAWN');
    const second = await researcher.requestAccess({ datasetIds: [dataset.id], purpose });
    expect((await committee.declineAccessRequest(second.id, { note: 'Out of scope.' })).state).toBe('DECLINED');
  });

  it('pages every subject of the granted dataset once, as many as its total', async () => {
    const pages = [];
    for await (const page of researcher.subjects(dataset.id, { pageSize: 100 }).pages()) pages.push(page);
    const ids = pages.flatMap((page) => page.nodes.map((s) => s.id));
    expect(ids.length).toBe(pages[0]!.totalCount);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('pages a subject\'s studies and a study\'s series, the same records as the dataset-wide walk', async () => {
    const subjects = await researcher.subjects(dataset.id, { pageSize: 2 }).toArray({ max: 3 });
    const nested: string[] = [];
    for (const subject of subjects) {
      for await (const study of researcher.studies(subject, { pageSize: 1 })) {
        for await (const series of researcher.series(study, { pageSize: 2 })) nested.push(`${subject.id} ${study.studyInstanceUid} ${series.seriesInstanceUid}`);
      }
    }
    expect(nested.length).toBeGreaterThan(0);
    const walked: string[] = [];
    for await (const row of researcher.datasetSeries(dataset.id, { pageSize: 2 })) {
      if (!subjects.some((s) => s.id === row.subject.id)) break;
      walked.push(`${row.subject.id} ${row.study.studyInstanceUid} ${row.series.seriesInstanceUid}`);
    }
    expect(walked).toEqual(nested);
  });

  it('walks every series of the granted dataset, as many as its exact cohort count', async () => {
    const rows: DatasetSeriesRow[] = [];
    for await (const row of researcher.datasetSeries(dataset.id, { pageSize: 100 })) rows.push(row);
    const { data } = await researcher.cohortBySite({ datasetIds: [dataset.id] });
    // The dataset's own row is exact for a caller granted it (the site's total is not).
    const counted = data!.providers.find((p) => p.id === dataset.provider.id)!.cohort!.datasets.find((row) => row.dataset.id === dataset.id)!;
    expect(counted.series).toMatchObject({ precision: 'EXACT' });
    expect(rows).toHaveLength(counted.series.value!);
    expect(new Set(rows.map((row) => row.subject.id)).size).toBe(counted.subjects.value);
    // The demo's custom kind is an index without images: no retrieve link, and no error.
    expect(rows.every((row) => row.series.retrieveUrl === null)).toBe(true);
  }, 60_000);

  it('reads the audit log in pages by sequence, the same entries as one page', async () => {
    const paged = await committee.auditLog({ datasetId: dataset.id, pageSize: 3 }).toArray();
    const whole = await committee.auditLog({ datasetId: dataset.id, pageSize: 100 }).toArray();
    expect(paged).toEqual(whole);
    expect(paged.map((e) => e.sequence)).toEqual([...paged.map((e) => e.sequence)].sort((a, b) => a - b));
    expect(paged.map((e) => `${e.actor} ${e.action}`)).toEqual(expect.arrayContaining(['dac GRANT_CREATED', 'rita READ_SUBJECTS', 'rita READ_SERIES']));
    const later = await committee.auditLog({ datasetId: dataset.id, afterSequence: paged[1]!.sequence }).toArray();
    expect(later).toEqual(paged.slice(2));
  });
});

describe('the SDK against a rate-limited gateway', () => {
  /** A client whose fetch records every HTTP status it saw. */
  function countingClient(url: string, retry: Parameters<typeof createClient>[0]['retry']) {
    const statuses: number[] = [];
    const countingFetch = (async (input: string | URL | Request, init?: RequestInit) => {
      const response = await fetch(input, init);
      statuses.push(response.status);
      return response;
    }) as typeof fetch;
    return { client: createClient({ url, fetch: countingFetch, retry }), statuses };
  }

  /** Spends the caller's budget: asks until the gateway answers 429. */
  async function spendBudget(url: string) {
    const spender = createClient({ url, retry: false });
    for (let i = 0; i < 10; i += 1) {
      if ((await error(spender.providers()))?.code === 'RATE_LIMITED') return;
    }
    throw new Error('the gateway never refused');
  }

  it('waits out the gateway\'s 429 and Retry-After on a query, then answers', async () => {
    const limited = await startInProcessGraph({ gatewayEnv: { CIG_GATEWAY_RATE_LIMIT: '2', CIG_GATEWAY_RATE_LIMIT_WINDOW_SECONDS: '2' } });
    try {
      // A window may end between spending the budget and the query (rarely): then try again.
      for (let round = 0; round < 3; round += 1) {
        await spendBudget(limited.url);
        const { client: patient, statuses } = countingClient(limited.url, { maxAttempts: 3, maxDelayMs: 3_000, baseDelayMs: 50 });
        const started = Date.now();
        expect((await patient.providers()).length).toBeGreaterThanOrEqual(4);
        if (statuses[0] !== 429) continue;
        expect(statuses.at(-1)).toBe(200);
        // The gateway's Retry-After is whole seconds to the window's end: at least one was waited.
        expect(Date.now() - started).toBeGreaterThanOrEqual(900);
        return;
      }
      throw new Error('the query was never refused');
    } finally {
      await limited.stop();
    }
  }, 30_000);

  it('ends at once, with the wait the server asked for, when Retry-After is beyond maxDelayMs; and never retries a mutation', async () => {
    const limited = await startInProcessGraph({ gatewayEnv: { CIG_GATEWAY_RATE_LIMIT: '2', CIG_GATEWAY_RATE_LIMIT_WINDOW_SECONDS: '3600' } });
    try {
      await spendBudget(limited.url);
      const { client: patient, statuses } = countingClient(limited.url, { maxAttempts: 5, maxDelayMs: 3_000 });
      const refused = await error(patient.providers());
      expect(refused).toMatchObject({ code: 'RATE_LIMITED', status: 429, retryable: true });
      expect(refused!.retryAfterMs).toBeGreaterThan(3_000);
      const { client: mutating, statuses: mutationStatuses } = countingClient(limited.url, { maxAttempts: 5, maxDelayMs: 10_000_000 });
      expect(await error(mutating.saveCohort({ cancerTypes: ['LUNG'] }))).toMatchObject({ code: 'RATE_LIMITED', status: 429 });
      expect(statuses).toEqual([429]);
      expect(mutationStatuses).toEqual([429]);
    } finally {
      await limited.stop();
    }
  }, 30_000);
});
