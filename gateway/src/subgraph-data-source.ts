import { STATUS_CODES } from 'node:http';
import type { GraphQLDataSource, GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import { CALLER_HEADER } from '@cancer-imaging/provider-kit';
import { GraphQLError, type GraphQLErrorExtensions } from 'graphql';
import type { Logger } from 'pino';
import type { CallerHeaderSigner } from './auth/caller-header.js';
import { toSubgraphEnvName } from './config.js';
import type { GatewayContext } from './context.js';
import type { SubgraphMetrics } from './metrics/gateway-metrics.js';
import { DEFAULT_REQUEST_ID_HEADER } from './plugins/use-request-id.js';
import type { SubgraphFetchDescription, SubgraphResponseBody, SubgraphResponseCache } from './response-cache/types.js';
import { toCallerKey } from './subgraph-transport/caller-key.js';
import { classifySubgraphFailure } from './subgraph-transport/failure.js';
import { createInFlightGroup, type InFlightGroup } from './subgraph-transport/in-flight.js';
import { operationTypeOf, type OperationType } from './subgraph-transport/operation-type.js';
import { CircuitOpenError, type SubgraphAnswer, type SubgraphTransport } from './subgraph-transport/subgraph-transport.js';
import { resolveSubgraphUrl } from './supergraph.js';
import { injectTraceContext, TRACE_CONTEXT_HEADERS } from './tracing/tracing.js';

export { classifySubgraphFailure, type SubgraphFailure } from './subgraph-transport/failure.js';

type SubgraphResponse = Awaited<ReturnType<GraphQLDataSource['process']>>;

export interface SubgraphDataSourceOptions {
  /** Subgraph name from the supergraph; the only thing errors say about it. */
  readonly name: string;
  /** URL written in the supergraph. */
  readonly url: string;
  /** `CIG_GATEWAY_SUBGRAPH_<NAME>_URL` overrides keyed by env NAME (config.subgraphUrls); win over `url`. */
  readonly urlOverrides?: Readonly<Record<string, string>>;
  /** Deadline of one fetch: every attempt, backoff and body included. */
  readonly timeoutMs: number;
  /** `CIG_GATEWAY_SUBGRAPH_<NAME>_TIMEOUT_MS` keyed by env NAME (config.subgraphTimeouts); win over `timeoutMs`. */
  readonly timeoutOverrides?: Readonly<Record<string, number>>;
  /** The connections, circuits and retry budgets of the gateway's subgraphs, shared by every data source. */
  readonly transport: SubgraphTransport;
  /** Used when a call has no request context (health checks). */
  readonly logger: Logger;
  /** Header carrying the request id to the subgraph. @default 'x-request-id' */
  readonly requestIdHeader?: string;
  /** The gateway's public base URL, told to subgraphs so the links they build (retrieve URLs) point at it. */
  readonly publicUrl?: () => string | undefined;
  /**
   * Signs the request's verified caller into the x-cig-caller header. Without it, or for
   * an anonymous request, no caller header is sent.
   */
  readonly signCaller?: CallerHeaderSigner;
  /** Told the duration and error codes of every call, cache results and merged fetches. Absent: nothing is measured. */
  readonly metrics?: SubgraphMetrics;
  /** Identical concurrent query fetches of anonymous callers share one call (CIG_GATEWAY_SUBGRAPH_DEDUPLICATE). @default true */
  readonly deduplicate?: boolean;
  /** Asked before a query fetch, offered its answer, told of mutations. Absent: every fetch goes to the subgraph. */
  readonly responseCache?: SubgraphResponseCache;
}

/** One fetch's upstream call, its own or joined. */
interface Upstream {
  readonly answer: Promise<SubgraphAnswer>;
  /** This fetch made the call: it measures it and offers its answer to the cache. */
  readonly leader: boolean;
  /** Counts the call once: its duration so far and its error codes. */
  observe(codes: readonly string[]): void;
}

/** Header carrying the gateway's public base URL to subgraphs (the kit's PUBLIC_URL_HEADER). */
export const PUBLIC_URL_HEADER = 'x-cig-public-url';

/** How much of an answer that is not JSON is quoted in the (masked, logged) error. */
const QUOTED_BODY_CHARS = 200;

/** The `extensions.code` of a subgraph error, INTERNAL when it has none. */
function codeOf(extensions: unknown): string {
  const code = (extensions as { code?: unknown } | null | undefined)?.code;
  return typeof code === 'string' ? code : 'INTERNAL';
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.join(', ') : value;
}

function isJson(contentType: string | undefined): boolean {
  return contentType !== undefined && (contentType.startsWith('application/json') || contentType.startsWith('application/graphql-response+json'));
}

/** The answer's body as JSON when it says it is, as text otherwise (for the error of a refused status). */
function bodyOf(answer: SubgraphAnswer): unknown {
  if (!isJson(headerValue(answer.headers['content-type']))) return answer.body;
  try {
    return JSON.parse(answer.body) as unknown;
  } catch {
    return answer.body;
  }
}

/**
 * A subgraph's answer as the gateway's executor takes it, parsed afresh for each caller:
 * the executor merges into the objects it gets, so callers sharing one upstream answer
 * (merged fetches) must never share its objects. A refused status becomes the same
 * GraphQLError RemoteGraphQLDataSource gives (`503: Service Unavailable`, status in
 * `extensions.response`), without the URL.
 */
function toResponse(answer: SubgraphAnswer): SubgraphResponse {
  if (answer.status < 200 || answer.status > 299) {
    const extensions: GraphQLErrorExtensions = {
      response: { status: answer.status, statusText: STATUS_CODES[answer.status] ?? '', body: bodyOf(answer) },
      ...(answer.status === 401 && { code: 'UNAUTHENTICATED' }),
      ...(answer.status === 403 && { code: 'FORBIDDEN' }),
    };
    throw new GraphQLError(`${answer.status}: ${STATUS_CODES[answer.status] ?? 'Unknown'}`, { extensions });
  }
  const body: unknown = isJson(headerValue(answer.headers['content-type'])) ? JSON.parse(answer.body) : undefined;
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new Error(`Expected JSON response body, but received: ${answer.body.slice(0, QUOTED_BODY_CHARS)}`);
  }
  return body as SubgraphResponse;
}

