import { monitorEventLoopDelay } from 'node:perf_hooks';
import { getHeapStatistics } from 'node:v8';
import type { ApolloServerPlugin } from '@apollo/server';
import type { GatewayContext } from '../context.js';
import { CIRCUIT_STATE_VALUE, createLabelCap, createMetricsRegistry, type CircuitState, type MetricsRegistry } from '@cancer-imaging/provider-kit';

/** Most distinct operation names kept as labels; later ones are counted as `other`. */
export const MAX_OPERATION_NAMES = 200;
/** Most distinct error codes per error counter; codes come from subgraphs, so they are bounded too. */
export const MAX_ERROR_CODES = 100;

export type Route = 'graphql' | 'graphiql' | 'healthz' | 'readyz' | 'eucaim' | 'cohort_report' | 'retrieve' | 'metrics' | 'other';

/** The `route` label of a request path: a fixed set, so paths never become labels. */
export function routeOf(pathname: string | undefined): Route {
  if (pathname === undefined) return 'other';
  if (pathname === '/graphql') return 'graphql';
  if (pathname === '/graphiql' || pathname.startsWith('/graphiql/')) return 'graphiql';
  if (pathname === '/healthz') return 'healthz';
  if (pathname === '/readyz') return 'readyz';
  if (pathname === '/metrics') return 'metrics';
  if (pathname === '/eucaim' || pathname.startsWith('/eucaim/')) return 'eucaim';
  if (/^\/cohorts\/[^/]+\/report\.(json|csv)$/.test(pathname)) return 'cohort_report';
  if (pathname.startsWith('/retrieve/')) return 'retrieve';
  return 'other';
}

/** What the response cache did for one query fetch: answered it, could not, or was offered the fresh answer. */
export type ResponseCacheResult = 'hit' | 'miss' | 'stored';

/**
 * What SubgraphDataSource and the subgraph transport report. Subgraph names come from the
 * supergraph, so they are a bounded label.
 */
export interface SubgraphMetrics {
  /**
   * One fetch that went to the subgraph (retries included) took `seconds`; `errorCodes` are
   * the codes of its errors (thrown or in the response), if any. Cache hits, merged
   * followers and circuit rejections made no call and are counted apart.
   */
  observeCall(subgraph: string, seconds: number, errorCodes: readonly string[]): void;
  /**
   * The subgraph's circuit, read at every scrape (as the kit's site metrics do): an open
   * circuit shows half-open once its cool-down is over, with no request and no timer.
   */
  watchCircuit(subgraph: string, circuit: { readonly state: CircuitState }): void;
  /** A fetch failed at once because the subgraph's circuit was open. */
  observeCircuitRejection(subgraph: string): void;
  /** A fetch was tried again. */
  observeRetry(subgraph: string): void;
  /** A fetch shared the upstream call of an identical one already running. */
  observeDeduplicated(subgraph: string): void;
  observeResponseCache(subgraph: string, result: ResponseCacheResult): void;
}

export interface GatewayMetrics extends SubgraphMetrics {
  readonly registry: MetricsRegistry;
  observeHttpRequest(route: Route, status: number): void;
  /** Apollo Server plugin timing operations and counting the (masked) error codes of responses. */
  plugin(): ApolloServerPlugin<GatewayContext>;
  /** The text exposition. */
  render(): string;
  /** Stops the event-loop delay monitor. */
  close(): void;
}

export interface CreateGatewayMetricsOptions {
  /** @default MAX_OPERATION_NAMES */
  readonly maxOperationNames?: number;
  /** Seconds since start; injected for tests. @default process.uptime */
  readonly uptime?: () => number;
}

