import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApolloGateway } from '@apollo/gateway';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { CALLER_HEADER } from '@cancer-imaging/provider-kit';
import type { Logger } from 'pino';
import { createRequestAuthenticator } from './auth/authenticate-request.js';
import { createCallerHeaderSigner, type CallerHeaderSigner } from './auth/caller-header.js';
import { createTokenVerifier } from './auth/token-verifier.js';
import { loadTrustedIssuers } from './auth/trusted-issuers.js';
import type { GatewayConfig } from './config.js';
import type { GatewayContext } from './context.js';
import { createCohortReportRoute } from './cohort-report/report-route.js';
import { createEucaimRoute } from './eucaim/eucaim-route.js';
import { executeAsCaller } from './execute-as-caller.js';
import { createGraphiQL } from './graphiql.js';
import { createRetrieveProxy } from './retrieve-proxy.js';
import { createGatewayMetrics, routeOf, type GatewayMetrics } from './metrics/gateway-metrics.js';
import { PROMETHEUS_CONTENT_TYPE } from '@cancer-imaging/provider-kit';
import { HttpError, graphQLErrorBody, readBody, sendJson, toHeaderMap, writeGraphQLResponse } from './http.js';
import { createErrorFormatter, useErrorMasking } from './plugins/use-error-masking.js';
import { useInputErrors } from './plugins/use-input-errors.js';
import { useOperationResolution } from './plugins/use-operation-resolution.js';
import { parseOptionsFor, useOperationLimits } from './plugins/use-operation-limits.js';
import { createRequestContext, DEFAULT_REQUEST_ID_HEADER, useRequestId } from './plugins/use-request-id.js';
import { createMemoryWindowCounter } from './rate-limit/memory-counter.js';
import { createRateLimiter, type RateLimiter } from './rate-limit/rate-limiter.js';
import { createRedisWindowCounter } from './rate-limit/redis-counter.js';
import type { WindowCounter } from './rate-limit/window-counter.js';
import { checkReadiness } from './readiness.js';
import { createRequestGuard, type RequestGuard } from './request-guard.js';
import { loadPersistedOperations } from './persisted-operations/persisted-operations.js';
import { createPersistedQueryCache } from './persisted-operations/persisted-query-cache.js';
import { useOperationSafelist } from './persisted-operations/use-operation-safelist.js';
import { createPlanWarmup, type PlanWarmup } from './plan-warmup.js';
import { createResponseCache, type ResponseCache } from './response-cache/response-cache.js';
import type { SubgraphResponseCache } from './response-cache/types.js';
import { SubgraphDataSource } from './subgraph-data-source.js';
import { withIncomingTraceContext } from './tracing/tracing.js';
import { createSubgraphTransport, type SubgraphCall, type SubgraphTransport } from './subgraph-transport/subgraph-transport.js';
import type { SubgraphEndpoint } from './supergraph.js';
import { createSupergraphSource, type SupergraphReload, type SupergraphSource } from './supergraph-reload.js';

/** Each subgraph must answer the readiness probe within this. */
const READINESS_TIMEOUT_MS = 2_000;
const GRAPHQL_PATH = '/graphql';
const GRAPHIQL_PATH = '/graphiql';

export interface CreateGatewayOptions {
  readonly config: GatewayConfig;
  readonly logger: Logger;
  /** The supergraph SDL; when absent, start() reads `config.supergraphPath`. */
  readonly supergraphSdl?: string;
  /**
   * Reload the supergraph when `config.supergraphPath` changes (every
   * `config.supergraphPollMs`, 0 = never). @default true when the SDL is read from that file
   */
  readonly watchSupergraph?: boolean;
  /**
   * Told every attempt that goes to a subgraph over the network (retries included; not
   * cache hits, merged fetches or fetches refused by an open circuit). Tests count and
   * inspect calls with it.
   */
  readonly onSubgraphCall?: (call: SubgraphCall) => void;
  /**
   * Asked before every subgraph query fetch and offered the answers (response-cache/types.ts).
   * Given: the gateway uses it and does not close it (whoever made it does). @default the
   * cache `config.responseCache` describes (none when its TTL is 0), which the gateway owns
   */
  readonly responseCache?: SubgraphResponseCache;
  /**
   * Where /metrics gets its text. A cluster worker passes its link to the primary, which
   * answers with every worker's metrics merged (cluster/worker-link.ts). @default this
   * process's own registry
   */
  readonly metricsSource?: MetricsSource;
}

