/** An error as the graph reports it, typed. */
export interface GraphQLErrorPayload {
  readonly message: string;
  readonly path?: readonly (string | number)[];
  readonly extensions?: { readonly code?: string; readonly site?: string; readonly [key: string]: unknown };
}

/** Codes a retry may cure (see docs/errors.md). */
const RETRYABLE = new Set(['PROVIDER_UNAVAILABLE', 'PROVIDER_TIMEOUT', 'PROVIDER_BAD_RESPONSE', 'SUBGRAPH_UNAVAILABLE', 'INTERNAL', 'NETWORK_ERROR', 'HTTP_ERROR']);

/**
 * Every failure the SDK surfaces: a GraphQL error of the graph, an HTTP failure, or a
 * network failure. `code` is the graph's `extensions.code` (docs/errors.md), or
 * NETWORK_ERROR / HTTP_ERROR for transport failures.
 */
export class CancerImagingError extends Error {
  override readonly name = 'CancerImagingError';
  readonly code: string;
  /** The site (provider id) the error belongs to, when a site failed. */
  readonly site: string | undefined;
  readonly path: readonly (string | number)[] | undefined;
  readonly retryable: boolean;
  /** HTTP status, for transport errors. */
  readonly status: number | undefined;

  constructor(message: string, options: { code: string; site?: string; path?: readonly (string | number)[]; status?: number; cause?: unknown }) {
    super(message, { cause: options.cause });
    this.code = options.code;
    this.site = options.site;
    this.path = options.path;
    this.status = options.status;
    this.retryable = RETRYABLE.has(options.code) || options.status === 429 || options.status === 503;
  }

  static fromGraphQL(error: GraphQLErrorPayload): CancerImagingError {
    return new CancerImagingError(error.message, {
      code: error.extensions?.code ?? 'INTERNAL',
      ...(typeof error.extensions?.site === 'string' && { site: error.extensions.site }),
      ...(error.path && { path: error.path }),
    });
  }
}
