import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { isDeepStrictEqual, parseArgs } from 'node:util';
import { CALLER_HEADER, signCallerClaims, type CallerClaims } from '@cancer-imaging/provider-kit';
import { startTestIdentityProvider } from '../gateway/src/testing/identity-provider.js';
import { repoPath } from '../scripts/generate/paths.js';
import { demoGraphServices, startService, type RunningService } from '../scripts/lib/services.js';
import { freePort } from './lib/free-port.js';
import { formatResult, runLoad, type LoadResult } from './lib/load.js';
import { loadSdkOperations, toEntitiesOperation } from './lib/sdk-operations.js';

// Benchmark: our gateway against Hive Gateway over the same supergraph and subgraphs, and
// against the custom subgraph asked directly. Every service is a process of its own: the
// catalogue and custom subgraphs on the demo data, our gateway (built: gateway/dist/main.js, in
// production mode with a token issuer, rate limit off) and Hive Gateway
// (bench/lib/hive-gateway-process.ts). Two queries:
//   (a) nested: providers → their datasets → per-site cohort counts with each matching
//       dataset's title (catalogue → custom → catalogue), anonymous;
//   (b) browse: the SDK's DatasetRecords, a page of a granted dataset's subjects with their
//       studies and series, as a researcher holding the grant.
// Each runs for --duration seconds with --clients closed-loop clients, after a warm-up,
// through our gateway, Hive Gateway and the custom subgraph directly (the _entities call the
// gateways make for the custom part of the query). Every request is distinct (other criteria
// or deadline, another page), so neither gateway can merge concurrent identical calls (both
// do: ours for anonymous callers, Hive per identical body and headers); --identical sends
// one request throughout instead, to see that merging. Targets: our throughput ≥ 1.5 × Hive's,
// ≥ 0.5 × direct. Then our gateway's resident memory after --rss-seconds of both queries
// (target < 200 MB).
// Browsing auth: our gateway verifies the researcher's bearer token (ES256, a test issuer's
// public key file) and signs the caller header for the subgraphs; Hive verifies nothing and
// forwards the caller header the benchmark signs with the graph's internal secret, as Hive
// would be deployed behind something that did the verification. So Hive does less work per
// browsing request than ours.
// Usage: npm run bench:gateway -- [--duration 10] [--clients 16] [--warmup 3] [--rss-seconds 60] [--identical]
// (CIG_BENCH_GATEWAY_NODE_OPTIONS: node options for our gateway alone, e.g. to profile it.)

const USAGE = 'Usage: npm run bench:gateway -- [--duration 10] [--clients 16] [--warmup 3] [--rss-seconds 60] [--identical]';
const { values } = parseArgs({
  options: {
    duration: { type: 'string', default: '10' },
    clients: { type: 'string', default: '16' },
    warmup: { type: 'string', default: '3' },
    'rss-seconds': { type: 'string', default: '60' },
    identical: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (values.help) {
  console.log(USAGE);
  process.exit(0);
}
const seconds = Number(values.duration);
const clients = Number(values.clients);
const warmupSeconds = Number(values.warmup);
const rssSeconds = Number(values['rss-seconds']);
const identical = values.identical === true;
for (const [flag, value, min] of [['--duration', seconds, 1], ['--clients', clients, 1], ['--warmup', warmupSeconds, 0], ['--rss-seconds', rssSeconds, 0]] as const) {
  if (!Number.isFinite(value) || value < min) {
    console.error(`${flag} must be a number ≥ ${min}\n${USAGE}`);
    process.exit(2);
  }
}
if (!Number.isInteger(clients)) {
  console.error(`--clients must be a whole number\n${USAGE}`);
  process.exit(2);
}
const TARGET_VS_HIVE = 1.5;
const TARGET_VS_DIRECT = 0.5;
const TARGET_RSS_MB = 200;

// Every service's output, kept to show the last lines if something fails.
const output: string[] = [];
const collect = (name: string) => (line: string) => {
  output.push(`[${name}] ${line}`);
  if (output.length > 200) output.shift();
};
const running: RunningService[] = [];
const cleanups: (() => Promise<void>)[] = [];
let stopped = false;
async function stopAll(): Promise<void> {
  if (stopped) return;
  stopped = true;
  await Promise.allSettled(running.reverse().map((service) => service.stop()));
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
}
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    console.error(`\n${signal}: stopping every process started here`);
    void stopAll().finally(() => process.exit(130));
  });
}

