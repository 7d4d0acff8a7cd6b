import { pino, type DestinationStream, type Logger } from 'pino';
import { ANONYMOUS, createCallerResolver, loadRegistry, openGraphStore, startSubgraphServer, type RunningSubgraph } from '@cancer-imaging/provider-kit';
import { createNegotiatorClient } from './access/negotiator.js';
import type { CatalogueConfig, LogLevel } from './config.js';
import { createCatalogueSubgraph } from './server.js';

/**
 * Paths pino blanks out. The catalogue logs no request payloads today; these keep a future
 * `logger.info({ headers })` from writing the gateway's forwarded claims or a token.
 */
const LOG_REDACT_PATHS = [
  'headers.authorization', 'headers.cookie', '*.headers.authorization', '*.headers.cookie', '*.token', '*.password',
  // A PostgreSQL URL carries its password.
  'databaseUrl', '*.databaseUrl',
];

/** The catalogue's logger: JSON lines, with credentials redacted. */
export function createCatalogueLogger(level: LogLevel, destination?: DestinationStream): Logger {
  return pino({ name: 'catalogue', level, redact: LOG_REDACT_PATHS }, destination);
}

export interface StartCatalogueOptions {
  readonly config: CatalogueConfig;
  readonly logger: Logger;
}

/**
 * Loads the registry named by the config, opens the graph store (CIG_DATABASE_URL, else the
 * embedded SQLite file, migrated on open) and serves the catalogue subgraph over HTTP.
 */
export async function startCatalogue({ config, logger }: StartCatalogueOptions): Promise<RunningSubgraph> {
  const registry = await loadRegistry(config.registryPath);
  const store = await openGraphStore(config.databaseUrl, {
    defaultSqlitePath: config.defaultDatabasePath,
    onBackgroundError: (error) => logger.warn({ err: error }, 'graph store connection error'),
  });
  let server: RunningSubgraph;
  try {
    // Without a secret (development only; production refuses to start) nobody can be
    // verified, so every caller is anonymous: aggregates work, the access workflow does not.
    if (!config.internalSecret) logger.warn('CIG_INTERNAL_SECRET is not set: every caller is anonymous');
    const resolveCaller = config.internalSecret
      ? createCallerResolver({ secret: config.internalSecret, store, logger })
      : () => ANONYMOUS;
    const subgraph = createCatalogueSubgraph({
      registry, logger, store, resolveCaller,
      ...(config.negotiator && { negotiator: createNegotiatorClient(config.negotiator) }),
    });
    logger.info({ store: store.kind }, 'graph store open');
    server = await startSubgraphServer({
      name: 'catalogue',
      schema: subgraph.schema,
      logger,
      host: config.host,
      port: config.port,
      context: (request) => subgraph.createContext(request),
    });
  } catch (error) {
    await store.close();
    throw error;
  }
  return {
    ...server,
    async close() {
      await server.close();
      await store.close();
    },
  };
}
