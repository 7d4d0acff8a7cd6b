import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadRegistry, protectCount, type Registry } from '@cancer-imaging/provider-kit';
import { buildDemoSpec, computeDemoTotals, ensureDemoIndex } from '@cancer-imaging/subgraph-custom';
import { repoPath } from '../../scripts/generate/paths.js';
import { demoGraphServices, startService, type RunningService, type ServiceSpec } from '../../scripts/lib/services.js';
import { freePort } from '../../bench/lib/free-port.js';
import { postGraphQL } from '../support/graphql.js';

// The foundation's acceptance, against the demo graph as `npm start` runs it: three real
// processes (catalogue, custom kind, gateway) on free loopback ports.
const registryPath = repoPath('config/demo/registry.yaml');
let registry: Registry;
let specs: ServiceSpec[];
const running = new Map<string, RunningService>();
let graphql: string;
let gatewayBase: string;

beforeAll(async () => {
  registry = await loadRegistry(registryPath);
  const ports = { gateway: await freePort(), catalogue: await freePort(), custom: await freePort() };
  specs = demoGraphServices({ registry: registryPath, ports, output: () => {}, env: { CIG_LOG_LEVEL: 'warn' } });
  for (const spec of specs) running.set(spec.name, await startService(spec));
  gatewayBase = `http://127.0.0.1:${ports.gateway}`;
  graphql = `${gatewayBase}/graphql`;
}, 180_000);

afterAll(async () => {
  await Promise.all([...running.values()].reverse().map((service) => service.stop()));
});

