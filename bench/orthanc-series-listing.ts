import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { createGateway, loadGatewayConfig } from '@cancer-imaging/gateway';
import { loadRegistry, startSubgraphServer } from '@cancer-imaging/provider-kit';
import { createCatalogueSubgraph } from '@cancer-imaging/subgraph-catalogue';
import {
  buildSampleDicom, createOrthancSubgraph, orthancBinary, sampleDicomAvailable, startLocalOrthanc, uploadDicomFiles,
} from '@cancer-imaging/subgraph-orthanc';
import { composeGraph } from '../scripts/generate/compose.js';
import { formatResult, runClosedLoop } from './lib/load.js';

// Benchmark: listing every series of every dataset of an Orthanc site through the gateway
// (dataset → subjects → studies → series, one GraphQL query per dataset) against reading
// the same series straight from Orthanc (one expanded /tools/find of the series and one of
// the studies, the least a client must do to group series by dataset). Both in one run, on
// the same real Orthanc loaded with the sample DICOM. Also prints the Orthanc calls one
// gateway listing costs. Usage: npm run bench:orthanc -- [--seconds 8] [--concurrency 4]
const { values } = parseArgs({ options: { seconds: { type: 'string', default: '8' }, concurrency: { type: 'string', default: '4' } } });
if (!orthancBinary() || !sampleDicomAvailable()) {
  console.error('This benchmark needs Orthanc and pydicom: apt-get install orthanc orthanc-dicomweb python3-pydicom');
  process.exit(1);
}
const seconds = Number(values.seconds);
const concurrency = Number(values.concurrency);
const dir = await mkdtemp(path.join(tmpdir(), 'cig-bench-orthanc-'));
const logger = pino({ level: 'silent' });
const orthanc = await startLocalOrthanc({ name: 'bench' });
const cleanup: (() => Promise<unknown>)[] = [() => orthanc.stop(), () => rm(dir, { recursive: true, force: true })];
try {
  const manifest = await buildSampleDicom({ outDir: path.join(dir, 'dicom') });
  await uploadDicomFiles(orthanc, manifest.files.map((file) => file.path));
  const datasets = manifest.sites.flatMap((site) => site.datasets);
  await writeFile(path.join(dir, 'registry.yaml'), `sites:
  - { id: bench, name: Bench, country: BE, kind: orthanc, baseUrl: "${orthanc.url}", credentials: { username: CIG_B_USER, password: CIG_B_PASSWORD }, options: { grouping: { by: tag, tag: ClinicalTrialProtocolID } } }
datasets:
${datasets.map((d) => `  - { site: bench, localId: ${d.id}, title: ${d.id}, cancerTypes: [${d.cancerType}], publisher: { name: P } }`).join('\n')}
`);
  const registry = await loadRegistry(path.join(dir, 'registry.yaml'));
  let upstreamCalls = 0;
  const countingFetch: typeof fetch = (input, init) => { upstreamCalls++; return fetch(input, init); };
  const catalogue = await startSubgraphServer({ name: 'catalogue', schema: createCatalogueSubgraph({ registry, logger }).schema, logger, context: () => ({}) });
  cleanup.unshift(() => catalogue.close());
  const subgraph = await createOrthancSubgraph({
    registry, logger, env: { CIG_B_USER: orthanc.username, CIG_B_PASSWORD: orthanc.password }, fetch: countingFetch,
    pseudonymSecret: 'bench-secret-0123456789abcdef', accessPolicy: { canReadRecords: () => true, canSeeExactCounts: () => true },
    resolveCaller: () => ({ id: 'bench', roles: [], grants: [] }),
  });
  const subgraphServer = await subgraph.listen();
  cleanup.unshift(() => subgraphServer.close(), () => subgraph.close());
  const gateway = createGateway({
    config: loadGatewayConfig({ CIG_GATEWAY_RATE_LIMIT: '0', CIG_GATEWAY_PORT: '0', CIG_LOG_LEVEL: 'silent', CIG_GATEWAY_SUBGRAPH_CATALOGUE_URL: catalogue.url, CIG_GATEWAY_SUBGRAPH_ORTHANC_URL: subgraphServer.url }),
    logger, supergraphSdl: (await composeGraph(path.join(dir, 'registry.yaml'))).supergraphSdl,
  });
  const url = (await gateway.start()).url;
  cleanup.unshift(() => gateway.stop());

  const listing = `query($id: ID!) { dataset(id: $id) { subjects(first: 100) { nodes { studies(first: 100) { nodes { series(first: 100) { nodes { seriesInstanceUid modality bodyPart } } } } } } } }`;
  const listViaGateway = async () => {
    let count = 0;
    for (const dataset of datasets) {
      const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: listing, variables: { id: `bench:orthanc:${dataset.id}` } }) });
      const body = (await response.json()) as { errors?: unknown; data: { dataset: { subjects: { nodes: { studies: { nodes: { series: { nodes: unknown[] } }[] } }[] } } } };
      if (body.errors) return false;
      for (const subject of body.data.dataset.subjects.nodes) for (const study of subject.studies.nodes) count += study.series.nodes.length;
    }
    return count === new Set(manifest.files.map((f) => f.seriesInstanceUid)).size;
  };
  const auth = `Basic ${Buffer.from(`${orthanc.username}:${orthanc.password}`).toString('base64')}`;
  const listStraight = async () => {
    const find = (level: string) => fetch(`${orthanc.url}/tools/find`, { method: 'POST', headers: { authorization: auth }, body: JSON.stringify({ Level: level, Query: {}, Expand: true }) }).then((r) => r.json() as Promise<unknown[]>);
    const [series, studies] = await Promise.all([find('Series'), find('Study')]);
    return series.length > 0 && studies.length > 0;
  };

  upstreamCalls = 0;
  await listViaGateway();
  const coldCalls = upstreamCalls;
  upstreamCalls = 0;
  await listViaGateway();
  const warmCalls = upstreamCalls;
  const seriesCount = new Set(manifest.files.map((f) => f.seriesInstanceUid)).size;
  console.log(`listing ${seriesCount} series of ${datasets.length} datasets (${manifest.files.length} instances), ${concurrency} concurrent clients, ${seconds} s each\n`);
  console.log(`Orthanc calls for one full listing through the graph: ${coldCalls} cold, ${warmCalls} warm\n`);
  const straight = await runClosedLoop({ label: 'straight from Orthanc (baseline)', operation: listStraight, concurrency, seconds });
  console.log(formatResult(straight));
  const viaGateway = await runClosedLoop({ label: 'through the gateway', operation: listViaGateway, concurrency, seconds });
  console.log(formatResult(viaGateway));
  console.log(`\ngateway / straight throughput ratio: ${(viaGateway.rps / straight.rps).toFixed(2)}`);
  console.log(`gateway / straight p50 latency ratio: ${(viaGateway.p50Ms / straight.p50Ms).toFixed(2)}`);
} finally {
  for (const step of cleanup) await step();
}
