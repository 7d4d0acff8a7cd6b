import { parseCatalogueConfig, type CatalogueConfig } from './config.js';
import { createCatalogueLogger, startCatalogue } from './start.js';

/**
 * Entry point: the only module that touches `process`. Reads the env once, starts the
 * catalogue, and stops it cleanly on SIGINT/SIGTERM.
 */

/** How long a clean stop may take before the process gives up and exits 1. */
const STOP_DEADLINE_MS = 10_000;

function readConfig(): CatalogueConfig {
  try {
    return parseCatalogueConfig(process.env);
  } catch (error) {
    // No logger yet: its level is part of the config that failed.
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  }
}

const config = readConfig();
const logger = createCatalogueLogger(config.logLevel);

try {
  const running = await startCatalogue({ config, logger });
  let stopping = false;
  const stop = (signal: NodeJS.Signals): void => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'catalogue stopping');
    // A connection that never ends must not keep a stopping process alive for ever.
    const deadline = setTimeout(() => {
      logger.error({ deadlineMs: STOP_DEADLINE_MS }, 'catalogue did not stop in time');
      process.exit(1);
    }, STOP_DEADLINE_MS);
    running.close().then(
      () => {
        clearTimeout(deadline);
        logger.info('catalogue stopped');
        process.exit(0);
      },
      (error: unknown) => {
        logger.error({ err: error }, 'catalogue did not stop cleanly');
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
} catch (error) {
  logger.fatal({ err: error }, 'catalogue failed to start');
  process.exit(1);
}
