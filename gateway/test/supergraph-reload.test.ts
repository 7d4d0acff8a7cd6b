import { mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { composeServices } from '@apollo/composition';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { startSubgraphServer, type RunningSubgraph } from '@cancer-imaging/provider-kit';
import { parse } from 'graphql';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createGateway, loadGatewayConfig, type Gateway } from '../src/index.js';
import {
  DEAD_KIND_URL, SLOW_FIELD_DELAY_MS, captureLogger, catalogueTypeDefs, kindTypeDefs, startTestFederation, type TestFederation,
} from './fixtures/federation.js';

// Supergraph A is the fixture federation (catalogue + kind). Supergraph B adds an "extra"
// subgraph contributing Provider.badge, at a dead URL in the SDL: the gateway only reaches
// it through CIG_GATEWAY_SUBGRAPH_EXTRA_URL, so B answering proves the overrides apply to a
// reloaded supergraph too.
const extraTypeDefs = parse(/* GraphQL */ `
  extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key"])
  type Provider @key(fields: "id") {
    id: ID!
    badge: String
  }
`);
const DEAD_EXTRA_URL = 'http://127.0.0.1:9/extra/graphql';
const POLL_MS = 100;

function compose(services: Parameters<typeof composeServices>[0]): string {
  const result = composeServices(services);
  if (result.errors || !result.supergraphSdl) throw new Error(`composition failed: ${result.errors?.map((e) => e.message).join('; ')}`);
  return result.supergraphSdl;
}

async function post(url: string, query: string) {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query }) });
  return (await response.json()) as { data?: Record<string, unknown> | null; errors?: { message: string; extensions?: Record<string, unknown> }[] };
}

/** Writes the file as deploy tools and `npm run generate` do: a temporary file renamed over it. */
async function replaceFile(path: string, text: string): Promise<void> {
  await writeFile(`${path}.tmp`, text);
  await rename(`${path}.tmp`, path);
}

