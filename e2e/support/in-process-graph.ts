import { readFile } from 'node:fs/promises';
import { pino, type Logger } from 'pino';
import { createGateway, loadGatewayConfig } from '@cancer-imaging/gateway';
import { loadRegistry, type RunningSubgraph } from '@cancer-imaging/provider-kit';
import { createCatalogueSubgraph } from '@cancer-imaging/subgraph-catalogue';
import { createCustomSubgraph } from '@cancer-imaging/subgraph-custom';
import { startSubgraphServer } from '@cancer-imaging/provider-kit';
import { repoPath } from '../../scripts/generate/paths.js';

export interface InProcessGraph {
  /** The gateway's GraphQL endpoint. */
  readonly url: string;
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
}

/**
 * The demo graph (catalogue, custom kind, gateway) in this process, each on a free
 * loopback port, planned by the committed supergraph: what the SDK tests and examples
 * run against without spawning processes.
 */
export async function startInProcessGraph(options: StartInProcessGraphOptions = {}): Promise<InProcessGraph> {
  const logger = options.logger ?? pino({ level: 'silent' });
  const registry = await loadRegistry(options.registryPath ?? repoPath('config/demo/registry.yaml'));
  const catalogue = createCatalogueSubgraph({ registry, logger });
  const custom = await createCustomSubgraph({ registry, pseudonymSecret: 'in-process-graph-secret-0123456789', logger });
  const servers: RunningSubgraph[] = [];
  try {
    servers.push(await startSubgraphServer({ name: 'catalogue', schema: catalogue.schema, logger, context: () => ({}) }));
    servers.push(await custom.listen());
    const config = loadGatewayConfig({
      ...options.gatewayEnv,
      CIG_GATEWAY_PORT: '0',
      CIG_GATEWAY_SUBGRAPH_CATALOGUE_URL: servers[0]!.url,
      CIG_GATEWAY_SUBGRAPH_CUSTOM_URL: servers[1]!.url,
      CIG_LOG_LEVEL: 'silent',
    });
    const gateway = createGateway({ config, logger, supergraphSdl: await readFile(repoPath('schema/supergraph.graphql'), 'utf8') });
    const { url } = await gateway.start();
    const stopped = new Set<RunningSubgraph>();
    const close = async (server: RunningSubgraph) => {
      if (stopped.has(server)) return;
      stopped.add(server);
      await server.close();
    };
    return {
      url,
      async stopSubgraph(name) {
        await close(servers[name === 'catalogue' ? 0 : 1]!);
      },
      async stop() {
        await gateway.stop();
        await Promise.all(servers.map(close));
        await custom.close();
        await catalogue.close();
      },
    };
  } catch (error) {
    await Promise.all(servers.map((server) => server.close()));
    await custom.close();
    await catalogue.close();
    throw error;
  }
}
