import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pino, type Logger } from 'pino';
import { createGateway, loadGatewayConfig } from '@cancer-imaging/gateway';
import {
  startSubgraphServer, type ProviderAdapter, type ProviderSubgraph, type Registry, type RunningSubgraph, type SiteConfig,
} from '@cancer-imaging/provider-kit';
import { withInjectedFaults, type InjectedFaults } from '@cancer-imaging/provider-kit/testing';
import { createCatalogueSubgraph } from '@cancer-imaging/subgraph-catalogue';
import { createCustomSubgraph, toRegistryText } from '@cancer-imaging/subgraph-custom';
import { composeGraph } from '../../scripts/generate/compose.js';

/**
 * Composes the supergraph of a registry held in memory (a simulated one) with the same
 * composer as `npm run generate`, so the gateway plans against what the subgraphs of that
 * registry serve today rather than a committed file. The composer takes a path: the registry
 * goes through a temporary file.
 */
export async function composeSupergraphFor(registry: Registry): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'cig-sim-registry-'));
  try {
    const file = path.join(dir, 'registry.json');
    await writeFile(file, toRegistryText(registry));
    return (await composeGraph(file)).supergraphSdl;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export interface SimulatedGraphOptions {
  /** A registry of custom `demo:` sites, e.g. from buildSimulatedRegistry. */
  readonly registry: Registry;
  /** The faults injected at each site; undefined leaves a site as built. */
  readonly faultsOf?: (site: SiteConfig) => InjectedFaults | undefined;
  /** Where the demo index is built and cached; default `<repo>/.cache/demo`. */
  readonly cacheDir?: string;
  readonly logger?: Logger;
}

export interface SimulatedGraph {
  /** The gateway's GraphQL endpoint. */
  readonly url: string;
  /** The custom subgraph's own endpoint (what the gateway calls). */
  readonly customUrl: string;
  readonly custom: ProviderSubgraph;
  stop(): Promise<void>;
}

/**
 * The whole graph for a simulated federation in this process: catalogue, one custom
 * subgraph serving every site (each adapter wrapped with its injected faults) and the real
 * gateway, each on a free loopback port. For the 30-site e2e test and benchmarks.
 */
export async function startSimulatedGraph(options: SimulatedGraphOptions): Promise<SimulatedGraph> {
  const logger = options.logger ?? pino({ level: 'silent' });
  const { registry, faultsOf } = options;
  const supergraphSdl = await composeSupergraphFor(registry);
  const catalogue = createCatalogueSubgraph({ registry, logger });
  const custom = await createCustomSubgraph({
    registry, logger, pseudonymSecret: 'simulated-graph-secret-0123456789',
    ...(options.cacheDir && { cacheDir: options.cacheDir }),
    ...(faultsOf && {
      wrapAdapter: (site: SiteConfig, adapter: ProviderAdapter) => {
        const faults = faultsOf(site);
        return faults ? withInjectedFaults(adapter, faults) : adapter;
      },
    }),
  });
  const servers: RunningSubgraph[] = [];
  try {
    const catalogueServer = await startSubgraphServer({ name: 'catalogue', schema: catalogue.schema, logger, context: () => ({}) });
    servers.push(catalogueServer);
    const customServer = await custom.listen();
    servers.push(customServer);
    // Benchmarks measure the graph, not the per-caller rate limit they would hit at once.
    const config = loadGatewayConfig({
      CIG_GATEWAY_RATE_LIMIT: '0',
      CIG_GATEWAY_PORT: '0',
      CIG_GATEWAY_SUBGRAPH_CATALOGUE_URL: catalogueServer.url,
      CIG_GATEWAY_SUBGRAPH_CUSTOM_URL: customServer.url,
      CIG_LOG_LEVEL: 'silent',
    });
    const gateway = createGateway({ config, logger, supergraphSdl });
    const { url } = await gateway.start();
    return {
      url,
      customUrl: customServer.url,
      custom,
      async stop() {
        await gateway.stop();
        await Promise.all(servers.map((server) => server.close()));
        await custom.close();
      },
    };
  } catch (error) {
    await Promise.all(servers.map((server) => server.close()));
    await custom.close();
    throw error;
  }
}
