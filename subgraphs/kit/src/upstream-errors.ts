import { ProviderBadResponseError, ProviderError, ProviderTimeoutError, ProviderUnavailableError } from './errors.js';

/**
 * An identifier-free description of a failed upstream call, for the cause chain (logs only):
 * the endpoint template ("GET /studies/{id}") and the HTTP status, never a URL or a body.
 * Kinds subclass it to name themselves (OrthancCallFailure, XnatCallFailure).
 */
export class UpstreamCallFailure extends Error {
  override name = 'UpstreamCallFailure';
  constructor(readonly endpoint: string, readonly status: number | undefined, detail: string, options?: { cause?: unknown }) {
    super(`${endpoint}${status === undefined ? '' : ` -> HTTP ${status}`}: ${detail}`, options);
  }
}

/** Codes of Node and undici meaning the server could not be talked to at all. */
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

/**
 * Maps what `fetch` (or reading a body) threw. An aborted signal is the deadline; a parser
 * error means something answered, but not HTTP; anything else fetch rejects with is a
 * network failure (refused, reset, DNS, TLS). Errors already mapped pass through.
 * `failure` builds the kind's cause from a short detail.
 */
export function toTransportError(error: unknown, signal: AbortSignal, failure: (detail: string) => Error): ProviderError {
  if (error instanceof ProviderError) return error;
  const name = (error as { name?: unknown } | null)?.name;
  if (signal.aborted || name === 'AbortError' || name === 'TimeoutError') {
    const reason: unknown = signal.reason;
    if (reason instanceof ProviderTimeoutError) return reason;
    return new ProviderTimeoutError(undefined, { cause: failure('aborted') });
  }
  const code = errorCode(error);
  const detail = code ?? (typeof name === 'string' ? name : 'network error');
  if (code !== undefined && !NETWORK_CODES.has(code) && /^(HPE_|UND_ERR_(RES|HEADERS|INFO))/.test(code)) {
    return new ProviderBadResponseError(undefined, { cause: failure(detail) });
  }
  return new ProviderUnavailableError(undefined, { cause: failure(detail) });
}
