import { cpus } from 'node:os';
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import {
  loadRegistry, normalizeCriteria, toSiteCriteria, type CallContext, type CohortCriteriaInput,
} from '@cancer-imaging/provider-kit';
import {
  buildDemoSpec, buildSimulatedRegistry, computeDemoTotals, createCustomAdapter, createCustomSubgraph, ensureDemoIndex, openIndexFile,
} from '@cancer-imaging/subgraph-custom';
import { repoPath } from '../scripts/generate/paths.js';
import { runClosedLoop, type LoadResult } from './lib/load.js';

// Benchmark: one cohort count at a custom site holding every demo dataset (36 datasets,
// ~20,000 subjects, >260,000 series), for several criteria combinations, measured through
// the adapter (the SQL alone) and through the custom subgraph over HTTP (what the gateway
// pays per site). Baselines in the same run: the adapter's ping (`SELECT 1 ... LIMIT 1`) and
// a plain `SELECT COUNT(*)` over the site's rows. Target: under 50 ms per site count.
// One client at a time: SQLite counts are synchronous, so this is the per-site time.
// Usage: npm run bench:site-count -- [--seconds 2]
const { values } = parseArgs({ options: { seconds: { type: 'string', default: '2' } } });
const seconds = Number(values.seconds);
const TARGET_MS = 50;

const CRITERIA: readonly { label: string; criteria: CohortCriteriaInput }[] = [
  { label: 'no criteria (whole site)', criteria: {} },
  { label: 'PROSTATE + MR', criteria: { cancerTypes: ['PROSTATE'], modalities: ['MR'] } },
  { label: 'LUNG or COLORECTAL', criteria: { cancerTypes: ['LUNG', 'COLORECTAL'] } },
  { label: 'CT or MR, diagnosed 2012+', criteria: { modalities: ['CT', 'MR'], yearOfDiagnosis: { min: 2012 } } },
  { label: 'CT of the chest', criteria: { modalities: ['CT'], bodyParts: ['CHEST'] } },
  { label: 'female, age 40-60', criteria: { sex: ['FEMALE'], ageAtDiagnosis: { min: 40, max: 60 } } },
  { label: 'SIEMENS, 2015-2020', criteria: { manufacturers: ['SIEMENS'], yearOfDiagnosis: { min: 2015, max: 2020 } } },
  { label: 'BREAST MR/MG, female 50+, 2018+', criteria: { cancerTypes: ['BREAST'], modalities: ['MR', 'MG'], sex: ['FEMALE'], ageAtDiagnosis: { min: 50 }, yearOfDiagnosis: { min: 2018 } } },
  { label: 'one dataset', criteria: { datasetIds: ['all-01:custom:lung-ct-screening-nodules'] } },
];

const logger = pino({ level: 'silent' });
const ctx: CallContext = { signal: new AbortController().signal, logger };
const registry = buildSimulatedRegistry(await loadRegistry(repoPath('config/demo/registry.yaml')), { sites: 1, idPrefix: 'all' });
const site = registry.sites[0]!;
const started = performance.now();
const indexPath = await ensureDemoIndex({ registry, logger });
const prepared = (performance.now() - started) / 1000;
const totals = computeDemoTotals(buildDemoSpec(registry));
console.log(`site ${site.id}: ${totals.datasets.length} datasets, ${totals.subjects} subjects, ${totals.studies} studies, ${totals.series} series`
  + ` (index ready in ${prepared.toFixed(1)} s; ${cpus().length} cores, ${seconds} s per measurement)\n`);

const adapter = createCustomAdapter(site, { logger, datasets: registry.datasets, env: {}, fetch: globalThis.fetch, demoIndexPath: indexPath });
const db = openIndexFile(indexPath);
const countAll = db.prepare('SELECT COUNT(*) FROM series WHERE site_id = ?').pluck();
const subgraph = await createCustomSubgraph({ registry, logger, pseudonymSecret: 'bench-site-count-secret-0123456789' });
const server = await subgraph.listen();
try {
  const measure = (label: string, operation: () => Promise<boolean>) =>
    runClosedLoop({ label, operation, concurrency: 1, seconds, warmupSeconds: Math.min(0.5, seconds / 4) });
  const ping = await measure('adapter ping (SELECT 1)', async () => { await adapter.describe(ctx); return true; });
  const scan = await measure('COUNT(*) over the site', async () => countAll.get(site.id) !== undefined);
  const row = (name: string, result: LoadResult, extra = '') =>
    `${name.padEnd(38)} p50 ${ms(result.p50Ms)}  p95 ${ms(result.p95Ms)}  ×COUNT(*) ${(result.p50Ms / scan.p50Ms).toFixed(2).padStart(6)}${extra}`;
  console.log('baselines');
  console.log(row(ping.label, ping));
  console.log(row(scan.label, scan));

  const query = `query($r: [_Any!]!, $c: CohortCriteria!) { _entities(representations: $r) { ... on CustomProvider {
    cohort(criteria: $c) { status latencyMs subjects { value precision } studies { value precision } series { value precision } } } } }`;
  const slowest = { adapter: 0, subgraph: 0 };
  for (const { label, criteria } of CRITERIA) {
    const siteCriteria = toSiteCriteria(normalizeCriteria(criteria), site.id, 'custom')!;
    const counted = await adapter.countCohort(siteCriteria, ctx);
    const direct = await measure('adapter', async () => (await adapter.countCohort(siteCriteria, ctx)).series === counted.series);
    const reported: number[] = [];
    const viaSubgraph = await measure('subgraph', async () => {
      const response = await fetch(server.url, {
        method: 'POST', headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query, variables: { r: [{ __typename: 'CustomProvider', id: site.id }], c: criteria } }),
      });
      const body = (await response.json()) as { data?: { _entities: { cohort: { status: string; latencyMs: number } }[] } };
      const cohort = body.data?._entities[0]?.cohort;
      if (cohort) reported.push(cohort.latencyMs);
      return cohort?.status === 'OK';
    });
    reported.sort((a, b) => a - b);
    slowest.adapter = Math.max(slowest.adapter, direct.p95Ms);
    slowest.subgraph = Math.max(slowest.subgraph, viaSubgraph.p95Ms);
    console.log(`\n${label} (${counted.series} of ${totals.series} series match)`);
    console.log(row('  through the adapter', direct));
    console.log(row('  through the custom subgraph (HTTP)', viaSubgraph, `  kit latencyMs p50 ${reported[Math.floor(reported.length / 2)] ?? '-'}  failures ${viaSubgraph.failures + direct.failures}`));
  }
  console.log(`\nslowest p95: adapter ${slowest.adapter.toFixed(1)} ms, subgraph ${slowest.subgraph.toFixed(1)} ms; target < ${TARGET_MS} ms per site count: `
    + `${slowest.subgraph < TARGET_MS ? 'met' : 'NOT met'}`);
} finally {
  await server.close();
  await subgraph.close();
  await adapter.close?.();
  db.close();
}

function ms(value: number): string {
  return `${value.toFixed(value < 1 ? 3 : 1).padStart(7)} ms`;
}