/** Resident set (and its peak) of a process from /proc, in MB; undefined off Linux. */
/** How docs/operations.md runs the gateway in production (the cluster primary gives its workers the same). */
const HEAP_LIMIT_OPTION = '--max-old-space-size=256';

/** CPU time (user + system) a process has used so far, in ms, from /proc (Linux); undefined elsewhere. */
async function cpuMs(pid: number): Promise<number | undefined> {
  try {
    // Fields after the parenthesised command name: utime and stime are the 12th and 13th.
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS_PER_SECOND;
  } catch {
    return undefined;
  }
}
/** USER_HZ: 100 on Linux for every architecture Node runs on. */
const CLOCK_TICKS_PER_SECOND = 100;

async function residentMb(pid: number): Promise<{ rss: number; peak: number } | undefined> {
  try {
    const status = await readFile(`/proc/${pid}/status`, 'utf8');
    const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? Number.NaN);
    return { rss: kb('VmRSS') / 1024, peak: kb('VmHWM') / 1024 };
  } catch {
    return undefined;
  }
}

/** A gauge of the gateway's /metrics, in MB; undefined when it has none. */
async function metricMb(metricsUrl: string, name: string): Promise<number | undefined> {
  try {
    const text = await (await fetch(metricsUrl, { signal: AbortSignal.timeout(5_000) })).text();
    const value = new RegExp(`^${name}(?:\\{[^}]*\\})?\\s+([0-9.e+]+)`, 'm').exec(text)?.[1];
    return value === undefined ? undefined : Number(value) / 1024 / 1024;
  } catch {
    return undefined;
  }
}

const mb = (value: number | undefined) => (value === undefined || Number.isNaN(value) ? 'n/a' : `${value.toFixed(0)} MB`);

