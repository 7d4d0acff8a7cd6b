import { pino, type Logger } from 'pino';
import { createGateway, loadGatewayConfig, toSubgraphEnvName, type Gateway } from '@cancer-imaging/gateway';
import { startSubgraphServer, type ProviderSubgraph, type Registry, type RunningSubgraph } from '@cancer-imaging/provider-kit';
import { createCatalogueSubgraph, type CatalogueSubgraph } from '@cancer-imaging/subgraph-catalogue';

export interface RunningGraph {
  /** The gateway's GraphQL endpoint. */
  readonly url: string;
  readonly gateway: Gateway;
  /**
   * Stops the catalogue and starts it again on the same port with another registry, as a
   * deployment restarts it after a registry change (it generates its types from the kinds).
   */
  restartCatalogue(registry: Registry): Promise<void>;
  stop(): Promise<void>;
}

export interface StartGraphOptions {
  /** The registry the catalogue starts with. */
  readonly registry: Registry;
  /** Kind subgraphs, each served on its own port; the gateway reaches each at CIG_GATEWAY_SUBGRAPH_<KIND>_URL. */
  readonly kinds: readonly ProviderSubgraph[];
  /** The supergraph file the gateway reads and watches. */
  readonly supergraphPath: string;
  readonly pollMs: number;
  readonly logger?: Logger;
}

/**
 * A graph of separate servers in this process: the catalogue, the given kind subgraphs and
 * the real gateway reading its supergraph from a file, as `npm start` runs them, but with
 * the gateway's URL overrides set for every kind up front: a kind the supergraph does not
 * have yet is simply not called until a recomposed supergraph names it.
 */
export async function startGraph(options: StartGraphOptions): Promise<RunningGraph> {
  const logger = options.logger ?? pino({ level: 'silent' });
  let catalogue: CatalogueSubgraph | undefined;
  let catalogueServer: RunningSubgraph | undefined;
  const kindServers: RunningSubgraph[] = [];

  const serveCatalogue = async (registry: Registry, port?: number) => {
    catalogue = createCatalogueSubgraph({ registry, logger });
    const current = catalogue;
    catalogueServer = await startSubgraphServer({ name: 'catalogue', schema: current.schema, logger, port, context: (request) => current.createContext(request) });
  };
  const stopCatalogue = async () => {
    await catalogueServer?.close();
    await catalogue?.close();
    catalogueServer = undefined;
    catalogue = undefined;
  };

  let gateway: Gateway | undefined;
  try {
    await serveCatalogue(options.registry);
    for (const kind of options.kinds) kindServers.push(await kind.listen());
    const overrides = Object.fromEntries(options.kinds.map((kind, index) => [`CIG_GATEWAY_SUBGRAPH_${toSubgraphEnvName(kind.kind)}_URL`, kindServers[index]!.url]));
    const config = loadGatewayConfig({
      CIG_GATEWAY_PORT: '0',
      CIG_GATEWAY_SUPERGRAPH: options.supergraphPath,
      CIG_GATEWAY_SUPERGRAPH_POLL_MS: String(options.pollMs),
      CIG_GATEWAY_SUBGRAPH_CATALOGUE_URL: catalogueServer!.url,
      CIG_GATEWAY_RATE_LIMIT: '0',
      CIG_LOG_LEVEL: 'silent',
      ...overrides,
    });
    gateway = createGateway({ config, logger });
    const { url } = await gateway.start();
    const running = gateway;
    return {
      url,
      gateway: running,
      async restartCatalogue(registry) {
        const port = catalogueServer!.port;
        await stopCatalogue();
        await serveCatalogue(registry, port);
      },
      async stop() {
        await running.stop();
        await stopCatalogue();
        await Promise.all(kindServers.map((server) => server.close()));
      },
    };
  } catch (error) {
    await gateway?.stop();
    await stopCatalogue();
    await Promise.all(kindServers.map((server) => server.close()));
    throw error;
  }
}