/** Cache-Control of a subgraph answer as a cache hint, as RemoteGraphQLDataSource reads it: no max-age is uncacheable. */
function cacheHintOf(cacheControl: string | undefined): { maxAge: number; scope?: 'PRIVATE' | 'PUBLIC' } {
  const directives = new Map<string, string | true>();
  for (const part of (cacheControl ?? '').split(',')) {
    const [name, value] = part.trim().split('=', 2);
    if (name) directives.set(name.toLowerCase(), value ?? true);
  }
  const maxAge = directives.get('max-age');
  return {
    maxAge: typeof maxAge === 'string' && /^[0-9]+$/.test(maxAge) ? Number(maxAge) : 0,
    ...(directives.get('private') === true && { scope: 'PRIVATE' as const }),
    ...(directives.get('public') === true && { scope: 'PUBLIC' as const }),
  };
}

/**
 * The one way the gateway calls a subgraph. Per fetch the planner makes, in order:
 * 1. the response cache (query fetches): a kept answer is given without a call;
 * 2. merging: an anonymous query fetch identical to one in flight waits for that one;
 * 3. the subgraph's circuit: open, the fetch fails at once with SUBGRAPH_UNAVAILABLE
 *    (`circuit: 'open'`) and no call is made;
 * 4. the call over the subgraph's keep-alive pool, under the subgraph's deadline, with the
 *    request id, the public URL and the signed caller; a query is tried again after a
 *    connection failure or a 502/503/504 while the deadline and the retry budget allow;
 * 5. the cache is offered a clean query answer, and told of every mutation sent.
 * A subgraph that cannot be reached or does not answer in time gives a SUBGRAPH_UNAVAILABLE
 * error that names the subgraph but never its URL; the query plan gives the rest.
 *
 * It implements Apollo's GraphQLDataSource itself rather than extending
 * RemoteGraphQLDataSource: that class funnels every call through a fetch-shaped
 * `fetcher` (building node-fetch Headers and Request objects, then a Response per call),
 * with no place for a cache answer, a merged call or a deadline spanning retries. Owning
 * `process` keeps one plain path from the planner's request to undici's `request()`.
 */
export class SubgraphDataSource implements GraphQLDataSource<GatewayContext> {
  readonly name: string;
  readonly url: string;
  readonly timeoutMs: number;
  private readonly transport: SubgraphTransport;
  private readonly baseLogger: Logger;
  private readonly requestIdHeader: string;
  private readonly publicUrl: (() => string | undefined) | undefined;
  private readonly signCaller: CallerHeaderSigner | undefined;
  private readonly metrics: SubgraphMetrics | undefined;
  private readonly responseCache: SubgraphResponseCache | undefined;
  private readonly inFlight: InFlightGroup<SubgraphAnswer> | undefined;

