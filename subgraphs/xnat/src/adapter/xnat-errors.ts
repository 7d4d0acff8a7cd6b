import {
  ProviderAuthError, ProviderBadResponseError, ProviderError, ProviderUnavailableError,
  UpstreamCallFailure, toUpstreamTransportError,
} from '@cancer-imaging/provider-kit';

/**
 * How an XNAT call fails, as the kit's ProviderError subclasses. Messages are ours and safe
 * to show: never the upstream body, URL or credentials. The `cause` (kept for the log only)
 * names the endpoint template ("GET /data/projects/{p}/subjects") and the HTTP status.
 */

/** An identifier-free description of a failed xnat call (the kit's UpstreamCallFailure). */
export class XnatCallFailure extends UpstreamCallFailure {
  override name = 'XnatCallFailure';
}

/** XNAT answered 404 for a resource the caller named (a project, session or scan). */
export class XnatNotFoundError extends ProviderBadResponseError {
  constructor(message = 'The site does not hold the requested resource.', options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** XNAT answered 403 for a resource the caller named: the account may not read it. */
export class XnatForbiddenError extends ProviderAuthError {
  constructor(message = 'The site does not let this account read the requested resource.', options?: { cause?: unknown }) {
    super(message, options);
  }
}

/**
 * A scan search (POST /data/search) was refused (the service is disabled or restricted),
 * failed (5xx: no display document for the root type), answered HTML or rows without the
 * asked display fields. The adapter catches it and lists the sessions it leaves unanswered.
 */
export class XnatSearchUnavailableError extends ProviderBadResponseError {
  constructor(options?: { cause?: unknown }) {
    super('The site\'s search service is not available.', options);
  }
}

/** The registry names credential variables that the environment does not define. */
export class XnatCredentialsMissingError extends ProviderAuthError {
  constructor() {
    super('The site\'s credentials are not configured in the environment.');
  }
}

/**
 * Maps what `fetch` (or reading a body) threw. An aborted signal is the deadline; anything
 * else fetch rejects with is a network failure (refused, reset, DNS, TLS). A parser error
 * means something answered, but not HTTP. Errors we threw ourselves pass through.
 */
export function toTransportError(error: unknown, signal: AbortSignal, endpoint: string): ProviderError {
  return toUpstreamTransportError(error, signal, (detail) => new XnatCallFailure(endpoint, undefined, detail));
}

/** Maps a non-2xx status that is not a session expiry. */
export function toStatusError(status: number, endpoint: string): ProviderError {
  const cause = new XnatCallFailure(endpoint, status, 'unexpected status');
  if (status === 401) return new ProviderAuthError(undefined, { cause });
  if (status === 403) return new XnatForbiddenError(undefined, { cause });
  if (status === 404) return new XnatNotFoundError(undefined, { cause });
  return new ProviderBadResponseError(undefined, { cause });
}

export function badResponse(endpoint: string, status: number | undefined, detail: string): ProviderBadResponseError {
  return new ProviderBadResponseError(undefined, { cause: new XnatCallFailure(endpoint, status, detail) });
}
