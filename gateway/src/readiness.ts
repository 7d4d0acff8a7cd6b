import type { SubgraphEndpoint } from './supergraph.js';

export type SubgraphState = 'up' | 'down';

export interface Readiness {
  readonly ready: boolean;
  /** State per subgraph name; URLs stay out, since this is served to anyone. */
  readonly subgraphs: Readonly<Record<string, SubgraphState>>;
}

export interface CheckReadinessOptions {
  /** Deadline of each probe. @default 2000 */
  readonly timeoutMs?: number;
  /** Headers sent with each probe (e.g. the request id). */
  readonly headers?: Readonly<Record<string, string>>;
  readonly fetch?: typeof globalThis.fetch;
}

/** A subgraph is up when it answers `{ __typename }` with a GraphQL result carrying data. */
async function probe(endpoint: SubgraphEndpoint, options: CheckReadinessOptions): Promise<SubgraphState> {
  const fetchImpl = options.fetch ?? globalThis.fetch;
  try {
    const response = await fetchImpl(endpoint.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json', ...options.headers },
      body: JSON.stringify({ query: 'query __GatewayReadiness__ { __typename }' }),
      signal: AbortSignal.timeout(options.timeoutMs ?? 2000),
    });
    if (!response.ok) return 'down';
    const body = (await response.json()) as { data?: { __typename?: unknown } | null };
    return typeof body.data?.__typename === 'string' ? 'up' : 'down';
  } catch {
    // Refused, reset, timed out or not JSON: all mean the subgraph cannot serve now.
    return 'down';
  }
}

/** Probes every subgraph in parallel; ready only when all are up. */
export async function checkReadiness(
  endpoints: readonly SubgraphEndpoint[],
  options: CheckReadinessOptions = {},
): Promise<Readiness> {
  const states = await Promise.all(endpoints.map(async (endpoint) => [endpoint.name, await probe(endpoint, options)] as const));
  return { ready: states.every(([, state]) => state === 'up'), subgraphs: Object.fromEntries(states) };
}