describe('the demo graph started as npm start does', () => {
  it('lists the demo sites of the registry as providers', async () => {
    const { body } = await postGraphQL(graphql, '{ providers { id name country kind } }');
    expect(body.errors).toBeUndefined();
    const expected = registry.sites.map(({ id, name, country, kind }) => ({ id, name, country, kind })).sort((a, b) => a.id.localeCompare(b.id));
    expect(body.data!.providers).toEqual(expected);
    expect(new Set(expected.map((site) => site.country)).size).toBeGreaterThanOrEqual(3);
  });

  it('lists the 36 datasets, whose counts add up to the generator totals', async () => {
    const { body } = await postGraphQL(graphql, '{ datasets(first: 50) { totalCount nodes { id title subjectCount studyCount seriesCount } } }');
    expect(body.errors).toBeUndefined();
    const { totalCount, nodes } = body.data!.datasets as { totalCount: number; nodes: { subjectCount: number; studyCount: number; seriesCount: number }[] };
    expect(totalCount).toBe(36);
    expect(nodes).toHaveLength(36);
    const totals = computeDemoTotals(buildDemoSpec(registry));
    expect(nodes.reduce((sum, d) => sum + d.subjectCount, 0)).toBe(totals.subjects);
    expect(nodes.reduce((sum, d) => sum + d.studyCount, 0)).toBe(totals.studies);
    expect(nodes.reduce((sum, d) => sum + d.seriesCount, 0)).toBe(totals.series);
    expect(totals.subjects).toBeGreaterThan(19_000);
    expect(totals.series).toBeGreaterThan(200_000);
  });

  it('answers the per-site PROSTATE + MR cohort with the protected count of a direct SQL query on each site', async () => {
    const { body } = await postGraphQL(graphql, `{ providers { id cohort(criteria: { cancerTypes: [PROSTATE], modalities: [MR] }) {
      status subjects { value precision adjustedTo } studies { value precision } series { value precision adjustedTo } } } }`);
    expect(body.errors).toBeUndefined();
    const db = new Database(await ensureDemoIndex({ registry }), { readonly: true });
    try {
      const direct = db.prepare(`SELECT COUNT(DISTINCT dataset_id || char(0) || patient_id) AS subjects, COUNT(DISTINCT study_uid) AS studies, COUNT(*) AS series
        FROM series WHERE site_id = ? AND diagnosis = 'PROSTATE' AND modality = 'MR'`);
      for (const provider of body.data!.providers as { id: string; cohort: Record<string, unknown> }[]) {
        const site = registry.sites.find((s) => s.id === provider.id)!;
        const raw = direct.get(site.id) as { subjects: number; studies: number; series: number };
        expect(provider.cohort.status).toBe('OK');
        expect(provider.cohort.subjects, provider.id).toEqual(protectCount(raw.subjects, site.privacy));
        expect(provider.cohort.series, provider.id).toEqual(protectCount(raw.series, site.privacy));
        expect((provider.cohort.studies as { value: number }).value).toBe(protectCount(raw.studies, site.privacy).value);
      }
    } finally {
      db.close();
    }
  });

  it.each([
    ['an unknown enum value', '{ providers { cohort(criteria: { cancerTypes: [MELANOMA_OF_THE_MOON] }) { status } } }', 'criteria.cancerTypes'],
    ['a malformed cursor', '{ datasets(after: "not-a-cursor") { totalCount } }', 'after'],
    ['first above the maximum page size', '{ datasets(first: 1000) { totalCount } }', 'first'],
    ['an inverted age range', '{ providers { cohort(criteria: { ageAtDiagnosis: { min: 80, max: 20 } }) { status } } }', 'criteria.ageAtDiagnosis'],
  ])('refuses %s with BAD_USER_INPUT naming the argument, no stack trace, no 500', async (_name, query, argument) => {
    const { status, text, body } = await postGraphQL(graphql, query);
    expect(status).toBeLessThan(500);
    expect(body.errors?.length).toBeGreaterThan(0);
    for (const error of body.errors!) {
      expect(error.extensions?.code).toBe('BAD_USER_INPUT');
      expect(error.message).toContain(`"${argument}"`);
    }
    expect(text).not.toMatch(/stacktrace|\bat \S+ \(|node_modules|127\.0\.0\.1/);
  });

  it('refuses record-level fields without a grant and keeps the dataset\'s other fields', async () => {
    const { body } = await postGraphQL(graphql, `{ datasets(first: 1) { nodes { id title subjects(first: 5) { nodes { id } } } } }`);
    expect(body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    const dataset = (body.data!.datasets as { nodes: { title: string; subjects: unknown }[] }).nodes[0]!;
    expect(dataset.title.length).toBeGreaterThan(0);
    expect(dataset.subjects).toBeNull();
  });

  it('keeps answering catalogue fields while the custom subgraph is down, then recovers without a gateway restart', async () => {
    const query = '{ providers { id name cohort(criteria: { cancerTypes: [LUNG] }) { status subjects { value precision } } } }';
    await running.get('custom')!.stop();
    const down = await postGraphQL(graphql, query);
    expect(down.status).toBe(200);
    const providers = down.body.data!.providers as { id: string; name: string; cohort: unknown }[];
    expect(providers.map((p) => p.id)).toEqual(registry.sites.map((s) => s.id).sort());
    expect(providers.every((p) => p.name.length > 0 && p.cohort === null)).toBe(true);
    expect(down.body.errors?.[0]?.extensions?.code).toBe('SUBGRAPH_UNAVAILABLE');
    expect(down.body.errors?.[0]?.message).toContain('custom');
    expect(down.text).not.toMatch(/ECONNREFUSED|127\.0\.0\.1|http:\/\//);
    const notReady = await fetch(`${gatewayBase}/readyz`);
    expect(notReady.status).toBe(503);

    running.set('custom', await startService(specs.find((spec) => spec.name === 'custom')!));
    const up = await postGraphQL(graphql, query);
    expect(up.body.errors).toBeUndefined();
    expect((up.body.data!.providers as { cohort: { status: string } }[]).every((p) => p.cohort.status === 'OK')).toBe(true);
    expect((await fetch(`${gatewayBase}/readyz`)).status).toBe(200);
  }, 120_000);

  it('reports alive on /healthz and serves GraphiQL', async () => {
    expect((await fetch(`${gatewayBase}/healthz`)).status).toBe(200);
    const page = await fetch(`${gatewayBase}/graphiql`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('/graphql');
  });
});
