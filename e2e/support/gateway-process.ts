import { request } from 'node:http';
import { pino, type Logger } from 'pino';
import { createCallerResolver, freePort, loadRegistry, openGraphStore, startSubgraphServer, type RunningSubgraph } from '@cancer-imaging/provider-kit';
import { createCatalogueSubgraph } from '@cancer-imaging/subgraph-catalogue';
import { createCustomSubgraph } from '@cancer-imaging/subgraph-custom';
import { repoPath } from '../../scripts/generate/paths.js';
import { startService, type RunningService } from '../../scripts/lib/services.js';

/** The CIG_INTERNAL_SECRET shared by the in-process subgraphs and the gateway process. */
const INTERNAL_SECRET = 'gateway-process-internal-secret-0123456789';

export interface DemoSubgraphs {
  /** The variables that point a gateway process at these subgraphs, with the graph's secret. */
  readonly gatewayEnv: Readonly<Record<string, string>>;
  stop(): Promise<void>;
}

/**
 * The demo subgraphs (catalogue and custom kind over config/demo/registry.yaml) in this
 * process, as in-process-graph.ts starts them, but without a gateway: for tests that run
 * the gateway as its own process (cluster mode, tracing), the way `npm start` does.
 */
export async function startDemoSubgraphs(options: { logger?: Logger } = {}): Promise<DemoSubgraphs> {
  const logger = options.logger ?? pino({ level: 'silent' });
  const registry = await loadRegistry(repoPath('config/demo/registry.yaml'));
  const store = await openGraphStore('sqlite::memory:', { defaultSqlitePath: ':memory:' });
  const resolveCaller = createCallerResolver({ secret: INTERNAL_SECRET, store, logger, grantCacheMs: 0 });
  const catalogue = createCatalogueSubgraph({ registry, logger, store, resolveCaller });
  const custom = await createCustomSubgraph({ registry, pseudonymSecret: 'gateway-process-pseudonym-secret-0123', logger, resolveCaller, store });
  const servers: RunningSubgraph[] = [];
  const stop = async () => {
    await Promise.all(servers.map((server) => server.close()));
    await custom.close();
    await catalogue.close();
    await store.close();
  };
  try {
    servers.push(await startSubgraphServer({ name: 'catalogue', schema: catalogue.schema, logger, context: (req) => catalogue.createContext(req) }));
    servers.push(await custom.listen());
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    gatewayEnv: {
      CIG_INTERNAL_SECRET: INTERNAL_SECRET,
      CIG_GATEWAY_SUBGRAPH_CATALOGUE_URL: servers[0]!.url,
      CIG_GATEWAY_SUBGRAPH_CUSTOM_URL: servers[1]!.url,
    },
    stop,
  };
}

export interface GatewayProcess extends RunningService {
  /** `http://127.0.0.1:<port>`. */
  readonly base: string;
  /** Every line the process (and its workers) printed so far: pino JSON. */
  readonly lines: readonly string[];
  /** Resolves with the first log line whose `msg` is `message`, waiting up to timeoutMs. */
  waitForLog(message: string, timeoutMs: number): Promise<Record<string, unknown>>;
  /** Resolves with the exit code (or signal) once the process has exited. */
  readonly exited: Promise<number | NodeJS.Signals>;
}

/**
 * Runs gateway/src/main.ts as `npm start` does (node --import tsx, development conditions)
 * on a free port with `env`, and waits until /readyz answers 200.
 */
export async function startGatewayProcess(env: Readonly<Record<string, string>>): Promise<GatewayProcess> {
  const port = await freePort();
  const lines: string[] = [];
  const service = await startService({
    name: 'gateway',
    entry: 'gateway/src/main.ts',
    env: { CIG_LOG_LEVEL: 'info', CIG_GATEWAY_SUPERGRAPH_POLL_MS: '0', ...env, CIG_GATEWAY_PORT: String(port) },
    readyUrl: `http://127.0.0.1:${port}/readyz`,
    readyTimeoutMs: 120_000,
    output: (line) => void lines.push(line),
  });
  const exited = new Promise<number | NodeJS.Signals>((resolve) => {
    if (service.child.exitCode !== null || service.child.signalCode !== null) resolve(service.child.exitCode ?? service.child.signalCode!);
    else service.child.once('exit', (code, signal) => resolve(code ?? signal!));
  });
  const parsed = (line: string): Record<string, unknown> | undefined => {
    try {
      return JSON.parse(line) as Record<string, unknown>;
    } catch {
      return undefined;
    }
  };
  return {
    ...service,
    base: `http://127.0.0.1:${port}`,
    lines,
    exited,
    async waitForLog(message, timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const found = lines.map(parsed).find((entry) => entry?.['msg'] === message);
        if (found) return found;
        if (Date.now() > deadline) throw new Error(`no "${message}" in the gateway's log within ${timeoutMs} ms:\n${lines.slice(-20).join('\n')}`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    },
  };
}

export interface PlainResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly body: string;
}

/**
 * One HTTP request on a connection of its own (no keep-alive agent): in cluster mode each
 * connection goes to the next worker in turn, so this is how a test reaches every worker.
 */
export function requestOnNewConnection(url: string, init: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<PlainResponse> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: init.method ?? 'GET', headers: { connection: 'close', ...init.headers }, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      res.on('error', reject);
    });
    req.setTimeout(30_000, () => req.destroy(new Error(`no answer from ${url} within 30 s`)));
    req.on('error', reject);
    req.end(init.body);
  });
}

/** POSTs a GraphQL operation on a new connection. */
export async function postGraphQLOnNewConnection(base: string, query: string, variables: Record<string, unknown> = {}) {
  const response = await requestOnNewConnection(`${base}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query, variables }),
  });
  return { status: response.status, body: JSON.parse(response.body) as { data?: Record<string, unknown> | null; errors?: unknown[] } };
}
