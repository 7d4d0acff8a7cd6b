import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_SCHEMA_PATH, ERROR_CODES } from '@cancer-imaging/schema';
import { timedFetch, type TimedAnswer } from '../support/open-loop.js';
import { startProcessGraph, type ProcessGraph } from '../support/process-graph.js';
import { createSeededRandom, seedFrom } from '../support/seeded-random.js';
import { OperationFuzzer, type FuzzCase, type FuzzPools } from './operation-fuzzer.js';
import { parseGraphQLBody, type GraphQLBody } from './sdk-workload.js';

// Issue 8: 10,000 random requests against the running graph (the gateway in its own
// process, rate limit off), from a seeded PRNG: about half valid operations walked from the
// client-facing schema, half invalid in every way we could think of. Whatever comes in, the
// gateway must answer in time, never with a 5xx, and every error it gives must carry a
// code from the catalogue (schema/src/errors.ts, docs/errors.md) that fits the mistake.
// Reproduce a run with CIG_FUZZ_SEED=<the printed seed>; CIG_FUZZ_OPERATIONS runs fewer or more.
const OPERATIONS = Number(process.env['CIG_FUZZ_OPERATIONS'] ?? 10_000);
const CONCURRENCY = 16;
/** No request may take longer; the slowest valid ones (cohorts over every site) take well under a second here. */
const REQUEST_TIMEOUT_MS = 10_000;
const seed = seedFrom(process.env['CIG_FUZZ_SEED']);
const DOCUMENTED_CODES = new Set(Object.keys(ERROR_CODES));
/** Why a valid operation may still carry errors here: the caller is anonymous, so record-level and committee fields are refused. */
const ACCESS_CODES = new Set(['UNAUTHENTICATED', 'FORBIDDEN']);

let graph: ProcessGraph;
let pools: FuzzPools;
let apiSdl: string;

async function graphql(query: string): Promise<Record<string, unknown>> {
  const answer = await timedFetch(graph.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query }), timeoutMs: 10_000 });
  const body = parseGraphQLBody(answer.text);
  if (!body?.data || body.errors) throw new Error(`set-up query failed: ${answer.text.slice(0, 300)}`);
  return body.data;
}

beforeAll(async () => {
  graph = await startProcessGraph({ gatewayEnv: { CIG_GATEWAY_RATE_LIMIT: '0' } });
  apiSdl = await readFile(API_SCHEMA_PATH, 'utf8');
  const catalogue = await graphql('{ providers { id } datasets(first: 100) { nodes { id } } }');
  const cursors: string[] = [];
  for (const first of [1, 5, 10, 20]) {
    const page = await graphql(`{ datasets(first: ${first}) { pageInfo { endCursor } } }`);
    cursors.push((page['datasets'] as { pageInfo: { endCursor: string } }).pageInfo.endCursor);
  }
  pools = {
    providerIds: (catalogue['providers'] as { id: string }[]).map((provider) => provider.id),
    datasetIds: (catalogue['datasets'] as { nodes: { id: string }[] }).nodes.map((node) => node.id),
    datasetCursors: cursors,
  };
}, 180_000);

afterAll(async () => {
  await graph?.stop();
});

interface Result {
  readonly fuzz: FuzzCase;
  readonly answer: TimedAnswer;
  readonly body: GraphQLBody | undefined;
  readonly codes: readonly string[];
}

function send(fuzz: FuzzCase): Promise<TimedAnswer> {
  const { method, search, headers, body } = fuzz.request;
  return timedFetch(`${graph.url}${search}`, { method, headers, ...(body !== undefined && { body }), timeoutMs: REQUEST_TIMEOUT_MS });
}

/** One example per category of a problem (the first `limit` categories): enough to see the pattern and reproduce it. */
function examples(results: readonly Result[], limit = 8): string[] {
  const first = new Map<string, Result>();
  for (const r of results) if (!first.has(r.fuzz.category)) first.set(r.fuzz.category, r);
  return [...first.values()].slice(0, limit).map((r) => {
    const count = results.filter((other) => other.fuzz.category === r.fuzz.category).length;
    return `[${r.fuzz.category} ×${count}] ${r.fuzz.request.method} ${r.fuzz.summary}\n    → HTTP ${r.answer.status} ${r.answer.failure ?? r.answer.text.slice(0, 300)}`;
  });
}