/** What /metrics serves, when not this process's registry alone. */
export interface MetricsSource {
  /** Given this process's own exposition at start (when metrics are on). */
  attach(local: () => string): void;
  /** The text to serve; a rejection (no answer in time) is answered 503. */
  render(): Promise<string>;
}

export interface Gateway {
  /** Loads the supergraph, starts Apollo and listens. Resolves with the GraphQL endpoint URL. */
  start(): Promise<{ url: string }>;
  /** Stops listening, closes open connections and stops Apollo. Safe to call twice. */
  stop(): Promise<void>;
  /** The GraphQL endpoint URL (`http://host:port/graphql`); throws before start(). */
  readonly url: string;
  /**
   * Swaps in a recomposed supergraph without a restart, as a change of the watched file
   * does: requests already running finish on the previous one. An SDL that cannot be used
   * is refused (status `rejected`, logged) and the previous supergraph stays. Resolves once
   * the persisted operations are planned against the new one (CIG_GATEWAY_PLAN_WARMUP).
   */
  reloadSupergraph(supergraphSdl: string): Promise<SupergraphReload>;
}

interface Running {
  readonly server: Server;
  readonly apollo: ApolloServer<GatewayContext>;
  readonly url: string;
  readonly counter?: WindowCounter;
  readonly supergraph: SupergraphSource;
  readonly transport: SubgraphTransport;
  /** The response cache the gateway made (and closes); absent when off or given by the creator. */
  readonly responseCache?: ResponseCache;
  readonly metrics?: GatewayMetrics;
  readonly warmup?: PlanWarmup;
}

/**
 * Stops accepting connections and lets the requests in flight finish, so a restart or a
 * scale-down loses no answer: idle keep-alive connections are closed as soon as they are
 * idle (Node closes only those idle at close()), and whatever is still open after `drainMs`
 * is cut, so a request that never ends cannot hold the stop.
 */
async function drainServer(server: Server, drainMs: number): Promise<void> {
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  const idleSweep = setInterval(() => server.closeIdleConnections(), 50);
  const deadline = new Promise<'late'>((resolve) => setTimeout(() => resolve('late'), drainMs).unref());
  try {
    if ((await Promise.race([closed, deadline])) === 'late') {
      server.closeAllConnections();
      await closed;
    }
  } finally {
    clearInterval(idleSweep);
  }
}

/** Logs a recurring failure at most once per interval, so an outage does not flood the log. */
function throttled(intervalMs: number, log: (error: unknown) => void): (error: unknown) => void {
  let last = 0;
  return (error) => {
    const now = Date.now();
    if (now - last < intervalMs) return;
    last = now;
    log(error);
  };
}

