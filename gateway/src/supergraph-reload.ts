import { createHash } from 'node:crypto';
import type { SupergraphSdlHook, SupergraphSdlUpdateFunction } from '@apollo/gateway';
import type { Logger } from 'pino';
import { applySubgraphUrlOverrides, readSubgraphEndpoints, type SubgraphEndpoint } from './supergraph.js';
import { watchSupergraphFile, type SupergraphFileWatch } from './supergraph-file-watch.js';

/** What became of one supergraph handed to the gateway. */
export type SupergraphReload =
  | { readonly status: 'updated'; readonly subgraphs: readonly string[] }
  | { readonly status: 'unchanged' }
  | { readonly status: 'rejected'; readonly reason: string };

export interface SupergraphSourceOptions {
  /** The supergraph the gateway starts with. */
  readonly initialSdl: string;
  /** `CIG_GATEWAY_SUBGRAPH_<NAME>_URL` overrides (config.subgraphUrls); they apply to every supergraph loaded. */
  readonly overrides: Readonly<Record<string, string>>;
  /** A file to watch for new supergraphs; absent: only `reload()` changes it. */
  readonly watch?: { readonly path: string; readonly intervalMs: number };
  readonly logger: Logger;
}

export interface SupergraphSource {
  /** Handed to ApolloGateway as `supergraphSdl`: gives the first supergraph and keeps the `update` callback. */
  readonly hook: SupergraphSdlHook;
  /** The subgraphs of the supergraph in use, with their effective URLs (readiness, retrieve proxy). */
  endpoints(): readonly SubgraphEndpoint[];
  /** Swaps in a new supergraph, or keeps the current one and says why not. Never throws. */
  reload(sdl: string, origin: string): SupergraphReload;
  /** Checks the watched file now, as its watcher would (tests, or a SIGHUP handler). */
  checkFile(): Promise<void>;
}

const hashOf = (sdl: string) => createHash('sha256').update(sdl).digest('hex');

/** The endpoints a supergraph would be called at, or why it cannot be used. */
function endpointsOf(sdl: string, overrides: Readonly<Record<string, string>>): { endpoints: SubgraphEndpoint[]; unmatched: string[] } {
  return applySubgraphUrlOverrides(readSubgraphEndpoints(sdl), overrides);
}

/**
 * The gateway's supergraph as something that can change while it runs: Apollo Gateway's
 * `supergraphSdl` function form hands us an `update` callback, which builds the new schema
 * and query planner and swaps them in one step (requests already planned finish on the
 * old plan). We check what Apollo does not: every subgraph has a URL after our overrides.
 * Apollo's `update` throws on an SDL it cannot build into a supergraph and keeps the
 * previous schema; both kinds of refusal are logged and the previous supergraph stays.
 */
export function createSupergraphSource(options: SupergraphSourceOptions): SupergraphSource {
  const { logger, overrides } = options;
  // Fails start-up (as before) when the first supergraph has no usable URLs.
  const initial = endpointsOf(options.initialSdl, overrides);
  for (const name of initial.unmatched) {
    logger.warn({ variable: `CIG_GATEWAY_SUBGRAPH_${name}_URL` }, 'subgraph URL override names no subgraph of the supergraph');
  }
  let endpoints: readonly SubgraphEndpoint[] = initial.endpoints;
  let currentHash = hashOf(options.initialSdl);
  let update: SupergraphSdlUpdateFunction | undefined;
  let watcher: SupergraphFileWatch | undefined;

  function reload(sdl: string, origin: string): SupergraphReload {
    if (!update) return { status: 'rejected', reason: 'The gateway is not started.' };
    const hash = hashOf(sdl);
    if (hash === currentHash) return { status: 'unchanged' };
    let next: { endpoints: SubgraphEndpoint[]; unmatched: string[] };
    try {
      next = endpointsOf(sdl, overrides);
      update(sdl);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      logger.error({ origin, reason }, 'supergraph rejected; the gateway keeps the previous one');
      return { status: 'rejected', reason };
    }
    const added = next.endpoints.filter((e) => !endpoints.some((old) => old.name === e.name)).map((e) => e.name);
    const removed = endpoints.filter((e) => !next.endpoints.some((now) => now.name === e.name)).map((e) => e.name);
    endpoints = next.endpoints;
    currentHash = hash;
    // An override that matched nothing before may match a subgraph the new supergraph adds.
    for (const name of next.unmatched) {
      logger.warn({ variable: `CIG_GATEWAY_SUBGRAPH_${name}_URL` }, 'subgraph URL override names no subgraph of the supergraph');
    }
    logger.info({ origin, subgraphs: endpoints.map((e) => e.name), added, removed }, 'supergraph reloaded');
    return { status: 'updated', subgraphs: endpoints.map((e) => e.name) };
  }

  const hook: SupergraphSdlHook = async ({ update: apolloUpdate }) => {
    update = apolloUpdate;
    if (options.watch && options.watch.intervalMs > 0) {
      const { path, intervalMs } = options.watch;
      watcher = await watchSupergraphFile({ path, intervalMs, logger, onChange: (sdl) => void reload(sdl, path) });
      logger.info({ supergraph: path, pollMs: intervalMs }, 'watching the supergraph file for recompositions');
    }
    return {
      supergraphSdl: options.initialSdl,
      cleanup: async () => {
        update = undefined;
        watcher?.close();
        watcher = undefined;
      },
    };
  };

  return {
    hook,
    endpoints: () => endpoints,
    reload,
    checkFile: () => watcher?.check() ?? Promise.resolve(),
  };
}
