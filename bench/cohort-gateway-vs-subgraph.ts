import { parseArgs } from 'node:util';
import { loadRegistry } from '@cancer-imaging/provider-kit';
import { repoPath } from '../scripts/generate/paths.js';
import { demoGraphServices, startService, type RunningService } from '../scripts/lib/services.js';
import { freePort } from './lib/free-port.js';
import { formatResult, runLoad } from './lib/load.js';

// Benchmark: the same per-site cohort query (PROSTATE + MR) through the gateway and sent
// straight to the custom subgraph as the `_entities` call the gateway would make. Both run
// in this one invocation against the same processes; the ratio is what the gateway costs.
// Usage: npm run bench -- [--seconds 10] [--concurrency 8]
const { values } = parseArgs({ options: { seconds: { type: 'string', default: '10' }, concurrency: { type: 'string', default: '8' } } });
const seconds = Number(values.seconds);
const concurrency = Number(values.concurrency);

const registryPath = repoPath('config/demo/registry.yaml');
const registry = await loadRegistry(registryPath);
const customSites = registry.sites.filter((site) => site.kind === 'custom').map((site) => site.id);
const ports = { gateway: await freePort(), catalogue: await freePort(), custom: await freePort() };
const services: RunningService[] = [];
try {
  for (const spec of demoGraphServices({ registry: registryPath, ports, output: () => {}, env: { CIG_LOG_LEVEL: 'warn', CIG_GATEWAY_RATE_LIMIT: '0' } })) {
    services.push(await startService(spec));
  }
  const cohortFields = 'status subjects { value precision } studies { value precision } series { value precision }';
  const criteria = '{ cancerTypes: [PROSTATE], modalities: [MR] }';
  const viaGateway = { query: `{ providers { id cohort(criteria: ${criteria}) { ${cohortFields} } } }` };
  const direct = {
    query: `query($r: [_Any!]!) { _entities(representations: $r) { ... on CustomProvider { id cohort(criteria: ${criteria}) { ${cohortFields} } } } }`,
    variables: { r: customSites.map((id) => ({ __typename: 'CustomProvider', id })) },
  };
  console.log(`cohort query over ${customSites.length} demo sites, ${concurrency} concurrent clients, ${seconds} s each, on ${(await import('node:os')).cpus().length} cores\n`);
  const subgraph = await runLoad({ label: 'custom subgraph directly (baseline)', url: `http://127.0.0.1:${ports.custom}/graphql`, body: direct, concurrency, seconds });
  console.log(formatResult(subgraph));
  const gateway = await runLoad({ label: 'through the gateway', url: `http://127.0.0.1:${ports.gateway}/graphql`, body: viaGateway, concurrency, seconds });
  console.log(formatResult(gateway));
  console.log(`\ngateway / direct throughput ratio: ${(gateway.rps / subgraph.rps).toFixed(2)}`);
  console.log(`gateway / direct p50 latency ratio: ${(gateway.p50Ms / subgraph.p50Ms).toFixed(2)}`);
} finally {
  await Promise.all(services.reverse().map((service) => service.stop()));
}
