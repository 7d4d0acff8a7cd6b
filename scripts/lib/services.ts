import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { repoPath } from '../generate/paths.js';

export interface ServiceSpec {
  /** Name for log prefixes, e.g. "custom". */
  readonly name: string;
  /** The service's main module, relative to the repo root. */
  readonly entry: string;
  readonly env: Readonly<Record<string, string>>;
  /** Polled until it answers 200. */
  readonly readyUrl: string;
  /** How long start-up may take (the custom subgraph builds the demo index on first start). */
  readonly readyTimeoutMs?: number;
  /** Where its output goes: inherit (npm start) or a collector (tests). */
  readonly output?: 'inherit' | ((line: string) => void);
  /**
   * Run the compiled module (`<package>/dist/…js`, from `npm run build`) with plain node, as
   * production does, instead of the TypeScript source through tsx (which adds its own
   * memory, about 30 MB, and start-up time). @default false
   */
  readonly built?: boolean;
}

/** `gateway/src/main.ts` → `gateway/dist/main.js`: where `npm run build` puts a package's entry. */
export function builtEntryOf(entry: string): string {
  return entry.replace(/(^|\/)src\//, '$1dist/').replace(/\.ts$/, '.js');
}

export interface RunningService {
  readonly name: string;
  readonly pid: number;
  readonly child: ChildProcess;
  /** Stops it (SIGTERM, then SIGKILL after 5 s) and waits for the exit. */
  stop(): Promise<void>;
}

/** Hands a child's stdout and stderr to `sink` line by line (a partial line waits for its end). */
export function pipeLines(child: ChildProcess, sink: (line: string) => void): void {
  for (const stream of [child.stdout, child.stderr]) {
    let buffered = '';
    stream?.setEncoding('utf8').on('data', (chunk: string) => {
      buffered += chunk;
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      for (const line of lines) sink(line);
    });
  }
}

async function waitUntilReady(url: string, timeoutMs: number, child: ChildProcess, name: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`${name} exited during start-up (code ${child.exitCode ?? child.signalCode})`);
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(1_000) });
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`${name} was not ready at ${url} within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Starts one service as a child Node process running its TypeScript main module. */
export async function startService(spec: ServiceSpec): Promise<RunningService> {
  const args = spec.built ? [repoPath(builtEntryOf(spec.entry))] : ['--conditions=development', '--import', 'tsx', repoPath(spec.entry)];
  const child = spawn(process.execPath, args, {
    cwd: repoPath('.'),
    env: { ...process.env, ...spec.env },
    stdio: spec.output === 'inherit' || spec.output === undefined ? ['ignore', 'inherit', 'inherit'] : ['ignore', 'pipe', 'pipe'],
  });
  if (typeof spec.output === 'function') pipeLines(child, spec.output);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const service: RunningService = {
    name: spec.name,
    pid: child.pid!,
    child,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    },
  };
  try {
    await waitUntilReady(spec.readyUrl, spec.readyTimeoutMs ?? 60_000, child, spec.name);
  } catch (error) {
    await service.stop();
    throw error;
  }
  return service;
}

export interface GraphPorts {
  readonly gateway: number;
  readonly catalogue: number;
  readonly custom: number;
  /** Set to serve Orthanc sites too (the registry must have some). */
  readonly orthanc?: number;
  /** Set to serve XNAT sites too. */
  readonly xnat?: number;
}

export interface GraphOptions {
  readonly registry: string;
  readonly ports: GraphPorts;
  readonly env?: Readonly<Record<string, string>>;
  readonly output?: ServiceSpec['output'];
  /** The supergraph the gateway plans with; default the committed schema/supergraph.graphql. */
  readonly supergraph?: string;
}

/**
 * The secret every service of one graph signs and verifies the caller header with: the one
 * given (options or the shell), else a new random one shared by the services started here.
 */
function internalSecret(options: GraphOptions): string {
  return options.env?.['CIG_INTERNAL_SECRET'] ?? process.env['CIG_INTERNAL_SECRET'] ?? randomBytes(32).toString('base64url');
}

/** Defaults of the demo graph that the shell can override: its data is synthetic, so it keeps its IDE. */
function demoGatewayDefaults(): Record<string, string> {
  const defaults: Record<string, string> = {};
  for (const name of ['CIG_GATEWAY_GRAPHIQL', 'CIG_GATEWAY_INTROSPECTION']) {
    if (process.env[name] === undefined) defaults[name] = 'true';
  }
  return defaults;
}

/** The services of the embedded demo graph, in start order. */
export function demoGraphServices(options: GraphOptions): ServiceSpec[] {
  const { ports, registry } = options;
  const common = { CIG_REGISTRY: registry, ...options.env, CIG_INTERNAL_SECRET: internalSecret(options) };
  return [
    {
      name: 'catalogue', entry: 'subgraphs/catalogue/src/main.ts', output: options.output,
      env: { ...common, CIG_CATALOGUE_PORT: String(ports.catalogue) },
      readyUrl: `http://127.0.0.1:${ports.catalogue}/healthz`,
    },
    {
      name: 'custom', entry: 'subgraphs/custom/src/main.ts', output: options.output, readyTimeoutMs: 120_000,
      env: { ...common, CIG_CUSTOM_PORT: String(ports.custom) },
      readyUrl: `http://127.0.0.1:${ports.custom}/healthz`,
    },
    ...(ports.orthanc === undefined ? [] : [{
      name: 'orthanc', entry: 'subgraphs/orthanc/src/main.ts', output: options.output,
      env: { ...common, CIG_ORTHANC_PORT: String(ports.orthanc) },
      readyUrl: `http://127.0.0.1:${ports.orthanc}/healthz`,
    }]),
    ...(ports.xnat === undefined ? [] : [{
      name: 'xnat', entry: 'subgraphs/xnat/src/main.ts', output: options.output,
      env: { ...common, CIG_XNAT_PORT: String(ports.xnat) },
      readyUrl: `http://127.0.0.1:${ports.xnat}/healthz`,
    }]),
    {
      name: 'gateway', entry: 'gateway/src/main.ts', output: options.output,
      env: {
        ...demoGatewayDefaults(),
        ...common,
        CIG_GATEWAY_PORT: String(ports.gateway),
        CIG_GATEWAY_SUBGRAPH_CATALOGUE_URL: `http://127.0.0.1:${ports.catalogue}/graphql`,
        CIG_GATEWAY_SUBGRAPH_CUSTOM_URL: `http://127.0.0.1:${ports.custom}/graphql`,
        ...(ports.orthanc !== undefined && { CIG_GATEWAY_SUBGRAPH_ORTHANC_URL: `http://127.0.0.1:${ports.orthanc}/graphql` }),
        ...(ports.xnat !== undefined && { CIG_GATEWAY_SUBGRAPH_XNAT_URL: `http://127.0.0.1:${ports.xnat}/graphql` }),
        ...(options.supergraph && { CIG_GATEWAY_SUPERGRAPH: options.supergraph }),
      },
      readyUrl: `http://127.0.0.1:${ports.gateway}/readyz`,
    },
  ];
}
