import { pino, type DestinationStream, type Logger } from 'pino';
import { loadRegistry, startSubgraphServer, type RunningSubgraph } from '@cancer-imaging/provider-kit';
import type { CatalogueConfig, LogLevel } from './config.js';
import { openSqliteCohortStore } from './cohorts/cohort-store.js';
import { createCatalogueSubgraph } from './server.js';

/**
 * Paths pino blanks out. The catalogue logs no request payloads today; these keep a future
 * `logger.info({ headers })` from writing the gateway's forwarded claims or a token.
 */
const LOG_REDACT_PATHS = ['headers.authorization', 'headers.cookie', '*.headers.authorization', '*.headers.cookie', '*.token', '*.password'];

/** The catalogue's logger: JSON lines, with credentials redacted. */
export function createCatalogueLogger(level: LogLevel, destination?: DestinationStream): Logger {
  return pino({ name: 'catalogue', level, redact: LOG_REDACT_PATHS }, destination);
}

export interface StartCatalogueOptions {
  readonly config: CatalogueConfig;
  readonly logger: Logger;
}

/** Loads the registry named by the config and serves the catalogue subgraph over HTTP. */
export async function startCatalogue({ config, logger }: StartCatalogueOptions): Promise<RunningSubgraph> {
  const registry = await loadRegistry(config.registryPath);
  const cohortStore = openSqliteCohortStore(config.databasePath);
  let subgraph: ReturnType<typeof createCatalogueSubgraph>;
  try {
    subgraph = createCatalogueSubgraph({ registry, logger, cohortStore });
  } catch (error) {
    await cohortStore.close();
    throw error;
  }
  const server = await startSubgraphServer({
    name: 'catalogue',
    schema: subgraph.schema,
    logger,
    host: config.host,
    port: config.port,
    // Catalogue fields are public metadata: no per-request state is needed.
    context: () => ({}),
  });
  return {
    ...server,
    async close() {
      await server.close();
      await subgraph.close();
    },
  };
}