try {
  const dir = await mkdtemp(path.join(tmpdir(), 'cig-bench-gateway-'));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  // A stand-in identity provider: its public key in a file is how a production gateway may
  // be configured (CIG_GATEWAY_AUTH_PUBLIC_KEY_FILE), so nothing is fetched while measuring.
  const idp = await startTestIdentityProvider({ algorithm: 'ES256', audience: 'cancer-imaging-graph-bench' });
  cleanups.push(() => idp.close());
  const publicKeyFile = path.join(dir, 'issuer.pem');
  await writeFile(publicKeyFile, idp.publicKeyPem);
  const secret = randomBytes(32).toString('base64url');

  const ports = { gateway: await freePort(), catalogue: await freePort(), custom: await freePort() };
  const hivePort = await freePort();
  console.log('building the gateway (npm run build, cached by turbo) …');
  execFileSync(repoPath('node_modules/.bin/turbo'), ['run', 'build', '--filter=@cancer-imaging/gateway...', '--output-logs=errors-only'], { cwd: repoPath('.'), stdio: 'inherit' });
  const production = {
    NODE_ENV: 'production',
    CIG_LOG_LEVEL: 'warn',
    CIG_INTERNAL_SECRET: secret,
    CIG_DATABASE_URL: `sqlite:${path.join(dir, 'graph.sqlite')}`,
    CIG_CATALOGUE_ENV: 'production',
    CIG_GATEWAY_ENV: 'production',
    CIG_GATEWAY_GRAPHIQL: 'false',
    CIG_GATEWAY_INTROSPECTION: 'false',
    CIG_GATEWAY_RATE_LIMIT: '0',
    // One process, as Hive runs here, and the one whose resident set is read.
    CIG_GATEWAY_WORKERS: '1',
    CIG_GATEWAY_AUTH_ISSUER: idp.issuer,
    CIG_GATEWAY_AUTH_AUDIENCE: idp.audience,
    CIG_GATEWAY_AUTH_PUBLIC_KEY_FILE: publicKeyFile,
  };
  const specs = demoGraphServices({ registry: repoPath('config/demo/registry.yaml'), ports, env: production });
  // Our gateway runs compiled, with plain node, as in production (tsx would add its own
  // memory to the resident set measured below); the subgraphs run from source.
  // Our gateway as docs/operations.md says to run it in production: with a V8 heap limit
  // (CIG_GATEWAY_HEAP_MB's default). CIG_BENCH_GATEWAY_NODE_OPTIONS replaces these options,
  // e.g. to see V8's own default ('') or to load a profiler.
  const gatewayNodeOptions = process.env['CIG_BENCH_GATEWAY_NODE_OPTIONS'] ?? HEAP_LIMIT_OPTION;
  for (const spec of specs) {
    const ours = spec.name === 'gateway';
    const env = ours ? { ...spec.env, NODE_OPTIONS: gatewayNodeOptions } : spec.env;
    running.push(await startService({ ...spec, env, output: collect(spec.name), built: ours }));
  }
  const gateway = running.find((service) => service.name === 'gateway')!;
  const gatewayStarted = await residentMb(gateway.pid);
  const catalogueUrl = `http://127.0.0.1:${ports.catalogue}/graphql`;
  const customUrl = `http://127.0.0.1:${ports.custom}/graphql`;
  const hive = await startService({
    name: 'hive', entry: 'bench/lib/hive-gateway-process.ts', output: collect('hive'),
    // The same heap limit as ours, so the two resident sets compare.
    env: { NODE_ENV: 'production', NODE_OPTIONS: HEAP_LIMIT_OPTION, CIG_HIVE_PORT: String(hivePort), CIG_HIVE_SUBGRAPH_URLS: JSON.stringify({ catalogue: catalogueUrl, custom: customUrl }) },
    readyUrl: `http://127.0.0.1:${hivePort}/readiness`,
  });
  running.push(hive);
  const url = { ours: `http://127.0.0.1:${ports.gateway}/graphql`, hive: `http://127.0.0.1:${hivePort}/graphql`, direct: customUrl };

  // The granted dataset: the first RESTRICTED one at demo-nl.
  const found = await fetch(url.ours, {
    method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query: '{ datasets(first: 1, filter: { providerIds: ["demo-nl"], accessRights: [RESTRICTED] }) { nodes { id } } }' }),
  });
  const datasetId = ((await found.json()) as { data: { datasets: { nodes: { id: string }[] } } }).data.datasets.nodes[0]!.id;
  const runSeconds = 3 * 2 * (seconds + warmupSeconds) + rssSeconds + 600;
  const grantExpires = new Date(Date.now() + runSeconds * 1000).toISOString();
  const researcher: CallerClaims = { sub: 'bench-researcher', roles: ['researcher'], grants: [{ datasetId, expiresAt: grantExpires }] };
  const bearer = await idp.sign({ roles: researcher.roles, grants: researcher.grants }, { sub: researcher.sub, expiresIn: runSeconds });
  // The caller header lives 60 s: signed again every 20 s, as our gateway reissues it.
  let callerHeader = await signCallerClaims(researcher, secret);
  const resign = setInterval(() => void signCallerClaims(researcher, secret).then((token) => { callerHeader = token; }), 20_000);
  cleanups.push(async () => clearInterval(resign));

  const operation = await loadSdkOperations();
  // (a) over a few realistic criteria in turn. Unless --identical, every request is distinct
  // (its deadlineMs differs; any value above the sites' own 5 s deadline changes nothing), so
  // neither gateway can merge concurrent identical subgraph calls into one: each request
  // costs what a different researcher's would.
  const CRITERIA = [
    { cancerTypes: ['PROSTATE'], modalities: ['MR'] },
    { cancerTypes: ['LUNG'], modalities: ['CT'], yearOfDiagnosis: { min: 2012 } },
    { cancerTypes: ['BREAST'], modalities: ['MG', 'MR'], sex: ['FEMALE'] },
    { modalities: ['CT', 'MR'], bodyParts: ['CHEST', 'ABDOMEN'] },
  ];
  const nestedVariables = (n: number) => identical
    ? { criteria: CRITERIA[0], deadlineMs: 60_000 }
    : { criteria: CRITERIA[n % CRITERIA.length], deadlineMs: 50_000 + (n % 10_001) };
  const cohortFields = 'status subjects { value precision } studies { value precision } series { value precision }';
  const nestedQuery = `query ProvidersDatasetsCohorts($criteria: CohortCriteria!, $deadlineMs: Int) { providers { id name country datasets { id title }
    cohort(criteria: $criteria, deadlineMs: $deadlineMs) { ${cohortFields} datasets { dataset { id title } subjects { value precision } } } } }`;
  // The custom subgraph's part of (a), as both gateways send it: one _entities call for every site.
  const providers = ((await (await fetch(url.ours, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: '{ providers { __typename id } }' }),
  })).json()) as { data: { providers: { __typename: string; id: string }[] } }).data.providers.filter((p) => p.__typename === 'CustomProvider');
  const nestedDirectQuery = `query($representations: [_Any!]!, $criteria: CohortCriteria!, $deadlineMs: Int) { _entities(representations: $representations) {
    ... on CustomProvider { cohort(criteria: $criteria, deadlineMs: $deadlineMs) { ${cohortFields} datasets { dataset { __typename id } subjects { value precision } } } } } }`;
  const representations = providers.map(({ __typename, id }) => ({ __typename, id }));
  const nested = (n: number) => ({ query: nestedQuery, variables: nestedVariables(n) });
  const nestedDirect = (n: number) => ({ query: nestedDirectQuery, variables: { ...nestedVariables(n), representations } });

  // (b) the SDK's DatasetRecords, a page of 10 subjects with up to 3 studies each and up to
  // 10 series per study. Unless --identical, each request starts at another subject (the
  // cursors of the dataset's subjects, collected first), so again no two are alike.
  const asResearcher = { authorization: `Bearer ${bearer}` };
  const withCallerHeader = () => ({ [CALLER_HEADER]: callerHeader });
  const cursors: (string | null)[] = [null];
  for (let after: string | null = null; cursors.length < 500;) {
    const page: Response = await fetch(url.ours, {
      method: 'POST', headers: { 'content-type': 'application/json', ...asResearcher },
      body: JSON.stringify({ query: operation('DatasetSubjects'), variables: { datasetId, first: 100, after } }),
    });
    type SubjectPage = { pageInfo: { hasNextPage: boolean; endCursor: string | null }; edges: { cursor: string }[] };
    const subjects: SubjectPage = ((await page.json()) as { data: { dataset: { subjects: SubjectPage } } }).data.dataset.subjects;
    cursors.push(...subjects.edges.map((edge) => edge.cursor));
    if (!subjects.pageInfo.hasNextPage || subjects.pageInfo.endCursor === null) break;
    after = subjects.pageInfo.endCursor;
  }
  cursors.pop(); // the last subject has no page after it
  const pages = { first: 10, studiesFirst: 3, seriesFirst: 10 };
  const browseVariables = (n: number) => ({ ...pages, after: identical ? null : cursors[n % cursors.length] });
  const browseDocument = operation('DatasetRecords');
  const browseDirectDocument = toEntitiesOperation(browseDocument, 'CustomDataset');
  const browse = (n: number) => ({ query: browseDocument, variables: { datasetId, ...browseVariables(n) } });
  const browseDirect = (n: number) => ({ query: browseDirectDocument, variables: { ...browseVariables(n), representations: [{ __typename: 'CustomDataset', id: datasetId }] } });
  // A browsing answer must carry records: a refusal has errors, but so would an empty page.
  const hasRecords = (body: string) => !body.includes('"errors"') && body.includes('"seriesInstanceUid":"');

  // Before measuring: each path answers, and all three answer the same.
  const once = async (target: string, body: unknown, headers: Record<string, string> = {}): Promise<unknown> => {
    const response = await fetch(target, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
    const text = await response.text();
    if (response.status !== 200 || text.includes('"errors"')) throw new Error(`${target} answered ${response.status}: ${text.slice(0, 500)}`);
    return (JSON.parse(text) as { data: unknown }).data;
  };
  for (const n of [0, 1, 2, 3]) {
    const viaOurs = await once(url.ours, nested(n)) as { providers: { cohort: unknown }[] };
    if (!isDeepStrictEqual(viaOurs, await once(url.hive, nested(n)))) throw new Error(`(a) #${n} differs between our gateway and Hive`);
    const direct = await once(url.direct, nestedDirect(n)) as { _entities: { cohort: { datasets: { dataset: { id: string } }[] } }[] };
    const withoutTitles = viaOurs.providers.map((p) => p.cohort as { datasets: { dataset: { id: string } }[] })
      .map((c) => ({ ...c, datasets: c.datasets.map((d) => ({ ...d, dataset: { __typename: 'CustomDataset', id: d.dataset.id } })) }));
    if (!isDeepStrictEqual(withoutTitles, direct._entities.map((e) => e.cohort))) throw new Error(`(a) #${n} differs between our gateway and the custom subgraph`);
    const browsed = await once(url.ours, browse(n * 97), asResearcher) as { dataset: unknown };
    if (!isDeepStrictEqual(browsed, await once(url.hive, browse(n * 97), withCallerHeader()))) throw new Error(`(b) #${n} differs between our gateway and Hive`);
    if (!isDeepStrictEqual(await once(url.direct, browseDirect(n * 97), withCallerHeader()), { _entities: [browsed.dataset] })) {
      throw new Error(`(b) #${n} differs between our gateway and the custom subgraph`);
    }
  }

  console.log(`our gateway vs Hive Gateway (@graphql-hive/gateway-runtime) vs the custom subgraph directly; ${clients} concurrent clients, `
    + `${seconds} s each after ${warmupSeconds} s of warm-up, ${identical ? 'one identical request throughout' : 'every request distinct'}, `
    + `on ${cpus().length} cores (Node ${process.version}); our gateway runs with NODE_OPTIONS='${gatewayNodeOptions}', Hive with '${HEAP_LIMIT_OPTION}'\n`);
  // The CPU the answering process spends per request: what a gateway costs whatever the
  // subgraph behind it can take (on 2 cores they share the CPU, so throughput alone mixes both).
  const custom = running.find((service) => service.name === 'custom')!;
  const cpuPerRequest = new Map<LoadResult, number>();
  const measure = async (label: string, target: string, bodyOf: (n: number) => unknown, options: Partial<Parameters<typeof runLoad>[0]> = {}) => {
    const pid = target === url.ours ? gateway.pid : target === url.hive ? hive.pid : custom.pid;
    let startCpu: number | undefined;
    const result = await runLoad({
      label, url: target, body: bodyOf(0), bodyOf, concurrency: clients, seconds, warmupSeconds, ...options,
      // Counted from the end of the warm-up, as the requests are.
      onMeasureStart: async () => { startCpu = await cpuMs(pid); },
    });
    const endCpu = await cpuMs(pid);
    const perRequest = startCpu !== undefined && endCpu !== undefined && result.requests > 0 ? (endCpu - startCpu) / result.requests : undefined;
    if (perRequest !== undefined) cpuPerRequest.set(result, perRequest);
    console.log(`${formatResult(result)}   CPU ${perRequest === undefined ? 'n/a' : `${perRequest.toFixed(2)} ms/request`}`);
    return result;
  };
  const results: Record<'a' | 'b', Record<'ours' | 'hive' | 'direct', LoadResult>> = {
    a: {
      ours: await measure('(a) nested: our gateway', url.ours, nested),
      hive: await measure('(a) nested: Hive Gateway', url.hive, nested),
      direct: await measure('(a) nested: custom directly', url.direct, nestedDirect),
    },
    b: {
      ours: await measure('(b) browse: our gateway', url.ours, browse, { headers: asResearcher, isOk: hasRecords }),
      hive: await measure('(b) browse: Hive Gateway', url.hive, browse, { headers: withCallerHeader, isOk: hasRecords }),
      direct: await measure('(b) browse: custom directly', url.direct, browseDirect, { headers: withCallerHeader, isOk: hasRecords }),
    },
  };

  console.log('');
  const verdict = (met: boolean) => (met ? 'met' : 'NOT met');
  for (const [key, label] of [['a', '(a) nested'], ['b', '(b) browse']] as const) {
    const { ours, hive: viaHive, direct } = results[key];
    const vsHive = ours.rps / viaHive.rps;
    const vsDirect = ours.rps / direct.rps;
    console.log(`${label}: ours/Hive throughput ${vsHive.toFixed(2)} (target ≥ ${TARGET_VS_HIVE}: ${verdict(vsHive >= TARGET_VS_HIVE)}), `
      + `p50 ${(ours.p50Ms / viaHive.p50Ms).toFixed(2)}, p95 ${(ours.p95Ms / viaHive.p95Ms).toFixed(2)}; `
      + `ours/direct throughput ${vsDirect.toFixed(2)} (target ≥ ${TARGET_VS_DIRECT}: ${verdict(vsDirect >= TARGET_VS_DIRECT)})`);
    const oursCpu = cpuPerRequest.get(ours);
    const hiveCpu = cpuPerRequest.get(viaHive);
    if (oursCpu !== undefined && hiveCpu !== undefined) {
      console.log(`${label}: gateway CPU per request: ours ${oursCpu.toFixed(2)} ms, Hive ${hiveCpu.toFixed(2)} ms (Hive/ours ${(hiveCpu / oursCpu).toFixed(2)})`);
    }
  }
  const failures = Object.values(results).flatMap((row) => Object.values(row)).reduce((sum, result) => sum + result.failures, 0);
  if (failures > 0) console.log(`\n${failures} failed requests: the ratios above are not to be trusted.`);

  if (rssSeconds > 0) {
    const metricsUrl = `http://127.0.0.1:${ports.gateway}/metrics`;
    const before = await residentMb(gateway.pid);
    console.log(`\nour gateway's memory: resident ${mb(gatewayStarted?.rss)} once started, ${mb(before?.rss)} before ${rssSeconds} s of both queries (${clients} clients, half on each)`);
    const samples: number[] = [];
    const sampler = setInterval(() => void residentMb(gateway.pid).then((value) => value && samples.push(value.rss)), 5_000);
    const half = Math.max(1, Math.floor(clients / 2));
    const [loadA, loadB] = await Promise.all([
      runLoad({ label: '(a) nested, memory run', url: url.ours, body: nested(0), bodyOf: nested, concurrency: half, seconds: rssSeconds, warmupSeconds: 0 }),
      runLoad({
        label: '(b) browse, memory run', url: url.ours, body: browse(0), bodyOf: browse, concurrency: Math.max(1, clients - half),
        seconds: rssSeconds, warmupSeconds: 0, headers: asResearcher, isOk: hasRecords,
      }),
    ]);
    clearInterval(sampler);
    console.log(formatResult(loadA));
    console.log(formatResult(loadB));
    const after = await residentMb(gateway.pid);
    const gauge = await metricMb(metricsUrl, 'cig_gateway_process_resident_memory_bytes');
    const heap = await metricMb(metricsUrl, 'cig_gateway_process_heap_used_bytes');
    const hiveMemory = await residentMb(hive.pid);
    console.log(`our gateway after ${rssSeconds} s: VmRSS ${mb(after?.rss)} (peak VmHWM ${mb(after?.peak)}; sampled every 5 s: `
      + `${samples.map((value) => value.toFixed(0)).join(', ') || 'n/a'}); /metrics resident ${mb(gauge)}, heap used ${mb(heap)}`);
    if (after) console.log(`target < ${TARGET_RSS_MB} MB resident: ${verdict(after.rss < TARGET_RSS_MB)}`);
    console.log(`(for reference, Hive Gateway's process after its runs: VmRSS ${mb(hiveMemory?.rss)}, peak ${mb(hiveMemory?.peak)})`);
  }
} catch (error) {
  console.error(`\nbench failed: ${error instanceof Error ? error.message : String(error)}`);
  if (output.length > 0) console.error(`last service output:\n${output.slice(-20).join('\n')}`);
  process.exitCode = 1;
} finally {
  await stopAll();
}
