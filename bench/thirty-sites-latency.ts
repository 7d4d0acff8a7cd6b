import { cpus } from 'node:os';
import { parseArgs } from 'node:util';
import { loadRegistry } from '@cancer-imaging/provider-kit';
import { buildDemoSpec, buildSimulatedRegistry, computeDemoTotals } from '@cancer-imaging/subgraph-custom';
import { repoPath } from '../scripts/generate/paths.js';
import { formatResult, runLoad, type LoadResult } from './lib/load.js';
import { startSimulatedGraph } from './lib/simulated-graph.js';

// Benchmark: the per-site cohort query through the gateway over 30 simulated custom sites
// (the 36 demo datasets dealt over them), every site answering each call after a fixed
// injected latency L, as remote sites would. Sites are asked in parallel, so the answer
// should take about L, not 30 × L: p50 and p95 are printed as ratios to L (target: p50 below
// 1.3 × L). Baseline in the same run: the same graph and query with no injected latency
// (what the graph itself costs over 30 sites). Everything runs in this process.
// Usage: npm run bench:thirty-sites -- [--latency 100,250] [--seconds 10] [--concurrency 1] [--sites 30] [--scale 1]
// (--latency takes a comma-separated list: each L is measured against the same baseline.)
const { values } = parseArgs({
  options: {
    latency: { type: 'string', default: '100,250' },
    seconds: { type: 'string', default: '10' },
    concurrency: { type: 'string', default: '1' },
    sites: { type: 'string', default: '30' },
    scale: { type: 'string', default: '1' },
  },
});
const latencies = values.latency.split(',').map(Number);
const seconds = Number(values.seconds);
const concurrency = Number(values.concurrency);
const siteCount = Number(values.sites);
const TARGET_RATIO = 1.3;

const registry = buildSimulatedRegistry(await loadRegistry(repoPath('config/demo/registry.yaml')), {
  sites: siteCount, subjectScale: Number(values.scale),
});
const totals = computeDemoTotals(buildDemoSpec(registry));
const query = {
  query: `query($c: CohortCriteria!) { providers { id cohort(criteria: $c) {
    status latencyMs subjects { value precision } studies { value precision } series { value precision } } } }`,
  variables: { c: { modalities: ['CT', 'MR'], yearOfDiagnosis: { min: 2012 } } },
};
// A fast wrong answer is no answer: every site must have counted.
const everySiteOk = (body: string) => !body.includes('"errors"') && body.split('"status":"OK"').length - 1 === siteCount;

async function measure(label: string, injectedMs: number): Promise<LoadResult> {
  const graph = await startSimulatedGraph({ registry, ...(injectedMs > 0 && { faultsOf: () => ({ latencyMs: injectedMs }) }) });
  try {
    return await runLoad({ label, url: graph.url, body: query, concurrency, seconds, isOk: everySiteOk });
  } finally {
    await graph.stop();
  }
}

console.log(`cohort query through the gateway over ${siteCount} custom sites (${totals.datasets.length} datasets, ${totals.subjects} subjects, `
  + `${totals.series} series), ${concurrency} client(s), ${seconds} s each, on ${cpus().length} cores\n`);
const baseline = await measure('no injected latency (baseline)', 0);
console.log(formatResult(baseline));
const results: [number, LoadResult][] = [];
for (const latencyMs of latencies) {
  const slow = await measure(`${latencyMs} ms at every site`, latencyMs);
  console.log(formatResult(slow));
  results.push([latencyMs, slow]);
}

console.log('');
for (const [latencyMs, slow] of results) {
  const ratio = (value: number) => (value / latencyMs).toFixed(2);
  console.log(`L = ${latencyMs} ms: p50 = ${ratio(slow.p50Ms)} × L, p95 = ${ratio(slow.p95Ms)} × L (target p50 < ${TARGET_RATIO} × L: ${slow.p50Ms < TARGET_RATIO * latencyMs ? 'met' : 'NOT met'});`
    + ` over L: p50 ${((slow.p50Ms - latencyMs) / baseline.p50Ms).toFixed(2)} × the baseline p50 (1.00: sites waited in parallel, only the graph's own work added)`);
}
