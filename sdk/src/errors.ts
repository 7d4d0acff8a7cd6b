/** An error as the graph reports it, typed. */
export interface GraphQLErrorPayload {
  readonly message: string;
  readonly path?: readonly (string | number)[];
  readonly extensions?: { readonly code?: string; readonly site?: string; readonly [key: string]: unknown };
}

/** Codes a retry may cure (see docs/errors.md). */
const RETRYABLE = new Set([
  'RATE_LIMITED', 'PROVIDER_UNAVAILABLE', 'PROVIDER_TIMEOUT', 'PROVIDER_BAD_RESPONSE', 'SUBGRAPH_UNAVAILABLE',
  'PERSISTED_QUERY_NOT_FOUND', 'INTERNAL', 'NETWORK_ERROR', 'HTTP_ERROR',
]);

export interface CancerImagingErrorOptions {
  readonly code: string;
  readonly site?: string;
  readonly path?: readonly (string | number)[];
  readonly status?: number;
  readonly retryAfterMs?: number;
  readonly cause?: unknown;
}

/**
 * Every failure the SDK surfaces: a GraphQL error of the graph, an HTTP failure, or a
 * network failure. `code` is the graph's `extensions.code` (docs/errors.md), or one of the
 * SDK's own: NETWORK_ERROR and HTTP_ERROR for transport failures, ABORTED when the
 * caller's AbortSignal fired.
 */
export class CancerImagingError extends Error {
  override readonly name = 'CancerImagingError';
  readonly code: string;
  /** The site (provider id) the error belongs to, when a site failed. */
  readonly site: string | undefined;
  readonly path: readonly (string | number)[] | undefined;
  /** Whether the same request may succeed later (docs/errors.md says which codes). */
  readonly retryable: boolean;
  /** HTTP status of the answer, when it was not 2xx. */
  readonly status: number | undefined;
  /** How long the server asked to wait (its Retry-After), when it said; retries ended before it. */
  readonly retryAfterMs: number | undefined;

  constructor(message: string, options: CancerImagingErrorOptions) {
    super(message, { cause: options.cause });
    this.code = options.code;
    this.site = options.site;
    this.path = options.path;
    this.status = options.status;
    this.retryAfterMs = options.retryAfterMs;
    this.retryable = options.code !== 'ABORTED' && (RETRYABLE.has(options.code) || options.status === 429 || options.status === 503);
  }

  /** A GraphQL error of the answer; `http` carries the status of a non-2xx answer. */
  static fromGraphQL(error: GraphQLErrorPayload, http: { status?: number; retryAfterMs?: number } = {}): CancerImagingError {
    return new CancerImagingError(error.message, {
      code: error.extensions?.code ?? 'INTERNAL',
      ...(typeof error.extensions?.site === 'string' && { site: error.extensions.site }),
      ...(error.path && { path: error.path }),
      ...(http.status !== undefined && { status: http.status }),
      ...(http.retryAfterMs !== undefined && { retryAfterMs: http.retryAfterMs }),
    });
  }
}
