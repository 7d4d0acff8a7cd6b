import { RemoteGraphQLDataSource, type GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import { CALLER_HEADER } from '@cancer-imaging/provider-kit';
import { GraphQLError } from 'graphql';
import type { Logger } from 'pino';
import type { CallerHeaderSigner } from './auth/caller-header.js';
import type { GatewayContext } from './context.js';
import type { SubgraphMetrics } from './metrics/gateway-metrics.js';
import { DEFAULT_REQUEST_ID_HEADER } from './plugins/use-request-id.js';
import { resolveSubgraphUrl } from './supergraph.js';

type SubgraphResponse = Awaited<ReturnType<RemoteGraphQLDataSource['process']>>;

export interface SubgraphDataSourceOptions {
  /** Subgraph name from the supergraph; the only thing errors say about it. */
  readonly name: string;
  /** URL written in the supergraph. */
  readonly url: string;
  /** `CIG_GATEWAY_SUBGRAPH_<NAME>_URL` overrides keyed by env NAME (config.subgraphUrls); win over `url`. */
  readonly urlOverrides?: Readonly<Record<string, string>>;
  /** Deadline of one call, body included. */
  readonly timeoutMs: number;
  /** Used when a call has no request context (health checks). */
  readonly logger: Logger;
  /** Header carrying the request id to the subgraph. @default 'x-request-id' */
  readonly requestIdHeader?: string;
  /** Injected for tests; the global (undici) fetch keeps connections alive. */
  readonly fetch?: typeof globalThis.fetch;
  /** The gateway's public base URL, told to subgraphs so the links they build (retrieve URLs) point at it. */
  readonly publicUrl?: () => string | undefined;
  /**
   * Signs the request's verified caller into the x-cig-caller header. Without it, or for
   * an anonymous request, no caller header is sent.
   */
  readonly signCaller?: CallerHeaderSigner;
  /** Told the duration and error codes of every call. Absent: nothing is measured. */
  readonly metrics?: SubgraphMetrics;
}

/** Header carrying the gateway's public base URL to subgraphs (the kit's PUBLIC_URL_HEADER). */
export const PUBLIC_URL_HEADER = 'x-cig-public-url';

/** Error codes of Node and undici that mean "could not talk to the server at all". */
const CONNECTION_FAILURE_CODES = new Set([
  'ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', 'ETIMEDOUT', 'EPIPE',
  'ECONNABORTED', 'UND_ERR_SOCKET', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT',
  'UND_ERR_CLOSED',
]);

/** Statuses a proxy or load balancer in front of a subgraph answers when it is down. */
const UNAVAILABLE_STATUSES = new Set([502, 503, 504]);

type Failure = { reason: 'timeout' | 'unreachable'; detail: string };

/** Classifies a failed call: a timeout, a connection failure, or undefined for anything else. */
export function classifySubgraphFailure(error: unknown): Failure | undefined {
  let current: unknown = error;
  // fetch wraps socket errors: TypeError('fetch failed', { cause: { code: 'ECONNREFUSED' } }).
  for (let depth = 0; depth < 4 && current instanceof Object; depth += 1) {
    const { name, code } = current as { name?: unknown; code?: unknown };
    if (name === 'TimeoutError' || name === 'AbortError') return { reason: 'timeout', detail: String(name) };
    if (typeof code === 'string' && CONNECTION_FAILURE_CODES.has(code)) return { reason: 'unreachable', detail: code };
    current = (current as { cause?: unknown }).cause;
  }
  const status = (error as { extensions?: { response?: { status?: unknown } } } | null)?.extensions?.response?.status;
  if (typeof status === 'number' && UNAVAILABLE_STATUSES.has(status)) return { reason: 'unreachable', detail: `HTTP ${status}` };
  return undefined;
}

/** The `extensions.code` of a subgraph error, INTERNAL when it has none. */
function codeOf(extensions: unknown): string {
  const code = (extensions as { code?: unknown } | null | undefined)?.code;
  return typeof code === 'string' ? code : 'INTERNAL';
}

/**
 * The one way the gateway calls a subgraph: the URL from config overrides, the caller's
 * request id forwarded, a per-call deadline (AbortSignal) and, when the subgraph cannot be
 * reached or does not answer in time, a SUBGRAPH_UNAVAILABLE error that names the
 * subgraph but never its URL. The gateway's query plan then gives the rest of the answer.
 * Nothing is cached: the next request tries again, so a subgraph that comes back is used
 * at once.
 */
export class SubgraphDataSource extends RemoteGraphQLDataSource<GatewayContext> {
  readonly name: string;
  private readonly timeoutMs: number;
  private readonly baseLogger: Logger;
  private readonly requestIdHeader: string;
  private readonly publicUrl: (() => string | undefined) | undefined;
  private readonly signCaller: CallerHeaderSigner | undefined;
  private readonly metrics: SubgraphMetrics | undefined;

  constructor(options: SubgraphDataSourceOptions) {
    super();
    this.name = options.name;
    this.url = resolveSubgraphUrl(options.name, options.url, options.urlOverrides ?? {});
    this.timeoutMs = options.timeoutMs;
    this.publicUrl = options.publicUrl;
    this.signCaller = options.signCaller;
    this.metrics = options.metrics;
    this.baseLogger = options.logger;
    this.requestIdHeader = options.requestIdHeader ?? DEFAULT_REQUEST_ID_HEADER;
    const fetchImpl = options.fetch ?? globalThis.fetch;
    const timeoutMs = options.timeoutMs;
    // The signal covers the whole exchange, headers and body, since undici aborts the body
    // stream with it. The `as` bridges undici's Response to the gateway's minimal
    // FetcherResponse interface, which it implements.
    this.fetcher = (async (url: string, init?: { method?: string; headers?: Record<string, string>; body?: string | Buffer }) =>
      fetchImpl(url, {
        method: init?.method ?? 'POST',
        headers: init?.headers ?? {},
        // RemoteGraphQLDataSource always sends a JSON string; a Buffer would be the same text.
        body: typeof init?.body === 'string' ? init.body : init?.body?.toString('utf8'),
        signal: AbortSignal.timeout(timeoutMs),
      })) as unknown as RemoteGraphQLDataSource['fetcher'];
  }

  override async willSendRequest(options: GraphQLDataSourceProcessOptions<GatewayContext>): Promise<void> {
    const http = options.request.http;
    if (!http) return;
    const context = options.context as Partial<GatewayContext> | undefined;
    if (context?.requestId) http.headers.set(this.requestIdHeader, context.requestId);
    const publicUrl = this.publicUrl?.();
    if (publicUrl) http.headers.set(PUBLIC_URL_HEADER, publicUrl);
    // Only the gateway speaks for the caller: whatever put a caller header here before us
    // is dropped, and one is set only for a caller the gateway verified itself.
    http.headers.delete(CALLER_HEADER);
    if (context?.caller && this.signCaller) http.headers.set(CALLER_HEADER, await this.signCaller(context.caller));
  }

  override async process(options: GraphQLDataSourceProcessOptions<GatewayContext>): Promise<SubgraphResponse> {
    const startedAt = performance.now();
    const observe = (codes: readonly string[]) => this.metrics?.observeCall(this.name, (performance.now() - startedAt) / 1000, codes);
    try {
      const response = await super.process(options);
      observe((response.errors ?? []).map((error) => codeOf(error.extensions)));
      return response;
    } catch (error) {
      const failure = classifySubgraphFailure(error);
      observe([failure ? 'SUBGRAPH_UNAVAILABLE' : codeOf((error as { extensions?: unknown } | null)?.extensions)]);
      if (!failure) throw error;
      const logger = (options.context as Partial<GatewayContext> | undefined)?.logger ?? this.baseLogger;
      // The URL belongs in the log (operators need it), never in the response.
      logger.warn({ subgraph: this.name, url: this.url, reason: failure.reason, detail: failure.detail }, 'subgraph unavailable');
      throw new GraphQLError(
        failure.reason === 'timeout'
          ? `The ${this.name} subgraph did not answer within ${this.timeoutMs} ms.`
          : `The ${this.name} subgraph is unavailable.`,
        { extensions: { code: 'SUBGRAPH_UNAVAILABLE', subgraph: this.name } },
      );
    }
  }
}
