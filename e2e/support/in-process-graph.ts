import { readFile } from 'node:fs/promises';
import { pino, type Logger } from 'pino';
import { createGateway, loadGatewayConfig } from '@cancer-imaging/gateway';
import { createCallerResolver, loadRegistry, openGraphStore, type RunningSubgraph } from '@cancer-imaging/provider-kit';
import { createCatalogueSubgraph } from '@cancer-imaging/subgraph-catalogue';
import { createCustomSubgraph } from '@cancer-imaging/subgraph-custom';
import { startSubgraphServer } from '@cancer-imaging/provider-kit';
import { repoPath } from '../../scripts/generate/paths.js';

/** One call the gateway made to a subgraph: where, and the headers it sent. */
export interface SubgraphCall {
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
}

/** The CIG_INTERNAL_SECRET of the in-process graph unless a test gives its own. */
export const IN_PROCESS_INTERNAL_SECRET = 'in-process-graph-internal-secret-0123456789';

export interface InProcessGraph {
  /** The gateway's GraphQL endpoint. */
  readonly url: string;
  /** Every call the gateway made to a subgraph so far, in order (tests count and inspect them). */
  readonly subgraphCalls: readonly SubgraphCall[];
  /** The secret the gateway signs the caller header with (CIG_INTERNAL_SECRET). */
  readonly internalSecret: string;
  /**
   * Stops one subgraph while the gateway keeps running, to see partial answers; stop()
   * still stops everything else.
   */
  stopSubgraph(name: 'catalogue' | 'custom'): Promise<void>;
  stop(): Promise<void>;
}

export interface StartInProcessGraphOptions {
  registryPath?: string;
  logger?: Logger;
  /** More gateway variables (CIG_GATEWAY_*), e.g. CIG_GATEWAY_EUCAIM_PROVIDER_NAME. */
  gatewayEnv?: Readonly<Record<string, string>>;
  /** The graph's CIG_INTERNAL_SECRET. @default IN_PROCESS_INTERNAL_SECRET */
  internalSecret?: string;
  /** The graph store (CIG_DATABASE_URL form); a file or PostgreSQL survives a restart. @default sqlite::memory: */
  databaseUrl?: string;
}

/**
 * The demo graph (catalogue, custom kind, gateway) in this process, each on a free
 * loopback port, planned by the committed supergraph: what the SDK tests and examples
 * run against without spawning processes.
 */
export async function startInProcessGraph(options: StartInProcessGraphOptions = {}): Promise<InProcessGraph> {
  const logger = options.logger ?? pino({ level: 'silent' });
  const registry = await loadRegistry(options.registryPath ?? repoPath('config/demo/registry.yaml'));
  const internalSecret = options.internalSecret ?? IN_PROCESS_INTERNAL_SECRET;
  // One store for the catalogue (requests, grants) and the kind (stored grants, audit), as
  // the processes of `npm start` share one file. In memory unless a test names a database.
  const store = await openGraphStore(options.databaseUrl ?? 'sqlite::memory:', { defaultSqlitePath: ':memory:' });
  const resolveCaller = createCallerResolver({ secret: internalSecret, store, logger, grantCacheMs: 0 });
  const catalogue = createCatalogueSubgraph({ registry, logger, store, resolveCaller });
  // The kind subgraph verifies the gateway's caller header with the same secret, finds
  // stored grants in the catalogue's store and audits record-level reads there, as the
  // processes of `npm start` do.
  const custom = await createCustomSubgraph({
    registry,
    pseudonymSecret: 'in-process-graph-secret-0123456789',
    logger,
    resolveCaller,
    store,
  });
  const servers: RunningSubgraph[] = [];
  try {
    servers.push(await startSubgraphServer({ name: 'catalogue', schema: catalogue.schema, logger, context: (request) => catalogue.createContext(request) }));
    servers.push(await custom.listen());
    const config = loadGatewayConfig({
      CIG_INTERNAL_SECRET: internalSecret,
      ...options.gatewayEnv,
      CIG_GATEWAY_PORT: '0',
      CIG_GATEWAY_SUBGRAPH_CATALOGUE_URL: servers[0]!.url,
      CIG_GATEWAY_SUBGRAPH_CUSTOM_URL: servers[1]!.url,
      CIG_LOG_LEVEL: 'silent',
    });
    const subgraphCalls: SubgraphCall[] = [];
    // Every attempt that reaches the network; cache hits and merged fetches make none.
    const onSubgraphCall = ({ url, headers }: SubgraphCall) => {
      subgraphCalls.push({ url, headers });
    };
    const gateway = createGateway({ config, logger, onSubgraphCall, supergraphSdl: await readFile(repoPath('schema/supergraph.graphql'), 'utf8') });
    const { url } = await gateway.start();
    const stopped = new Set<RunningSubgraph>();
    const close = async (server: RunningSubgraph) => {
      if (stopped.has(server)) return;
      stopped.add(server);
      await server.close();
    };
    return {
      url,
      subgraphCalls,
      internalSecret,
      async stopSubgraph(name) {
        await close(servers[name === 'catalogue' ? 0 : 1]!);
      },
      async stop() {
        await gateway.stop();
        await Promise.all(servers.map(close));
        await custom.close();
        await catalogue.close();
        await store.close();
      },
    };
  } catch (error) {
    await Promise.all(servers.map((server) => server.close()));
    await custom.close();
    await catalogue.close();
    await store.close();
    throw error;
  }
}
