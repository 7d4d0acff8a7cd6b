import {
  ProviderAuthError, ProviderBadResponseError, ProviderError, ProviderTimeoutError, ProviderUnavailableError,
} from '@cancer-imaging/provider-kit';

/**
 * How an Orthanc call fails, as the kit's ProviderError subclasses. Messages are ours and
 * safe to show: never the upstream body, URL or credentials. The `cause` (kept for the
 * log only) names the endpoint template ("GET /studies/{id}") and the HTTP status, no more.
 */

/** Orthanc answered 404 for a resource the caller named (e.g. a series deleted meanwhile). */
export class OrthancNotFoundError extends ProviderBadResponseError {
  constructor(message = 'The site does not hold the requested resource.', options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** The site's Orthanc lacks a feature the registry asks this site to use (e.g. labels before 1.12). */
export class OrthancUnsupportedFeatureError extends ProviderBadResponseError {}

/** The registry names credential variables that the environment does not define. */
export class OrthancCredentialsMissingError extends ProviderAuthError {
  constructor() {
    super('The site\'s credentials are not configured in the environment.');
  }
}

const NETWORK_CODES = new Set([
  'ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', 'EPIPE', 'ETIMEDOUT',
  'UND_ERR_SOCKET', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_CLOSED',
]);

function errorCode(error: unknown): string | undefined {
  const direct = (error as { code?: unknown } | null)?.code;
  if (typeof direct === 'string') return direct;
  const nested = (error as { cause?: { code?: unknown; cause?: { code?: unknown } } } | null)?.cause;
  if (typeof nested?.code === 'string') return nested.code;
  return typeof nested?.cause?.code === 'string' ? nested.cause.code : undefined;
}

/** A short, identifier-free description of a call for the cause chain: "GET /studies/{id}". */
export class OrthancCallFailure extends Error {
  override name = 'OrthancCallFailure';
  constructor(readonly endpoint: string, readonly status: number | undefined, detail: string, options?: { cause?: unknown }) {
    super(`${endpoint}${status === undefined ? '' : ` -> HTTP ${status}`}: ${detail}`, options);
  }
}

/**
 * Maps what `fetch` (or reading a body) threw. An aborted signal is the deadline; anything
 * else fetch rejects with is a network failure (refused, reset, DNS, TLS): the site could
 * not be reached. Errors we threw ourselves pass through.
 */
export function toTransportError(error: unknown, signal: AbortSignal, endpoint: string): ProviderError {
  if (error instanceof ProviderError) return error;
  const name = (error as { name?: unknown } | null)?.name;
  if (signal.aborted || name === 'AbortError' || name === 'TimeoutError') {
    const reason: unknown = signal.reason;
    if (reason instanceof ProviderTimeoutError) return reason;
    return new ProviderTimeoutError(undefined, { cause: new OrthancCallFailure(endpoint, undefined, 'aborted') });
  }
  const code = errorCode(error);
  const detail = code ?? (typeof name === 'string' ? name : 'network error');
  // A parser error (HPE_*, UND_ERR_RESPONSE...) means something answered, but not HTTP.
  if (code !== undefined && !NETWORK_CODES.has(code) && /^(HPE_|UND_ERR_(RES|HEADERS|INFO))/.test(code)) {
    return new ProviderBadResponseError(undefined, { cause: new OrthancCallFailure(endpoint, undefined, detail) });
  }
  return new ProviderUnavailableError(undefined, { cause: new OrthancCallFailure(endpoint, undefined, detail) });
}

/** Maps a non-2xx status. 401/403 are the credentials; 404 a missing resource; the rest (5xx...) a bad answer. */
export function toStatusError(status: number, endpoint: string): ProviderError {
  const cause = new OrthancCallFailure(endpoint, status, 'unexpected status');
  if (status === 401 || status === 403) return new ProviderAuthError(undefined, { cause });
  if (status === 404) return new OrthancNotFoundError(undefined, { cause });
  return new ProviderBadResponseError(undefined, { cause });
}