  constructor(options: SubgraphDataSourceOptions) {
    this.name = options.name;
    this.url = resolveSubgraphUrl(options.name, options.url, options.urlOverrides ?? {});
    this.timeoutMs = options.timeoutOverrides?.[toSubgraphEnvName(options.name)] ?? options.timeoutMs;
    this.transport = options.transport;
    this.publicUrl = options.publicUrl;
    this.signCaller = options.signCaller;
    this.metrics = options.metrics;
    this.responseCache = options.responseCache;
    this.baseLogger = options.logger;
    this.requestIdHeader = (options.requestIdHeader ?? DEFAULT_REQUEST_ID_HEADER).toLowerCase();
    this.inFlight = options.deduplicate === false ? undefined : createInFlightGroup<SubgraphAnswer>();
    this.transport.register(this.name);
  }

  async process(options: GraphQLDataSourceProcessOptions<GatewayContext>): Promise<SubgraphResponse> {
    const { request } = options;
    const context = options.context as Partial<GatewayContext> | undefined;
    const { query } = request;
    if (!query) throw new Error('Missing query');
    const operationType = operationTypeOf(query, 'document' in options ? options.document : undefined);
    const cache = operationType === 'subscription' ? undefined : this.responseCache;
    // One object for lookup and offer: the cache pairs them by identity.
    const description: SubgraphFetchDescription | undefined = cache && {
      subgraph: this.name,
      query,
      variables: request.variables,
      operationType: operationType === 'mutation' ? 'mutation' : 'query',
      callerKey: context?.caller ? toCallerKey(context.caller) : undefined,
    };
    // A query the cache would never keep (another subgraph, record-level, access data) is
    // neither looked up, nor parsed a second time to be offered, nor counted as a miss.
    const cacheable = cache && description?.operationType === 'query' && cache.accepts(description) ? { cache, description } : undefined;

    if (cacheable) {
      const kept = await cacheable.cache.lookup(cacheable.description).catch(() => undefined);
      this.metrics?.observeResponseCache(this.name, kept ? 'hit' : 'miss');
      if (kept) {
        this.restrictCachePolicy(options, undefined);
        // The cache parses a fresh object for every hit (response-cache/memory-store.ts), so
        // the executor may merge into it: no copy here.
        return kept as SubgraphResponse;
      }
    }

    // Whether the fetch may have reached the subgraph (a mutation then invalidates the cache).
    let sent = false;
    try {
      const upstream = await this.call(request, context, operationType);
      sent = true;
      let answer: SubgraphAnswer;
      try {
        answer = await upstream.answer;
      } catch (error) {
        // A circuit rejection made no call: counted apart, never timed.
        if (error instanceof CircuitOpenError) sent = false;
        else if (upstream.leader) upstream.observe([this.failureCode(error)]);
        throw error;
      }
      let response: SubgraphResponse;
      try {
        response = toResponse(answer);
      } catch (error) {
        if (upstream.leader) upstream.observe([this.failureCode(error)]);
        throw error;
      }
      if (upstream.leader) upstream.observe(((response.errors ?? []) as ReadonlyArray<{ extensions?: unknown }>).map((error) => codeOf(error.extensions)));
      this.restrictCachePolicy(options, headerValue(answer.headers['cache-control']));
      if (upstream.leader && cacheable && !response.errors?.length) {
        // Not awaited: the client's answer does not wait on the store. A separate parse,
        // since the executor is about to merge other subgraphs' fields into `response`, and
        // the cache may read what it was offered after that (it serialises after an await).
        void cacheable.cache.offer(cacheable.description, JSON.parse(answer.body) as SubgraphResponseBody).catch(() => undefined);
        this.metrics?.observeResponseCache(this.name, 'stored');
      }
      return response;
    } catch (error) {
      throw this.toGatewayError(error, context);
    } finally {
      // A mutation may have changed what is kept, whether or not its answer came back;
      // awaited, so the caller's next read cannot see what it just changed.
      if (cache && description?.operationType === 'mutation' && sent) await cache.invalidate(description).catch(() => undefined);
    }
  }

