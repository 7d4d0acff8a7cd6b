import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createHash, randomUUID, timingSafeEqual } from 'node:crypto';
import { ApolloServer, HeaderMap, type BaseContext } from '@apollo/server';
import type { GraphQLSchema } from 'graphql';
import type { Logger } from 'pino';
import { PROMETHEUS_CONTENT_TYPE, type MetricsRegistry } from './metrics/registry.js';

/** Largest request body a subgraph accepts; the gateway sends plans, never uploads. */
const MAX_BODY_BYTES = 1_000_000;

export interface SubgraphServerOptions<TContext extends BaseContext> {
  /** Name for logs, e.g. "custom". */
  readonly name: string;
  readonly schema: GraphQLSchema;
  readonly logger: Logger;
  /** Loopback by default: subgraphs sit behind the gateway. */
  readonly host?: string;
  /** 0 picks a free port. */
  readonly port?: number;
  /** Builds the per-request context (DataLoaders, caller); `operationName` as the request gave it, if it is a GraphQL name. */
  readonly context: (request: { headers: HeaderMap; requestId: string; operationName?: string }) => Promise<TContext> | TContext;
  /** Show stack traces in errors (development only). */
  readonly includeStacktrace?: boolean;
  /** Extra HTTP routes tried before /graphql; a route returns true when it answered. */
  readonly routes?: readonly ((req: IncomingMessage, res: ServerResponse, url: URL, requestId: string) => Promise<boolean>)[];
  /** Serve this registry at GET /metrics; without it /metrics is 404 like any unknown path. */
  readonly metrics?: SubgraphMetricsOptions;
}

/** Prometheus metrics of a subgraph (a kind subgraph's sites; the catalogue serves none). */
export interface SubgraphMetricsOptions {
  readonly registry: Pick<MetricsRegistry, 'render'>;
  /** When set, a scrape must send `authorization: Bearer <token>`; otherwise 401. */
  readonly token?: string;
}

export interface RunningSubgraph {
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw Object.assign(new Error('body too large'), { status: 413 });
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** A GraphQL name, bounded: it goes into the audit log as it came. */
const OPERATION_NAME = /^[_A-Za-z][_0-9A-Za-z]{0,199}$/;

/** The operation name of a POST body or a GET query string; undefined when absent or not a GraphQL name. */
export function operationNameOf(body: unknown, search: URLSearchParams): string | undefined {
  const value = typeof body === 'object' && body !== null ? (body as { operationName?: unknown }).operationName : search.get('operationName');
  return typeof value === 'string' && OPERATION_NAME.test(value) ? value : undefined;
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers }).end(JSON.stringify(body));
}

/** Compares digests in constant time, so a wrong token's length or prefix tells nothing. */
function bearerMatches(authorization: string | undefined, token: string): boolean {
  const digest = (value: string) => createHash('sha256').update(value).digest();
  return timingSafeEqual(digest(authorization ?? ''), digest(`Bearer ${token}`));
}

/** GET /metrics: the registry in the Prometheus text format, behind the token when there is one. */
function serveMetrics(req: IncomingMessage, res: ServerResponse, metrics: SubgraphMetricsOptions): void {
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    return sendJson(res, 405, { errors: [{ message: 'Use GET.', extensions: { code: 'BAD_REQUEST' } }] }, { allow: 'GET, HEAD' });
  }
  if (metrics.token !== undefined && !bearerMatches(req.headers.authorization, metrics.token)) {
    return sendJson(res, 401, { errors: [{ message: 'The metrics token is missing or wrong.', extensions: { code: 'UNAUTHENTICATED' } }] }, { 'www-authenticate': 'Bearer', 'cache-control': 'no-store' });
  }
  const body = metrics.registry.render();
  res.writeHead(200, { 'content-type': PROMETHEUS_CONTENT_TYPE, 'cache-control': 'no-store', 'content-length': String(Buffer.byteLength(body)) });
  res.end(req.method === 'HEAD' ? undefined : body);
}

/**
 * Serves a subgraph schema over HTTP: POST/GET /graphql through Apollo Server, /healthz for
 * liveness, /metrics when given a registry. Plain node:http so the kit needs no web framework.
 */
export async function startSubgraphServer<TContext extends BaseContext>(
  options: SubgraphServerOptions<TContext>,
): Promise<RunningSubgraph> {
  const { logger, name } = options;
  const apollo = new ApolloServer<TContext>({
    schema: options.schema,
    includeStacktraceInErrorResponses: options.includeStacktrace ?? false,
    csrfPrevention: true,
    // The process owner (main.ts) handles signals; Apollo's own handler races our shutdown.
    stopOnTerminationSignals: false,
    logger: { debug: () => {}, info: () => {}, warn: (m) => logger.warn({ subgraph: name }, String(m)), error: (m) => logger.error({ subgraph: name }, String(m)) },
  });
  await apollo.start();

  const server: Server = createServer((req, res) => {
    const requestId = (req.headers['x-request-id'] as string | undefined) ?? randomUUID();
    const url = new URL(req.url ?? '/', 'http://subgraph');
    if (url.pathname === '/healthz') return sendJson(res, 200, { status: 'ok', subgraph: name });
    if (url.pathname === '/metrics' && options.metrics) return serveMetrics(req, res, options.metrics);
    void (async () => {
      try {
        for (const route of options.routes ?? []) {
          if (await route(req, res, url, requestId)) return;
        }
        if (url.pathname !== '/graphql' && url.pathname !== '/') return sendJson(res, 404, { error: 'not found' });
        const headers = new HeaderMap();
        for (const [key, value] of Object.entries(req.headers)) {
          if (value !== undefined) headers.set(key, Array.isArray(value) ? value.join(', ') : value);
        }
        const raw = req.method === 'POST' ? await readBody(req) : '';
        let body: unknown = raw;
        if (raw && (headers.get('content-type') ?? '').includes('json')) {
          try { body = JSON.parse(raw); } catch {
            return sendJson(res, 400, { errors: [{ message: 'The request body is not valid JSON.', extensions: { code: 'BAD_REQUEST' } }] });
          }
        }
        const response = await apollo.executeHTTPGraphQLRequest({
          httpGraphQLRequest: { method: req.method ?? 'GET', headers, search: url.search, body },
          context: () => {
            const operationName = operationNameOf(body, url.searchParams);
            return Promise.resolve(options.context({ headers, requestId, ...(operationName !== undefined && { operationName }) }));
          },
        });
        const outHeaders: Record<string, string> = { 'x-request-id': requestId };
        for (const [key, value] of response.headers) outHeaders[key] = value;
        res.writeHead(response.status ?? 200, outHeaders);
        if (response.body.kind === 'complete') {
          res.end(response.body.string);
        } else {
          for await (const chunk of response.body.asyncIterator) res.write(chunk);
          res.end();
        }
      } catch (error) {
        const status = (error as { status?: number }).status ?? 500;
        logger.error({ err: error, requestId, subgraph: name }, 'subgraph request failed');
        if (!res.headersSent) {
          sendJson(res, status, { errors: [{ message: status === 413 ? 'The request is too large.' : 'Internal error.', extensions: { code: status === 413 ? 'BAD_REQUEST' : 'INTERNAL' } }] });
        } else {
          res.end();
        }
      }
    })();
  });
  server.keepAliveTimeout = 65_000;

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const { port, address } = server.address() as AddressInfo;
  const host = address.includes(':') ? `[${address}]` : address;
  const url = `http://${host}:${port}/graphql`;
  logger.info({ subgraph: name, url }, 'subgraph listening');
  return {
    url,
    port,
    async close() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await apollo.stop();
    },
  };
}