export function createGatewayMetrics(options: CreateGatewayMetricsOptions = {}): GatewayMetrics {
  const registry = createMetricsRegistry();
  const operationName = createLabelCap(options.maxOperationNames ?? MAX_OPERATION_NAMES);
  const errorCode = createLabelCap(MAX_ERROR_CODES);
  const subgraphErrorCode = createLabelCap(MAX_ERROR_CODES);
  const uptime = options.uptime ?? (() => process.uptime());

  const httpRequests = registry.counter({
    name: 'cig_gateway_http_requests_total',
    help: 'HTTP requests answered, by route and status.',
    labelNames: ['route', 'status'],
  });
  const operationDuration = registry.histogram({
    name: 'cig_gateway_operation_duration_seconds',
    help: 'Duration of GraphQL operations, by operation name (anonymous, or other past the cap) and type.',
    labelNames: ['operation', 'type'],
  });
  const subgraphDuration = registry.histogram({
    name: 'cig_gateway_subgraph_request_duration_seconds',
    help: 'Duration of calls to subgraphs, by subgraph.',
    labelNames: ['subgraph'],
  });
  const subgraphErrors = registry.counter({
    name: 'cig_gateway_subgraph_errors_total',
    help: 'Errors of subgraph calls (failed calls and errors in their responses), by subgraph and code.',
    labelNames: ['subgraph', 'code'],
  });
  const errors = registry.counter({
    name: 'cig_gateway_errors_total',
    help: 'Errors in GraphQL responses after masking, by extensions.code.',
    labelNames: ['code'],
  });
  const circuitState = registry.gauge({
    name: 'cig_gateway_subgraph_circuit_state',
    help: 'State of the circuit breaker of each subgraph: 0 closed, 1 half-open, 2 open.',
    labelNames: ['subgraph'],
  });
  const circuitRejections = registry.counter({
    name: 'cig_gateway_subgraph_circuit_rejections_total',
    help: 'Subgraph fetches failed at once, without a call, because the circuit was open.',
    labelNames: ['subgraph'],
  });
  const retries = registry.counter({
    name: 'cig_gateway_subgraph_retries_total',
    help: 'Subgraph query fetches tried again after a connection failure or a 502/503/504 answer.',
    labelNames: ['subgraph'],
  });
  const deduplicated = registry.counter({
    name: 'cig_gateway_subgraph_deduplicated_total',
    help: 'Anonymous subgraph query fetches that shared the call of an identical one in flight.',
    labelNames: ['subgraph'],
  });
  const responseCache = registry.counter({
    name: 'cig_gateway_response_cache_total',
    help: 'Response cache lookups of subgraph query fetches (hit, miss) and fresh answers offered to it (stored).',
    labelNames: ['subgraph', 'result'],
  });
  const residentMemory = registry.gauge({ name: 'cig_gateway_process_resident_memory_bytes', help: 'Resident set size in bytes.' });
  const heapUsed = registry.gauge({ name: 'cig_gateway_process_heap_used_bytes', help: 'V8 heap used in bytes.' });
  const heapLimit = registry.gauge({ name: 'cig_gateway_process_heap_limit_bytes', help: 'V8 heap size limit in bytes (--max-old-space-size plus the young generation).' });
  const eventLoopLag = registry.gauge({
    name: 'cig_gateway_event_loop_lag_seconds',
    help: 'Event-loop delay since the previous scrape, by quantile (mean, p50, p99, max).',
    labelNames: ['quantile'],
  });
  const uptimeGauge = registry.gauge({ name: 'cig_gateway_process_uptime_seconds', help: 'Seconds since the process started.' });

  const loop = monitorEventLoopDelay({ resolution: 20 });
  loop.enable();
  const circuits = new Map<string, { readonly state: CircuitState }>();
  registry.beforeRender(() => {
    for (const [subgraph, circuit] of circuits) circuitState.set({ subgraph }, CIRCUIT_STATE_VALUE[circuit.state]);
  });
  registry.beforeRender(() => {
    const memory = process.memoryUsage();
    residentMemory.set({}, memory.rss);
    heapUsed.set({}, memory.heapUsed);
    heapLimit.set({}, getHeapStatistics().heap_size_limit);
    uptimeGauge.set({}, uptime());
    // The histogram is in nanoseconds; an empty one (no sample yet) reports NaN mean.
    const seconds = (ns: number) => (Number.isFinite(ns) ? ns / 1e9 : 0);
    eventLoopLag.set({ quantile: 'mean' }, seconds(loop.mean));
    eventLoopLag.set({ quantile: '0.5' }, seconds(loop.percentile(50)));
    eventLoopLag.set({ quantile: '0.99' }, seconds(loop.percentile(99)));
    eventLoopLag.set({ quantile: 'max' }, seconds(loop.max));
    loop.reset();
  });

  return {
    registry,
    observeHttpRequest(route, status) {
      httpRequests.inc({ route, status: String(status) });
    },
    observeCall(subgraph, seconds, errorCodes) {
      subgraphDuration.observe({ subgraph }, seconds);
      for (const code of errorCodes) subgraphErrors.inc({ subgraph, code: subgraphErrorCode(code) });
    },
    watchCircuit(subgraph, circuit) {
      circuits.set(subgraph, circuit);
      circuitState.set({ subgraph }, CIRCUIT_STATE_VALUE[circuit.state]);
    },
    observeCircuitRejection(subgraph) {
      circuitRejections.inc({ subgraph });
    },
    observeRetry(subgraph) {
      retries.inc({ subgraph });
    },
    observeDeduplicated(subgraph) {
      deduplicated.inc({ subgraph });
    },
    observeResponseCache(subgraph, result) {
      responseCache.inc({ subgraph, result });
    },
    plugin() {
      return {
        async requestDidStart() {
          const startedAt = performance.now();
          return {
            async willSendResponse({ response, operation, operationName: name }) {
              // Only operations that were parsed and resolved have a type; a refused document has no operation.
              if (operation && (operation.operation === 'query' || operation.operation === 'mutation')) {
                operationDuration.observe(
                  { operation: name ? operationName(name) : 'anonymous', type: operation.operation },
                  (performance.now() - startedAt) / 1000,
                );
              }
              // The formatter has run by now: these are the codes the client sees.
              if (response.body.kind !== 'single') return;
              for (const error of response.body.singleResult.errors ?? []) {
                const code = error.extensions?.['code'];
                errors.inc({ code: typeof code === 'string' ? errorCode(code) : 'NONE' });
              }
            },
          };
        },
      };
    },
    render: () => registry.render(),
    close: () => loop.disable(),
  };
}