  /**
   * Starts the upstream call of one fetch, or joins an identical one in flight when
   * merging applies. Only the fetch that made the call (the leader) measures it.
   */
  private async call(
    request: GraphQLDataSourceProcessOptions<GatewayContext>['request'],
    context: Partial<GatewayContext> | undefined,
    operationType: OperationType,
  ): Promise<Upstream> {
    const headers = await this.headersFor(request, context);
    const { http: _http, ...payload } = request;
    const body = JSON.stringify(payload);
    const send = () => this.transport.send(this.name, { url: this.url, headers, body, timeoutMs: this.timeoutMs, retryable: operationType === 'query' });
    let answer: Promise<SubgraphAnswer>;
    let leader = true;
    // Merged only for anonymous callers: record-level reads are audited per request, under
    // the request id the subgraph receives, so the fetches of an identified caller always
    // reach the subgraph themselves. Anonymous fetches read aggregates and the catalogue,
    // which are the same for every anonymous caller. Same body and same headers but the
    // request id and trace context (both differ per request): the same question.
    if (this.inFlight && operationType === 'query' && context?.caller === undefined) {
      const sameFor = Object.entries(headers).filter(([name]) => name !== this.requestIdHeader && !TRACE_CONTEXT_HEADERS.includes(name));
      const joined = this.inFlight.run(`${body}\n${JSON.stringify(sameFor)}`, send);
      answer = joined.result;
      leader = !joined.shared;
      if (joined.shared) this.metrics?.observeDeduplicated(this.name);
    } else {
      answer = send();
    }
    const startedAt = performance.now();
    return {
      answer,
      leader,
      observe: (codes) => this.metrics?.observeCall(this.name, (performance.now() - startedAt) / 1000, codes),
    };
  }

  /** The code a failed fetch is counted under. */
  private failureCode(error: unknown): string {
    return classifySubgraphFailure(error) ? 'SUBGRAPH_UNAVAILABLE' : codeOf((error as { extensions?: unknown } | null)?.extensions);
  }

  /**
   * The headers of the call: the planner's (a trace request, if any), then ours. Only the
   * gateway speaks for the caller: whatever put a caller header there before is dropped,
   * and one is set only for a caller the gateway verified itself.
   */
  private async headersFor(
    request: GraphQLDataSourceProcessOptions<GatewayContext>['request'],
    context: Partial<GatewayContext> | undefined,
  ): Promise<Record<string, string>> {
    const headers: Record<string, string> = {};
    if (request.http?.headers) for (const [name, value] of request.http.headers) headers[name.toLowerCase()] = value;
    delete headers[CALLER_HEADER];
    headers['content-type'] = 'application/json';
    if (context?.requestId) headers[this.requestIdHeader] = context.requestId;
    const publicUrl = this.publicUrl?.();
    if (publicUrl) headers[PUBLIC_URL_HEADER] = publicUrl;
    if (context?.caller && this.signCaller) headers[CALLER_HEADER] = await this.signCaller(context.caller);
    // Runs inside Apollo's gateway.fetch span: the subgraph can continue the trace. A no-op
    // unless tracing is on (no propagator is registered otherwise).
    injectTraceContext(headers);
    return headers;
  }

  /** As RemoteGraphQLDataSource: the subgraph's Cache-Control limits how long the whole answer may be cached. */
  private restrictCachePolicy(options: GraphQLDataSourceProcessOptions<GatewayContext>, cacheControl: string | undefined): void {
    if (!('incomingRequestContext' in options)) return;
    const policy: unknown = options.incomingRequestContext?.overallCachePolicy;
    if (policy && typeof policy === 'object' && 'restrict' in policy && typeof policy.restrict === 'function') {
      (policy as { restrict(hint: ReturnType<typeof cacheHintOf>): void }).restrict(cacheHintOf(cacheControl));
    }
  }

  /** SUBGRAPH_UNAVAILABLE for an open circuit, a timeout or an unreachable subgraph; anything else as it is. */
  private toGatewayError(error: unknown, context: Partial<GatewayContext> | undefined): unknown {
    const logger = context?.logger ?? this.baseLogger;
    if (error instanceof CircuitOpenError) {
      // Debug only: the circuit's opening was logged once; a line per refused fetch would flood.
      logger.debug({ subgraph: this.name, retryInMs: error.retryInMs }, 'subgraph circuit open: fetch refused');
      return new GraphQLError(`The ${this.name} subgraph is unavailable.`, {
        extensions: { code: 'SUBGRAPH_UNAVAILABLE', subgraph: this.name, circuit: 'open' },
      });
    }
    const failure = classifySubgraphFailure(error);
    if (!failure) return error;
    // The URL belongs in the log (operators need it), never in the response.
    logger.warn({ subgraph: this.name, url: this.url, reason: failure.reason, detail: failure.detail }, 'subgraph unavailable');
    return new GraphQLError(
      failure.reason === 'timeout'
        ? `The ${this.name} subgraph did not answer within ${this.timeoutMs} ms.`
        : `The ${this.name} subgraph is unavailable.`,
      { extensions: { code: 'SUBGRAPH_UNAVAILABLE', subgraph: this.name } },
    );
  }
}
