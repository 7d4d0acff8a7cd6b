import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoPath } from '../../scripts/generate/paths.js';
import {
  postGraphQLOnNewConnection,
  requestOnNewConnection,
  startDemoSubgraphs,
  startGatewayProcess,
  type DemoSubgraphs,
  type GatewayProcess,
} from '../support/gateway-process.js';

// Cluster mode as deployed: gateway/src/main.ts with CIG_GATEWAY_WORKERS=2 as its own
// process (a primary and two workers on one port) over the real demo subgraphs.
const QUERY = '{ providers { id name } }';

let subgraphs: DemoSubgraphs;
let gateway: GatewayProcess;

/** The value of one sample of a Prometheus exposition, or undefined when it is absent. */
function sample(exposition: string, series: string): number | undefined {
  const line = exposition.split('\n').find((candidate) => candidate.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

/** worker number → pid, from the primary's cig_gateway_cluster_worker_info series. */
function workerPids(exposition: string): Map<string, number> {
  const pids = new Map<string, number>();
  for (const match of exposition.matchAll(/^cig_gateway_cluster_worker_info\{worker="(\d+)",pid="(\d+)"\} 1$/gm)) pids.set(match[1]!, Number(match[2]));
  return pids;
}

async function scrape(): Promise<string> {
  const response = await requestOnNewConnection(`${gateway.base}/metrics`);
  expect(response.status).toBe(200);
  return response.body;
}

/** Scrapes until `ready` holds for the exposition (workers start, die and restart at their own pace). */
async function scrapeUntil(ready: (exposition: string) => boolean, timeoutMs: number): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const exposition = await scrape();
    if (ready(exposition)) return exposition;
    if (Date.now() > deadline) throw new Error(`the cluster did not get there within ${timeoutMs} ms; last scrape:\n${exposition}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

const graphqlOk = (worker: string) => `cig_gateway_http_requests_total{worker="${worker}",route="graphql",status="200"}`;

beforeAll(async () => {
  subgraphs = await startDemoSubgraphs();
  gateway = await startGatewayProcess({ ...subgraphs.gatewayEnv, CIG_GATEWAY_WORKERS: '2' });
  // /readyz answered by one worker; wait for the second too.
  await scrapeUntil((exposition) => sample(exposition, 'cig_gateway_cluster_workers_up') === 2, 120_000);
}, 240_000);

afterAll(async () => {
  await gateway?.stop();
  await subgraphs?.stop();
});

describe('the gateway in cluster mode (CIG_GATEWAY_WORKERS=2)', () => {
  it('warns at start that without Redis each worker keeps its own rate limits and caches', async () => {
    const line = gateway.lines.find((candidate) => candidate.includes('CIG_REDIS_URL is not set'));
    expect(line).toBeDefined();
    expect(JSON.parse(line!)).toMatchObject({ level: 40, workers: 2 });
  });

  it('spreads connections over both workers, and any scrape of /metrics shows both', async () => {
    for (let i = 0; i < 20; i += 1) {
      const { status, body } = await postGraphQLOnNewConnection(gateway.base, QUERY);
      expect(status).toBe(200);
      expect(body.errors).toBeUndefined();
      expect((body.data?.['providers'] as unknown[]).length).toBeGreaterThan(0);
    }
    // Each scrape lands on one worker or the other; each must describe the whole gateway.
    for (let i = 0; i < 4; i += 1) {
      const exposition = await scrape();
      const one = sample(exposition, graphqlOk('1')) ?? 0;
      const two = sample(exposition, graphqlOk('2')) ?? 0;
      expect(one, exposition).toBeGreaterThan(0);
      expect(two, exposition).toBeGreaterThan(0);
      expect(one + two).toBe(20);
      expect(sample(exposition, 'cig_gateway_cluster_workers')).toBe(2);
      expect(sample(exposition, 'cig_gateway_cluster_scrape_missing_workers')).toBe(0);
      expect(workerPids(exposition).size).toBe(2);
      // Valid text format: one TYPE per family, whichever worker the family came from.
      const types = exposition.split('\n').filter((line) => line.startsWith('# TYPE ')).map((line) => line.split(' ')[2]);
      expect(new Set(types).size).toBe(types.length);
      expect(types).toContain('cig_gateway_http_requests_total');
      // Each worker was forked with the default V8 heap limit (CIG_GATEWAY_HEAP_MB = 256;
      // the limit adds the young generation), far below V8's own default of about a
      // quarter of this machine's memory.
      for (const worker of ['1', '2']) {
        const limit = sample(exposition, `cig_gateway_process_heap_limit_bytes{worker="${worker}"}`);
        expect(limit, worker).toBeGreaterThanOrEqual(256 * 2 ** 20);
        expect(limit, worker).toBeLessThan(400 * 2 ** 20);
      }
    }
  });

  it('keeps answering when a worker dies, and forks a replacement that serves too', async () => {
    const before = workerPids(await scrape());
    const victim = before.get('1')!;
    expect(victim).toBeGreaterThan(0);
    process.kill(victim, 'SIGKILL');
    const exit = await gateway.waitForLog('a gateway worker exited; forking a replacement', 30_000);
    expect(exit).toMatchObject({ worker: 1, pid: victim, signal: 'SIGKILL' });
    expect(exit['restartInMs']).toBeGreaterThan(0);

    // The other worker takes every connection while the replacement starts.
    for (let i = 0; i < 10; i += 1) {
      const { status, body } = await postGraphQLOnNewConnection(gateway.base, QUERY);
      expect(status).toBe(200);
      expect(body.errors).toBeUndefined();
    }

    const after = await scrapeUntil((exposition) => {
      const pids = workerPids(exposition);
      return pids.size === 2 && pids.get('1') !== victim;
    }, 120_000);
    expect(workerPids(after).get('2')).toBe(before.get('2'));
    expect(sample(after, 'cig_gateway_cluster_worker_restarts_total')).toBe(1);
    expect(() => process.kill(victim, 0)).toThrow();

    // The replacement is in the rotation: new connections reach it.
    for (let i = 0; i < 6; i += 1) expect((await postGraphQLOnNewConnection(gateway.base, QUERY)).status).toBe(200);
    await scrapeUntil((exposition) => (sample(exposition, graphqlOk('1')) ?? 0) > 0, 10_000);
  }, 180_000);

  it('on SIGTERM drains the workers and exits 0 in time, leaving no worker behind', async () => {
    const pids = [...workerPids(await scrape()).values()];
    expect(pids).toHaveLength(2);
    const startedAt = Date.now();
    gateway.child.kill('SIGTERM');
    const timeout = new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), 30_000));
    expect(await Promise.race([gateway.exited, timeout])).toBe(0);
    expect(Date.now() - startedAt).toBeLessThan(30_000);
    for (const pid of pids) expect(() => process.kill(pid, 0), `worker ${pid} is still running`).toThrow();
    await gateway.waitForLog('gateway cluster stopped', 1_000);
  }, 60_000);
});

describe('a gateway cluster that cannot start', () => {
  it('exits 1 when its workers fail during start-up, instead of restarting them forever', async () => {
    const child = spawn(process.execPath, ['--conditions=development', '--import', 'tsx', repoPath('gateway/src/main.ts')], {
      cwd: repoPath('.'),
      env: { ...process.env, CIG_GATEWAY_WORKERS: '2', CIG_GATEWAY_PORT: '0', CIG_GATEWAY_SUPERGRAPH: repoPath('.cache/no-such-supergraph.graphql') },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    const timeout = new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), 60_000));
    const outcome = await Promise.race([exited, timeout]);
    if (outcome === 'timeout') child.kill('SIGKILL');
    expect(outcome, output).toBe(1);
    expect(output).toContain('a gateway worker exited before listening');
    expect(output).not.toContain('forking a replacement');
  }, 90_000);
});