/** Asks until `done` holds, returning how long it took; fails after `timeoutMs`. */
async function within(timeoutMs: number, done: () => Promise<boolean>): Promise<number> {
  const started = performance.now();
  for (;;) {
    if (await done()) return performance.now() - started;
    if (performance.now() - started > timeoutMs) throw new Error(`not within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

const BADGE_QUERY = '{ providers { id badge } }';
const badgeAnswers = async (url: string) => {
  const body = await post(url, BADGE_QUERY);
  return body.errors === undefined && JSON.stringify(body.data).includes('badge-p1');
};

describe('gateway supergraph hot reload', () => {
  let federation: TestFederation;
  let extra: RunningSubgraph;
  let dir: string;
  let supergraphA: string;
  let supergraphB: string;
  let gateway: Gateway | undefined;

  beforeAll(async () => {
    federation = await startTestFederation();
    extra = await startSubgraphServer({
      name: 'extra',
      schema: buildSubgraphSchema({ typeDefs: extraTypeDefs, resolvers: { Provider: { __resolveReference: (ref: { id: string }) => ({ id: ref.id, badge: `badge-${ref.id}` }) } } as never }),
      logger: pino({ level: 'silent' }),
      context: () => ({}),
    });
    supergraphA = federation.supergraphSdl;
    supergraphB = compose([
      { name: 'catalogue', url: federation.catalogue.url, typeDefs: catalogueTypeDefs },
      { name: 'kind', url: DEAD_KIND_URL, typeDefs: kindTypeDefs },
      { name: 'extra', url: DEAD_EXTRA_URL, typeDefs: extraTypeDefs },
    ]);
    dir = await mkdtemp(join(tmpdir(), 'cig-supergraph-reload-'));
  });

  afterEach(async () => {
    await gateway?.stop();
    gateway = undefined;
  });

  afterAll(async () => {
    await extra?.close();
    await federation?.dispose();
    await rm(dir, { recursive: true, force: true });
  });

  function startOnFile(file: string, env: Record<string, string> = {}) {
    const { logger, lines } = captureLogger();
    const config = loadGatewayConfig({
      CIG_GATEWAY_PORT: '0',
      CIG_GATEWAY_DEV_KEYS_DIR: join(dir, 'dev-keys'),
      CIG_GATEWAY_SUPERGRAPH: file,
      CIG_GATEWAY_SUPERGRAPH_POLL_MS: String(POLL_MS),
      CIG_GATEWAY_SUBGRAPH_EXTRA_URL: extra.url,
      ...federation.overrides,
      ...env,
    });
    gateway = createGateway({ config, logger });
    return { gateway, lines };
  }

  it('answers a field of a recomposed supergraph within a second of the file changing, with requests in flight unaffected and no restart', async () => {
    const file = join(dir, 'a-to-b.graphql');
    await writeFile(file, supergraphA);
    const { gateway, lines } = startOnFile(file);
    const { url } = await gateway.start();

    const before = await post(url, BADGE_QUERY);
    expect(before.errors?.[0]?.message).toMatch(/Cannot query field "badge"/);

    // A request planned on A that is still waiting for its slow subgraph field.
    const inFlight = post(url, '{ providers { id slow } }');
    await new Promise((resolve) => setTimeout(resolve, 100));
    await replaceFile(file, supergraphB);
    const tookMs = await within(2_000, () => badgeAnswers(url));
    expect(tookMs).toBeLessThan(1_000 + POLL_MS);

    // The reload did not wait for it, and it still finished on the plan it started with.
    const finished = await inFlight;
    expect(finished).toEqual({ data: { providers: [{ id: 'p1', slow: 'late' }, { id: 'p2', slow: 'late' }] } });
    expect(tookMs).toBeLessThan(SLOW_FIELD_DELAY_MS);

    // Same listener, same URL; the old fields still answer next to the new one.
    expect(gateway.url).toBe(url);
    expect(await post(url, '{ providers { id name badge cohort(criteria: { cancerTypes: [LUNG] }) { subjects } } }')).toEqual({
      data: { providers: [
        { id: 'p1', name: 'Alpha Imaging', badge: 'badge-p1', cohort: { subjects: 40 } },
        { id: 'p2', name: 'Beta Archive', badge: 'badge-p2', cohort: { subjects: 20 } },
      ] },
    });
    const ready = await fetch(new URL('/readyz', url));
    expect(await ready.json()).toEqual({ status: 'ready', subgraphs: { catalogue: 'up', kind: 'up', extra: 'up' } });
    expect(lines).toEqual(expect.arrayContaining([expect.objectContaining({ msg: 'supergraph reloaded', added: ['extra'], removed: [] })]));
  });

  it('keeps the supergraph in use when the file turns into something unusable, and logs why', async () => {
    const file = join(dir, 'broken.graphql');
    await writeFile(file, supergraphB);
    const { gateway, lines } = startOnFile(file);
    const { url } = await gateway.start();
    expect(await badgeAnswers(url)).toBe(true);

    const rejections = () => lines.filter((line) => line['msg'] === 'supergraph rejected; the gateway keeps the previous one');
    const unusable = [
      ['not GraphQL', 'type Query {'],
      ['GraphQL but not a supergraph', 'type Query { ok: Boolean }'],
      // A subgraph left with no URL and no override to give it one.
      ['a subgraph without a URL', supergraphB.replace(federation.catalogue.url, '')],
      // Parses and names its subgraphs, but Apollo cannot build a supergraph from it.
      ['a supergraph Apollo cannot build', supergraphB.replace(/@join__type\(graph: CATALOGUE[^)]*\)/g, '')],
    ] as const;
    for (const [what, text] of unusable) {
      const seen = rejections().length;
      await replaceFile(file, text);
      await within(2_000, async () => rejections().length > seen);
      expect(await badgeAnswers(url), what).toBe(true);
    }
    expect(rejections().map((line) => line['reason'])).toEqual([
      expect.stringMatching(/Syntax Error/),
      expect.stringMatching(/no join__Graph/),
      expect.stringMatching(/CIG_GATEWAY_SUBGRAPH_CATALOGUE_URL/),
      expect.stringMatching(/extracting subgraphs from the supergraph/),
    ]);

    // A good file afterwards is picked up as usual.
    await replaceFile(file, supergraphA);
    await within(2_000, async () => (await post(url, BADGE_QUERY)).errors !== undefined);
    expect((await post(url, '{ providers { id name } }')).data).toEqual({ providers: [{ id: 'p1', name: 'Alpha Imaging' }, { id: 'p2', name: 'Beta Archive' }] });
  });

  it('swaps supergraphs with reloadSupergraph(), saying whether each was used', async () => {
    const { logger } = captureLogger();
    const config = loadGatewayConfig({
      CIG_GATEWAY_PORT: '0', CIG_GATEWAY_DEV_KEYS_DIR: join(dir, 'dev-keys'), CIG_GATEWAY_SUPERGRAPH: join(dir, 'never-written.graphql'),
      CIG_GATEWAY_SUPERGRAPH_POLL_MS: String(POLL_MS), CIG_GATEWAY_SUBGRAPH_EXTRA_URL: extra.url, ...federation.overrides,
    });
    // Given as a string: the file is not read and not watched.
    gateway = createGateway({ config, logger, supergraphSdl: supergraphA });
    expect(await gateway.reloadSupergraph(supergraphB)).toEqual({ status: 'rejected', reason: 'The gateway is not started.' });
    const { url } = await gateway.start();

    expect(await gateway.reloadSupergraph(supergraphB)).toEqual({ status: 'updated', subgraphs: ['catalogue', 'extra', 'kind'] });
    expect(await badgeAnswers(url)).toBe(true);
    expect(await gateway.reloadSupergraph(supergraphB)).toEqual({ status: 'unchanged' });
    const refused = await gateway.reloadSupergraph('not a supergraph');
    expect(refused.status).toBe('rejected');
    expect(await badgeAnswers(url)).toBe(true);

    expect(await gateway.reloadSupergraph(supergraphA)).toMatchObject({ status: 'updated' });
    expect((await post(url, BADGE_QUERY)).errors?.[0]?.message).toMatch(/Cannot query field "badge"/);
    await writeFile(config.supergraphPath, supergraphB);
    await new Promise((resolve) => setTimeout(resolve, 3 * POLL_MS));
    expect((await post(url, BADGE_QUERY)).errors).toBeDefined();
    await rm(config.supergraphPath);
  });
});
