import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient, ProvidersDocument, type TypedDocument } from '@cancer-imaging/sdk';
import { startInProcessGraph, type InProcessGraph } from '../support/in-process-graph.js';

// Persisted operations through the demo graph in this process: APQ seeded with the SDK's
// manifest in open mode (the default), and safelist mode, where only persisted operations
// run. Requests are written by hand where the wire format is the point, and sent with the
// SDK where its behaviour is.

const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');
const byHash = (text: string) => ({ persistedQuery: { version: 1, sha256Hash: sha256(text) } });

interface Answer {
  status: number;
  body: { data?: Record<string, any> | null; errors?: { message: string; extensions?: Record<string, unknown> }[] };
}

async function post(url: string, body: Record<string, unknown>): Promise<Answer> {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: response.status, body: (await response.json()) as Answer['body'] };
}

/** A fetch that records the bodies the SDK sends. */
function recordingFetch() {
  const bodies: Record<string, unknown>[] = [];
  const fetch = ((input: string | URL | Request, init?: RequestInit) => {
    bodies.push(JSON.parse(String(init?.body)) as Record<string, unknown>);
    return globalThis.fetch(input, init);
  }) as typeof globalThis.fetch;
  return { fetch, bodies };
}

const PROVIDERS = ProvidersDocument.toString();
/** A document of a notebook, in no manifest. */
const AD_HOC = '{ providers { id name } }';
const AD_HOC_DOCUMENT = AD_HOC as unknown as TypedDocument<{ providers: { id: string; name: string }[] }, Record<string, never>>;
const codeOf = (answer: Answer) => answer.body.errors?.[0]?.extensions?.code;

describe('APQ in open mode (the default)', () => {
  let graph: InProcessGraph;
  beforeAll(async () => {
    graph = await startInProcessGraph();
  }, 180_000);
  afterAll(async () => {
    await graph?.stop();
  });

  it('answers an SDK operation sent by its hash alone at the very first request: the manifest is known from the start', async () => {
    const answer = await post(graph.url, { variables: {}, extensions: byHash(PROVIDERS) });
    expect(answer.body.errors).toBeUndefined();
    expect(answer.body.data?.providers.length).toBeGreaterThan(0);
  });

  it('answers an unknown hash PERSISTED_QUERY_NOT_FOUND, keeps the document sent with its hash, then answers the hash alone', async () => {
    expect(codeOf(await post(graph.url, { extensions: byHash(AD_HOC) }))).toBe('PERSISTED_QUERY_NOT_FOUND');
    const registered = await post(graph.url, { query: AD_HOC, extensions: byHash(AD_HOC) });
    expect(registered.body.errors).toBeUndefined();
    const again = await post(graph.url, { extensions: byHash(AD_HOC) });
    expect(again.body).toEqual(registered.body);
  });

  it('refuses a hash that is not the text\'s, running nothing', async () => {
    const before = graph.subgraphCalls.length;
    const answer = await post(graph.url, { query: AD_HOC, extensions: byHash(PROVIDERS) });
    expect(answer.status).toBe(400);
    expect(codeOf(answer)).toBe('BAD_REQUEST');
    expect(answer.body.data).toBeUndefined();
    expect(graph.subgraphCalls.length).toBe(before);
  });

  it('lets the SDK with persistedOperations: true send its operations by hash, and register a document of its own once', async () => {
    const { fetch, bodies } = recordingFetch();
    const client = createClient({ url: graph.url, fetch, persistedOperations: true });
    expect((await client.providers()).length).toBeGreaterThan(0);
    const own = '{ providers { id country } }' as unknown as TypedDocument<{ providers: { id: string; country: string }[] }, Record<string, never>>;
    await client.request(own);
    await client.request(own);
    expect(bodies.map((body) => ('query' in body ? 'text' : 'hash'))).toEqual(['hash', 'hash', 'text', 'hash']);
  });
});

describe('safelist mode (CIG_GATEWAY_PERSISTED_OPERATIONS=safelist)', () => {
  let graph: InProcessGraph;
  let base: string;
  beforeAll(async () => {
    graph = await startInProcessGraph({ gatewayEnv: { CIG_GATEWAY_PERSISTED_OPERATIONS: 'safelist' } });
    base = graph.url.replace(/\/graphql$/, '');
  }, 180_000);
  afterAll(async () => {
    await graph?.stop();
  });

  it('refuses a document of no manifest with OPERATION_NOT_PERSISTED (HTTP 400), calling no subgraph, whether sent as text, with its hash, or by hash after', async () => {
    const before = graph.subgraphCalls.length;
    for (const body of [{ query: AD_HOC }, { query: AD_HOC, extensions: byHash(AD_HOC) }]) {
      const answer = await post(graph.url, body);
      expect(answer.status).toBe(400);
      expect(codeOf(answer)).toBe('OPERATION_NOT_PERSISTED');
      expect(answer.body.data).toBeUndefined();
    }
    // The refused registration was not kept.
    expect(codeOf(await post(graph.url, { extensions: byHash(AD_HOC) }))).toBe('PERSISTED_QUERY_NOT_FOUND');
    expect(graph.subgraphCalls.length).toBe(before);
  });

  it('runs an SDK operation sent by hash and as its exact text, and refuses the same operation reformatted', async () => {
    const byHashAnswer = await post(graph.url, { extensions: byHash(PROVIDERS) });
    const byText = await post(graph.url, { query: PROVIDERS });
    const ids = (answer: Answer) => (answer.body.data?.providers as { id: string }[]).map((provider) => provider.id);
    expect(byHashAnswer.body.errors).toBeUndefined();
    expect(byText.body.errors).toBeUndefined();
    expect(ids(byText)).toEqual(ids(byHashAnswer));
    expect(codeOf(await post(graph.url, { query: PROVIDERS.trim() }))).toBe('OPERATION_NOT_PERSISTED');
  });

  it('serves the SDK in both modes of its own: texts by default, hashes with persistedOperations; a document of its own is refused', async () => {
    const criteria = { cancerTypes: ['PROSTATE' as const] };
    const plain = await createClient({ url: graph.url }).cohortBySite(criteria);
    const { fetch, bodies } = recordingFetch();
    const hashing = createClient({ url: graph.url, fetch, persistedOperations: true });
    const persisted = await hashing.cohortBySite(criteria);
    expect(plain.errors).toEqual([]);
    expect(persisted.errors).toEqual([]);
    // The same sites with the same protected counts (latencies differ from run to run).
    const counts = (data: typeof plain.data) => data!.providers.map((p) => [p.id, p.cohort?.subjects]);
    expect(counts(persisted.data)).toEqual(counts(plain.data));
    expect(bodies.map((body) => 'query' in body)).toEqual([false]);
    await expect(hashing.request(AD_HOC_DOCUMENT)).rejects.toMatchObject({ code: 'OPERATION_NOT_PERSISTED', status: 400 });
  });

  it('keeps the gateway\'s own routes working: EUCAIM search and cohort reports run their documents through Apollo', async () => {
    const eucaim = await fetch(`${base}/eucaim/search?modality=MR`);
    expect(eucaim.status).toBe(200);
    expect(((await eucaim.json()) as { collections: unknown[] }).collections.length).toBeGreaterThan(0);

    const { id } = await createClient({ url: graph.url }).saveCohort({ modalities: ['MR'] });
    const report = await fetch(`${base}/cohorts/${id}/report.json`);
    expect(report.status).toBe(200);
    expect(((await report.json()) as { cohort: { id: string } }).cohort.id).toBe(id);
  });
});
