/** Error codes of Node and undici that mean "could not talk to the server at all". */
const CONNECTION_FAILURE_CODES = new Set([
  'ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', 'ETIMEDOUT', 'EPIPE',
  'ECONNABORTED', 'UND_ERR_SOCKET', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT',
  'UND_ERR_CLOSED', 'UND_ERR_DESTROYED',
]);

/** Statuses a proxy or load balancer in front of a subgraph answers when it is down. */
export const UNAVAILABLE_STATUSES: ReadonlySet<number> = new Set([502, 503, 504]);

export interface SubgraphFailure {
  readonly reason: 'timeout' | 'unreachable';
  readonly detail: string;
}

/**
 * Classifies a failed call: a timeout, a connection failure (or a 502/503/504 answer), or
 * undefined for anything else. Only these two say the subgraph itself is down: they alone
 * open its circuit, and only connection failures are worth another attempt.
 */
export function classifySubgraphFailure(error: unknown): SubgraphFailure | undefined {
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

/** The error a call's deadline aborts it with: a TimeoutError, as AbortSignal.timeout() gives. */
export function deadlineError(timeoutMs: number): DOMException {
  return new DOMException(`No answer within ${timeoutMs} ms.`, 'TimeoutError');
}