/** Apollo's logger interface over pino, so Apollo's own lines land in the same log. */
function toApolloLogger(logger: Logger) {
  const log = (level: 'debug' | 'info' | 'warn' | 'error') => (message?: unknown) => {
    if (message instanceof Error) logger[level]({ err: message }, message.message);
    else logger[level](String(message));
  };
  return { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') };
}

/**
 * The request target as a URL. Appended to a fixed origin rather than resolved against it,
 * so `//host/x` stays a path instead of becoming another origin (which throws for `//`).
 */
function parseRequestUrl(target: string | undefined): URL | undefined {
  const path = target ?? '/';
  try {
    return new URL(`http://gateway${path.startsWith('/') ? '' : '/'}${path}`);
  } catch {
    return undefined;
  }
}

/** Whether `authorization` is `Bearer <token>`, compared in constant time (over digests, so lengths do not leak). */
function bearerMatches(authorization: string | undefined, token: string): boolean {
  const digest = (value: string) => createHash('sha256').update(value).digest();
  return timingSafeEqual(digest(authorization ?? ''), digest(`Bearer ${token}`));
}

function acceptsHtml(req: IncomingMessage): boolean {
  return String(req.headers.accept ?? '').includes('text/html');
}

/**
 * The gateway: Apollo Server + Apollo Gateway over the supergraph, served on plain
 * node:http with /graphql, /healthz, /readyz and an offline GraphiQL. Building it does
 * nothing; start() does all I/O.
 */
export function createGateway(options: CreateGatewayOptions): Gateway {
  const { config, logger } = options;
  const development = config.env === 'development';
  const graphiql = config.graphiql ? createGraphiQL({ path: GRAPHIQL_PATH, endpoint: GRAPHQL_PATH }) : undefined;
  let running: Running | undefined;
  let starting: Promise<{ url: string }> | undefined;

  async function handleGraphQL(req: IncomingMessage, res: ServerResponse, url: URL, context: GatewayContext, apollo: ApolloServer<GatewayContext>): Promise<void> {
    const headers = toHeaderMap(req.headers);
    const raw = req.method === 'POST' ? await readBody(req, config.limits.maxBodyBytes) : '';
    let body: unknown = raw;
    if (raw !== '' && (headers.get('content-type') ?? '').includes('json')) {
      try {
        body = JSON.parse(raw);
      } catch {
        sendJson(res, 400, graphQLErrorBody('The request body is not valid JSON.', 'BAD_REQUEST'));
        return;
      }
    }
    const response = await withIncomingTraceContext(req.headers, () =>
      apollo.executeHTTPGraphQLRequest({
        httpGraphQLRequest: { method: req.method ?? 'GET', headers, search: url.search, body },
        context: async () => context,
      }),
    );
    await writeGraphQLResponse(res, response);
  }

  async function handleReadiness(res: ServerResponse, endpoints: readonly SubgraphEndpoint[], context: GatewayContext): Promise<void> {
    const readiness = await checkReadiness(endpoints, {
      timeoutMs: READINESS_TIMEOUT_MS,
      headers: { [DEFAULT_REQUEST_ID_HEADER]: context.requestId },
    });
    if (!readiness.ready) context.logger.warn({ subgraphs: readiness.subgraphs }, 'not ready');
    sendJson(
      res,
      readiness.ready ? 200 : 503,
      { status: readiness.ready ? 'ready' : 'not-ready', subgraphs: readiness.subgraphs },
      { 'cache-control': 'no-store' },
    );
  }

  /**
   * GET /metrics: Prometheus text. Answered before the request guard, so a scraper is never
   * rate-limited and needs no caller token; CIG_GATEWAY_METRICS_TOKEN, when set, is required instead.
   */
  async function handleMetrics(req: IncomingMessage, res: ServerResponse, metrics: GatewayMetrics): Promise<void> {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      sendJson(res, 405, graphQLErrorBody('Use GET.', 'BAD_REQUEST'), { allow: 'GET, HEAD' });
      return;
    }
    const token = config.metrics.token;
    if (token !== undefined && !bearerMatches(req.headers.authorization, token)) {
      sendJson(res, 401, graphQLErrorBody('The metrics token is missing or wrong.', 'UNAUTHENTICATED'), {
        'www-authenticate': 'Bearer',
        'cache-control': 'no-store',
      });
      return;
    }
    let body: string;
    try {
      body = options.metricsSource ? await options.metricsSource.render() : metrics.render();
    } catch (error) {
      logger.warn({ err: error }, 'metrics unavailable');
      res.writeHead(503, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store', 'retry-after': '1' });
      res.end(req.method === 'HEAD' ? undefined : 'Metrics are unavailable right now.\n');
      return;
    }
    res.writeHead(200, { 'content-type': PROMETHEUS_CONTENT_TYPE, 'cache-control': 'no-store', 'content-length': Buffer.byteLength(body) });
    res.end(req.method === 'HEAD' ? undefined : body);
  }

  /** `endpoints` is read per request: a reloaded supergraph may add or move subgraphs. */
  function createHandler(
    apollo: ApolloServer<GatewayContext>,
    endpoints: () => readonly SubgraphEndpoint[],
    guard: RequestGuard,
    metrics: GatewayMetrics | undefined,
  ) {
    const retrieve = createRetrieveProxy({ endpoints, logger });
    const eucaim = createEucaimRoute({ providerName: config.eucaimProviderName });
    const cohortReport = createCohortReportRoute();
    return (req: IncomingMessage, res: ServerResponse): void => {
      const startedAt = performance.now();
      // Only the gateway speaks for the caller: a client's own x-cig-caller is dropped here,
      // before anything (Apollo, the document endpoints) can see or pass it on.
      delete req.headers[CALLER_HEADER];
      const requestContext = createRequestContext(req.headers[DEFAULT_REQUEST_ID_HEADER] as string | undefined, logger);
      // Set first, so every answer carries it, including those Apollo gives before its plugins run.
      res.setHeader(DEFAULT_REQUEST_ID_HEADER, requestContext.requestId);
      const url = parseRequestUrl(req.url);
      if (metrics) res.once('finish', () => metrics.observeHttpRequest(routeOf(url?.pathname), res.statusCode));
      if (!url) {
        sendJson(res, 400, graphQLErrorBody('The request URL is malformed.', 'BAD_REQUEST'));
        return;
      }
      const probe = url.pathname === '/healthz' || url.pathname === '/readyz';
      res.once('finish', () => {
        const line = { method: req.method, path: url.pathname, status: res.statusCode, durationMs: Math.round(performance.now() - startedAt) };
        if (probe) requestContext.logger.debug(line, 'http request');
        else requestContext.logger.info(line, 'http request');
      });

      void (async () => {
        try {
          // A browser opening / or /graphql (without an operation) wants the IDE, not a JSON error.
          const browsing = graphiql !== undefined && (req.method === 'GET' || req.method === 'HEAD') && acceptsHtml(req);
          if (browsing && (url.pathname === '/' || (url.pathname === GRAPHQL_PATH && !url.searchParams.has('query')))) {
            res.writeHead(302, { location: GRAPHIQL_PATH }).end();
            return;
          }
          if (url.pathname === '/healthz') return sendJson(res, 200, { status: 'ok' }, { 'cache-control': 'no-store' });
          if (url.pathname === '/readyz') return await handleReadiness(res, endpoints(), requestContext);
          if (metrics && url.pathname === '/metrics') return await handleMetrics(req, res, metrics);
          if (graphiql && (await graphiql.handle(req, res, url))) return;
          // Everything below runs operations or serves data: authenticate and rate-limit first.
          const context = await guard(req, res, requestContext);
          if (!context) return;
          if (url.pathname === GRAPHQL_PATH) return await handleGraphQL(req, res, url, context, apollo);
          if (await retrieve(req, res, url, context.requestId)) return;
          if (await eucaim(req, res, url, executeAsCaller(apollo, req, url, context), context.logger)) return;
          if (await cohortReport(req, res, url, executeAsCaller(apollo, req, url, context), context.logger)) return;
          sendJson(res, 404, { error: 'not found' });
        } catch (error) {
          const status = error instanceof HttpError ? error.status : 500;
          if (status >= 500) requestContext.logger.error({ err: error, path: url.pathname }, 'request failed');
          if (res.headersSent) {
            res.destroy();
            return;
          }
          const message = error instanceof HttpError ? error.message : 'Internal error.';
          const code = error instanceof HttpError ? error.code : 'INTERNAL';
          // A body refused half-read: close the connection rather than read the rest.
          sendJson(res, status, graphQLErrorBody(message, code), status === 413 ? { connection: 'close' } : {});
        }
      })();
    };
  }

  /**
   * Start-up I/O of authentication and rate limiting: the trusted issuers' keys (the
   * development key in development), the secret the caller header is signed with, and
   * the rate-limit store.
   */
  async function prepareSecurity(): Promise<{
    authenticate: ReturnType<typeof createRequestAuthenticator>;
    issuers: string[];
    signCaller?: CallerHeaderSigner;
    rateLimiter?: RateLimiter;
    counter?: WindowCounter;
  }> {
    const trusted = await loadTrustedIssuers(config);
    const authenticate = createRequestAuthenticator(createTokenVerifier({ issuers: trusted, clockSkewSeconds: config.auth.clockSkewSeconds }));
    let secret = config.internalSecret;
    if (secret === undefined && development) {
      // Only this process knows it: subgraphs in other processes cannot verify the header
      // and treat every caller as anonymous. `npm start` passes one secret to every process.
      secret = randomBytes(32).toString('base64url');
      logger.warn('CIG_INTERNAL_SECRET is not set: signing caller headers with a secret of this process only');
    }
    const signCaller = secret === undefined ? undefined : createCallerHeaderSigner(secret);
    const { limit, windowSeconds, redisUrl } = config.rateLimit;
    let counter: WindowCounter | undefined;
    let rateLimiter: RateLimiter | undefined;
    if (limit > 0) {
      counter = redisUrl ? createRedisWindowCounter(redisUrl) : createMemoryWindowCounter();
      rateLimiter = createRateLimiter({
        counter,
        limit,
        windowSeconds,
        onStoreFailure: throttled(10_000, (error) => logger.warn({ err: error }, 'rate-limit store failed; requests are let through')),
      });
    }
    return {
      authenticate,
      issuers: trusted.map((issuer) => issuer.issuer),
      ...(signCaller && { signCaller }),
      ...(rateLimiter && { rateLimiter }),
      ...(counter && { counter }),
    };
  }

  async function start(): Promise<{ url: string }> {
    const supergraphSdl = options.supergraphSdl ?? (await readFile(config.supergraphPath, 'utf8'));
    const watch = (options.watchSupergraph ?? options.supergraphSdl === undefined) && config.supergraphPollMs > 0;
    const supergraph = createSupergraphSource({
      initialSdl: supergraphSdl,
      overrides: config.subgraphUrls,
      logger,
      ...(watch && { watch: { path: config.supergraphPath, intervalMs: config.supergraphPollMs } }),
    });
    await graphiql?.prepare();
    if (config.graphiql && !config.introspection) logger.warn('GraphiQL is on but introspection is off: GraphiQL will not load the schema');
    // The SDK's manifest, the gateway's own documents and the operator's manifests: what APQ
    // knows from the first request, what safelist mode admits and what is planned at start.
    const persisted = await loadPersistedOperations(config.persistedOperations.files);
    const safelist = config.persistedOperations.mode === 'safelist';
    if (config.graphiql && safelist) logger.warn('GraphiQL is on in safelist mode: it can load the schema but run only persisted operations');
    const warmup = config.persistedOperations.planWarmup ? createPlanWarmup({ operations: persisted, logger }) : undefined;

    const security = await prepareSecurity();
    const metrics = config.metrics.enabled ? createGatewayMetrics() : undefined;
    // One for the gateway's life, not per supergraph: a reload keeps warm sockets, open circuits and budgets.
    const { circuit, connections, retries, maxResponseBytes, deduplicate } = config.subgraphTransport;
    const transport = createSubgraphTransport({
      connections,
      retries,
      maxResponseBytes,
      circuit,
      logger,
      ...(metrics && { metrics }),
      ...(options.onSubgraphCall && { onCall: options.onSubgraphCall }),
    });
    if (metrics) options.metricsSource?.attach(() => metrics.render());
    const ownCache = options.responseCache === undefined ? createResponseCache(config.responseCache, logger.child({ component: 'response-cache' })) : undefined;
    const responseCache = options.responseCache ?? ownCache;
    const apolloLogger = toApolloLogger(logger.child({ component: 'apollo' }));
    const gateway = new ApolloGateway({
      // The function form, so a recomposed supergraph can be swapped in without a restart.
      supergraphSdl: supergraph.hook,
      logger: apolloLogger,
      // Apollo's spans (when tracing is on) carry operation names and types only: never the
      // document (it may hold literal identifiers), and no exception messages or stacks.
      // Apollo never puts variables on spans. These are its defaults, pinned here.
      telemetry: { includeDocument: false, recordExceptions: false },
      // Ends the plan warm-up's own requests once planned (plan-warmup.ts); others run on.
      ...(warmup && { experimental_didResolveQueryPlan: warmup.didResolveQueryPlan }),
      buildService: ({ name, url }) =>
        new SubgraphDataSource({
          name,
          url: url ?? '',
          urlOverrides: config.subgraphUrls,
          timeoutMs: config.subgraphTimeoutMs,
          timeoutOverrides: config.subgraphTimeouts,
          transport,
          deduplicate,
          logger,
          publicUrl: () => config.publicUrl ?? running?.url.replace(/\/graphql$/, ''),
          ...(security.signCaller && { signCaller: security.signCaller }),
          ...(responseCache && { responseCache }),
          ...(metrics && { metrics }),
        }),
    });
    // A new supergraph may route the same fetch elsewhere or change its answer: start afresh.
    // (The first load finds it empty.)
    if (ownCache) gateway.onSchemaLoadOrUpdate(() => void ownCache.invalidateAll());
    const apollo = new ApolloServer<GatewayContext>({
      gateway,
      logger: apolloLogger,
      nodeEnv: config.env,
      // GraphiQL and codegen need it; production turns it off by default (CIG_GATEWAY_INTROSPECTION).
      introspection: config.introspection,
      // Refuses simple requests (GET, or a text/plain, form or multipart POST) without a
      // preflight header: a page on another site cannot make a browser run an operation.
      csrfPrevention: true,
      // APQ over a cache seeded with the persisted operations: their hash alone works from the
      // first request on every process; other registrations live in a bounded LRU.
      persistedQueries: {
        cache: createPersistedQueryCache({ operations: persisted, maxBytes: config.persistedOperations.apqCacheMiB * 2 ** 20 }),
        ttl: null,
      },
      // graphql-js stops lexing at the token limit, so a huge document is cheap to refuse.
      parseOptions: parseOptionsFor(config.limits),
      // main.ts owns the signals; Apollo's own handler would re-raise SIGTERM mid-shutdown.
      stopOnTerminationSignals: false,
      includeStacktraceInErrorResponses: development,
      formatError: createErrorFormatter({ development }),
      plugins: [
        ApolloServerPluginLandingPageDisabled(),
        useRequestId(),
        useErrorMasking({ development }),
        useInputErrors(),
        useOperationResolution(),
        // Before the limits: an operation that may not run at all is refused as such.
        ...(safelist ? [useOperationSafelist({ operations: persisted })] : []),
        useOperationLimits({ ...config.limits, listSize: config.limits.costListSize }),
        ...(metrics ? [metrics.plugin()] : []),
      ],
    });
    try {
      await apollo.start();
      // Before the gateway listens: the persisted operations' first requests find their plans.
      await warmup?.start(gateway);
    } catch (error) {
      await transport.close();
      await ownCache?.close();
      metrics?.close();
      await security.counter?.close();
      throw error;
    }

    const guard = createRequestGuard({
      authenticate: security.authenticate,
      ...(security.rateLimiter && { rateLimiter: security.rateLimiter }),
      trustProxyHops: config.rateLimit.trustProxyHops,
    });
    const server = createServer(createHandler(apollo, supergraph.endpoints, guard, metrics));
    // Longer than common load balancers' idle timeout, so they close first.
    server.keepAliveTimeout = 65_000;
    try {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(config.port, config.host, () => {
          server.off('error', reject);
          resolve();
        });
      });
    } catch (error) {
      await apollo.stop();
      await transport.close();
      await ownCache?.close();
      metrics?.close();
      await security.counter?.close();
      throw error;
    }
    const { port, address } = server.address() as AddressInfo;
    const host = address.includes(':') ? `[${address}]` : address;
    const url = `http://${host}:${port}${GRAPHQL_PATH}`;
    running = { server, apollo, url, supergraph, transport, ...(ownCache && { responseCache: ownCache }), ...(security.counter && { counter: security.counter }), ...(metrics && { metrics }), ...(warmup && { warmup }) };
    logger.info(
      {
        url,
        subgraphs: supergraph.endpoints().map((endpoint) => endpoint.name),
        env: config.env,
        issuers: security.issuers,
        introspection: config.introspection,
        graphiql: config.graphiql,
        metrics: config.metrics.enabled ? (config.metrics.token ? 'token' : 'open') : 'off',
        persistedOperations: { mode: config.persistedOperations.mode, operations: persisted.size, planWarmup: config.persistedOperations.planWarmup },
        rateLimit: config.rateLimit.limit > 0 ? { limit: config.rateLimit.limit, windowSeconds: config.rateLimit.windowSeconds, store: config.rateLimit.redisUrl ? 'redis' : 'memory' } : 'off',
      },
      'gateway listening',
    );
    return { url };
  }

  return {
    start() {
      if (starting) return Promise.reject(new Error('The gateway is already started.'));
      starting = start().catch((error: unknown) => {
        starting = undefined;
        throw error;
      });
      return starting;
    },
    async stop() {
      // A stop() during start() waits for it, so no server is left listening behind us.
      const pending = starting;
      starting = undefined;
      if (pending) await pending.catch(() => undefined);
      const current = running;
      running = undefined;
      if (!current) return;
      current.warmup?.stop();
      await drainServer(current.server, Math.floor(config.cluster.shutdownTimeoutMs / 2));
      await current.apollo.stop();
      // After Apollo: no operation is left to wait on a subgraph answer.
      await current.transport.close();
      await current.responseCache?.close();
      await current.counter?.close();
      current.metrics?.close();
      logger.info('gateway stopped');
    },
    get url() {
      if (!running) throw new Error('The gateway is not started.');
      return running.url;
    },
    async reloadSupergraph(supergraphSdl) {
      if (!running) return { status: 'rejected', reason: 'The gateway is not started.' };
      const reload = running.supergraph.reload(supergraphSdl, 'reloadSupergraph()');
      // Resolves once the new supergraph's plans are warm, as the first start() does.
      if (reload.status === 'updated') await running.warmup?.idle();
      return reload;
    },
  };
}
