import {
  ProviderAuthError, ProviderBadResponseError, ProviderError, ProviderUnavailableError,
  UpstreamCallFailure, toUpstreamTransportError,
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

/** An identifier-free description of a failed orthanc call (the kit's UpstreamCallFailure). */
export class OrthancCallFailure extends UpstreamCallFailure {
  override name = 'OrthancCallFailure';
}

/**
 * Maps what `fetch` (or reading a body) threw. An aborted signal is the deadline; anything
 * else fetch rejects with is a network failure (refused, reset, DNS, TLS): the site could
 * not be reached. Errors we threw ourselves pass through.
 */
export function toTransportError(error: unknown, signal: AbortSignal, endpoint: string): ProviderError {
  return toUpstreamTransportError(error, signal, (detail) => new OrthancCallFailure(endpoint, undefined, detail));
}

/** Maps a non-2xx status. 401/403 are the credentials; 404 a missing resource; the rest (5xx...) a bad answer. */
export function toStatusError(status: number, endpoint: string): ProviderError {
  const cause = new OrthancCallFailure(endpoint, status, 'unexpected status');
  if (status === 401 || status === 403) return new ProviderAuthError(undefined, { cause });
  if (status === 404) return new OrthancNotFoundError(undefined, { cause });
  return new ProviderBadResponseError(undefined, { cause });
}
