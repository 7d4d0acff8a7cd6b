import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { freePort } from '@cancer-imaging/provider-kit';
import type { InjectedFaults } from '@cancer-imaging/provider-kit/testing';
import { repoPath } from '../../scripts/generate/paths.js';
import { demoGraphServices, pipeLines, startService, type RunningService, type ServiceSpec } from '../../scripts/lib/services.js';
import type { FaultsSetMessage, SetFaultsMessage } from './custom-fault-process.js';

/**
 * The demo graph as real processes (catalogue, custom kind, gateway on gateway/src/main.ts),
 * as `npm start` runs it, for tests that must see a process survive, be killed or measured:
 * sustained load, faults under load, fuzzing. With `controllableCustom` the custom kind runs
 * from e2e/support/custom-fault-process.ts instead, which a test can kill -9, restart on the
 * same port, and slow one site of.
 */
export interface ProcessGraphOptions {
  /** More gateway variables, e.g. CIG_GATEWAY_RATE_LIMIT: '0'. */
  readonly gatewayEnv?: Readonly<Record<string, string>>;
  /** Serve the custom kind from the fault-controllable entry. @default false (subgraphs/custom/src/main.ts) */
  readonly controllableCustom?: boolean;
}

/** The custom kind's process, under the test's control. */
export interface ControlledCustom {
  readonly port: number;
  /** The current process id (changes on restart). */
  readonly pid: number | undefined;
  /** Faults at one site from now on; undefined heals it. Resolves once the process applied them. */
  setFaults(site: string, faults: InjectedFaults | undefined): Promise<void>;
  /** SIGKILL, as a crash or an out-of-memory kill: no clean-up, connections reset. Resolves on exit. */
  kill(): Promise<void>;
  /** A new process on the same port; resolves when its /healthz answers. */
  restart(): Promise<void>;
}

export interface ProcessGraph {
  /** http://127.0.0.1:<port> of the gateway. */
  readonly base: string;
  /** The gateway's GraphQL endpoint. */
  readonly url: string;
  readonly gateway: RunningService;
  /** Present with `controllableCustom`. */
  readonly custom?: ControlledCustom;
  /** The last lines the services wrote (warn level and above), for failure messages. */
  logTail(lines?: number): string;
  stop(): Promise<void>;
}

const MAX_LOG_LINES = 2_000;

async function waitForHealth(url: string, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`custom exited during start-up (${child.exitCode ?? child.signalCode})`);
    try {
      if ((await fetch(url, { signal: AbortSignal.timeout(1_000) })).ok) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`custom was not healthy at ${url} within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** The custom kind from custom-fault-process.ts, with an IPC channel for faults. */
async function startControlledCustom(spec: ServiceSpec, port: number, sink: (line: string) => void): Promise<ControlledCustom & { stop(): Promise<void> }> {
  const healthUrl = `http://127.0.0.1:${port}/healthz`;
  let child: ChildProcess;
  let exited: Promise<void>;
  let nextId = 0;
  const launch = async () => {
    child = spawn(process.execPath, ['--conditions=development', '--import', 'tsx', repoPath('e2e/support/custom-fault-process.ts')], {
      cwd: repoPath('.'),
      env: { ...process.env, ...spec.env },
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    pipeLines(child, (line) => sink(`[custom] ${line}`));
    exited = new Promise((resolve) => child.once('exit', () => resolve()));
    // Start-up builds nothing when the demo index is cached; the first run of a checkout builds it.
    await waitForHealth(healthUrl, child, spec.readyTimeoutMs ?? 120_000);
  };
  const running = () => child.exitCode === null && child.signalCode === null;
  await launch();
  return {
    port,
    get pid() {
      return child.pid;
    },
    setFaults(site, faults) {
      const id = (nextId += 1);
      const message: SetFaultsMessage = { type: 'set-faults', id, site, ...(faults && { faults }) };
      return new Promise((resolve, reject) => {
        const onMessage = (answer: unknown) => {
          if ((answer as Partial<FaultsSetMessage>).type !== 'faults-set' || (answer as FaultsSetMessage).id !== id) return;
          child.off('message', onMessage);
          resolve();
        };
        child.on('message', onMessage);
        child.send(message, (error) => {
          if (error) {
            child.off('message', onMessage);
            reject(error);
          }
        });
      });
    },
    async kill() {
      if (!running()) return;
      child.kill('SIGKILL');
      await exited;
    },
    async restart() {
      if (running()) throw new Error('custom is still running; kill it first');
      await launch();
    },
    async stop() {
      if (!running()) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

export async function startProcessGraph(options: ProcessGraphOptions = {}): Promise<ProcessGraph> {
  const ports = { gateway: await freePort(), catalogue: await freePort(), custom: await freePort() };
  const log: string[] = [];
  const sink = (line: string) => {
    log.push(line);
    if (log.length > MAX_LOG_LINES) log.splice(0, log.length - MAX_LOG_LINES);
  };
  const specs = demoGraphServices({
    registry: repoPath('config/demo/registry.yaml'),
    ports,
    output: sink,
    env: {
      // One graph, one secret; a store in memory, so nothing here touches the checkout's
      // shared .cache/graph file that other graphs (npm start, other tests) use.
      CIG_INTERNAL_SECRET: randomBytes(32).toString('base64url'),
      CIG_DATABASE_URL: 'sqlite::memory:',
      CIG_LOG_LEVEL: 'warn',
    },
  });
  const spec = (name: string) => specs.find((candidate) => candidate.name === name)!;
  const gatewaySpec: ServiceSpec = {
    ...spec('gateway'),
    env: {
      ...spec('gateway').env,
      // The committed supergraph as it is now: a recomposition by someone else mid-run is no part of these tests.
      CIG_GATEWAY_SUPERGRAPH_POLL_MS: '0',
      ...options.gatewayEnv,
    },
  };
  const started: RunningService[] = [];
  let custom: (ControlledCustom & { stop(): Promise<void> }) | undefined;
  try {
    started.push(await startService(spec('catalogue')));
    if (options.controllableCustom) custom = await startControlledCustom(spec('custom'), ports.custom, sink);
    else started.push(await startService(spec('custom')));
    const gateway = await startService(gatewaySpec);
    started.push(gateway);
    const base = `http://127.0.0.1:${ports.gateway}`;
    return {
      base,
      url: `${base}/graphql`,
      gateway,
      ...(custom && { custom }),
      logTail: (lines = 40) => log.slice(-lines).join('\n'),
      async stop() {
        await Promise.all([...started].reverse().map((service) => service.stop()));
        await custom?.stop();
      },
    };
  } catch (error) {
    await Promise.all(started.map((service) => service.stop()));
    await custom?.stop();
    throw new Error(`${(error as Error).message}\n${log.slice(-40).join('\n')}`);
  }
}
