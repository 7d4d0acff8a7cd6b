import type { AccessRequestRecord } from '@cancer-imaging/provider-kit';
import type { DatasetRecord } from '../catalogue/records.js';

/**
 * Hand-over of an access request to a BBMRI-ERIC Negotiator (v3): `POST /api/v3/requests`
 * with `{ url, humanReadable, resources[] }` as a registered discovery service (basic
 * credentials), answered with the request's `redirectUrl`, where the researcher goes on.
 * Optional: configured with CIG_CATALOGUE_NEGOTIATOR_URL and its credentials.
 */
export interface NegotiatorClient {
  handOver(request: AccessRequestRecord, datasets: readonly DatasetRecord[]): Promise<string>;
}

export interface NegotiatorOptions {
  /** The Negotiator's base URL, e.g. https://negotiator.bbmri-eric.eu. */
  readonly baseUrl: string;
  /** This deployment's public URL: the discovery service the Negotiator knows. */
  readonly discoveryServiceUrl: string;
  readonly username: string;
  readonly password: string;
  readonly fetch?: typeof fetch;
  readonly timeoutMs?: number;
}

export class NegotiatorError extends Error {
  override name = 'NegotiatorError';
}

/** What the Negotiator is told: counts and ids only, never anything about a subject. */
export function toNegotiatorRequest(discoveryServiceUrl: string, request: AccessRequestRecord, datasets: readonly DatasetRecord[]) {
  return {
    url: discoveryServiceUrl,
    humanReadable: `Access request ${request.id}: ${datasets.map((d) => d.title).join('; ')}`.slice(0, 2_000),
    resources: datasets.map((dataset) => ({
      id: dataset.id,
      name: dataset.title,
      organization: { externalId: dataset.provider.id, name: dataset.provider.name },
    })),
  };
}

export function createNegotiatorClient(options: NegotiatorOptions): NegotiatorClient {
  // Looked up at call time, so an interceptor installed later (msw in tests, a proxy agent) applies.
  const fetchImpl: typeof fetch = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
  const endpoint = new URL('/api/v3/requests', options.baseUrl).toString();
  const authorization = `Basic ${Buffer.from(`${options.username}:${options.password}`).toString('base64')}`;
  return {
    async handOver(request, datasets) {
      const response = await fetchImpl(endpoint, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json', authorization },
        body: JSON.stringify(toNegotiatorRequest(options.discoveryServiceUrl, request, datasets)),
        signal: AbortSignal.timeout(options.timeoutMs ?? 10_000),
      });
      if (!response.ok) throw new NegotiatorError(`The Negotiator answered HTTP ${response.status}.`);
      const body = (await response.json().catch(() => null)) as { redirectUrl?: unknown } | null;
      if (typeof body?.redirectUrl !== 'string' || !/^https?:\/\//.test(body.redirectUrl)) {
        throw new NegotiatorError('The Negotiator answered without a redirect URL.');
      }
      return body.redirectUrl;
    },
  };
}