/** What no error may show a client: internal addresses, stack frames, module paths. */
const INTERNAL_DETAIL = /127\.0\.0\.1|localhost:\d|node_modules|\bat \S+ \(|ECONNREFUSED/;

describe(`the gateway under ${OPERATIONS} random operations`, () => {
  it(`answers every one (seed ${seed}) within ${REQUEST_TIMEOUT_MS / 1000} s and never with a 5xx; every error carries a catalogued code that fits the mistake, and valid operations get data`, async () => {
    const fuzzer = new OperationFuzzer(apiSdl, createSeededRandom(seed), pools);
    // Generated up front, so the cases depend only on the seed, not on the order answers come in.
    const cases = Array.from({ length: OPERATIONS }, () => fuzzer.next());
    const results: Result[] = [];
    let next = 0;
    const started = performance.now();
    await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
      while (next < cases.length) {
        const fuzz = cases[next++]!;
        const answer = await send(fuzz);
        const body = parseGraphQLBody(answer.text);
        results.push({ fuzz, answer, body, codes: (body?.errors ?? []).map((error) => (typeof error.extensions?.['code'] === 'string' ? error.extensions['code'] : '(none)')) });
      }
    }));
    const seconds = (performance.now() - started) / 1000;

    // The summary: per category, how it was answered.
    const byCategory = new Map<string, Map<string, number>>();
    for (const r of results) {
      const outcome = `${r.answer.status}${r.codes.length > 0 ? ` ${[...new Set(r.codes)].sort().join('+')}` : r.body?.data ? ' data' : ''}`;
      const counts = byCategory.get(r.fuzz.category) ?? new Map<string, number>();
      counts.set(outcome, (counts.get(outcome) ?? 0) + 1);
      byCategory.set(r.fuzz.category, counts);
    }
    const valid = results.filter((r) => r.fuzz.valid);
    const slowest = Math.max(...results.map((r) => r.answer.ms));
    console.log([
      `random operations (seed ${seed}, CIG_FUZZ_SEED to repeat): ${results.length} in ${seconds.toFixed(1)} s (${(results.length / seconds).toFixed(0)}/s), `
        + `${valid.length} valid, ${results.length - valid.length} invalid, slowest ${slowest.toFixed(0)} ms`,
      ...[...byCategory].sort(([a], [b]) => a.localeCompare(b)).map(([category, counts]) => `  ${category.padEnd(36)} ${[...counts].sort((a, b) => b[1] - a[1]).map(([outcome, n]) => `${outcome} ×${n}`).join(', ')}`),
    ].join('\n'));

    // Every request answered, in time.
    expect(results).toHaveLength(OPERATIONS);
    const unanswered = results.filter((r) => r.answer.status === 0);
    expect.soft(examples(unanswered), `${unanswered.length} requests got no answer within ${REQUEST_TIMEOUT_MS} ms`).toEqual([]);
    // Never a 5xx: nothing a client sends is the server's failure.
    const serverErrors = results.filter((r) => r.answer.status >= 500);
    expect.soft(examples(serverErrors), `${serverErrors.length} answers were 5xx`).toEqual([]);
    // Always a GraphQL body, and every error coded from the catalogue.
    const notGraphQL = results.filter((r) => r.answer.status !== 0 && (!r.body || (!('data' in r.body) && !r.body.errors?.length)));
    expect.soft(examples(notGraphQL), `${notGraphQL.length} answers were not a GraphQL response`).toEqual([]);
    const uncatalogued = results.filter((r) => r.codes.some((code) => !DOCUMENTED_CODES.has(code)));
    expect.soft(examples(uncatalogued), `${uncatalogued.length} answers carried an error without a catalogued code`).toEqual([]);
    // INTERNAL is catalogued, but it means an unexpected failure: no request should cause one.
    const internal = results.filter((r) => r.codes.includes('INTERNAL'));
    // The gateway logs what it masked (at error level, under the request id): the cause.
    if (internal.length > 0) console.log(`gateway log, last lines:\n${graph.logTail(6)}`);
    expect.soft(examples(internal), `${internal.length} answers were INTERNAL`).toEqual([]);

    // Valid operations: HTTP 200 with data. The anonymous caller may be refused fields
    // (record-level data, the committee's lists), coded as such; a refused non-null root field
    // nulls the whole data, and then only access errors may explain it.
    const validProblems = valid.filter((r) => {
      if (r.answer.status !== 200 || !r.body || !('data' in r.body)) return true;
      if (r.codes.some((code) => !ACCESS_CODES.has(code))) return true;
      return r.body.data === null && r.codes.length === 0;
    });
    expect.soft(examples(validProblems), `${validProblems.length} of ${valid.length} valid operations were not answered with data (or only access errors)`).toEqual([]);
    // And they are not all refused: the generator walks the open fields as much as the closed ones.
    expect(valid.filter((r) => r.body?.data && r.codes.length === 0).length, 'valid operations answered in full').toBeGreaterThan(valid.length / 4);

    // Invalid requests: refused (never a 2xx with data alone) with the code the catalogue promises for the mistake.
    const invalid = results.filter((r) => !r.fuzz.valid && r.answer.status !== 0);
    const unrefused = invalid.filter((r) => r.codes.length === 0);
    expect.soft(examples(unrefused), `${unrefused.length} invalid requests were not refused`).toEqual([]);
    const miscoded = invalid.filter((r) => r.codes.length > 0 && !r.codes.some((code) => r.fuzz.expectedCodes.includes(code)));
    expect.soft(examples(miscoded, 20), `${miscoded.length} invalid requests refused with another code than their mistake's`).toEqual([]);
    // Errors explain the mistake without showing the inside of the graph (data may hold
    // links to the gateway itself, so only the errors are searched).
    const leaking = results.filter((r) => INTERNAL_DETAIL.test(JSON.stringify(r.body?.errors ?? [])));
    expect.soft(examples(leaking), `${leaking.length} answers showed internal details`).toEqual([]);

    // And the gateway is still the same, healthy process.
    expect(graph.gateway.child.exitCode).toBeNull();
    expect((await fetch(`${graph.base}/healthz`)).status).toBe(200);
  }, 240_000);
});
