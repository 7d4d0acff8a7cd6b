import { loadRegistry } from '@cancer-imaging/provider-kit';
import { pino } from 'pino';
import { loadCustomConfig } from './config.js';
import { createCustomSubgraph } from './server.js';

// The custom kind subgraph as a process: the only module that touches `process`.
const config = loadCustomConfig(process.env);
const logger = pino({ name: 'custom', level: config.logLevel, redact: ['*.authorization', '*.password', '*.token', '*.patientId', '*.patientName'] });

try {
  const registry = await loadRegistry(config.registryPath);
  const started = performance.now();
  const subgraph = await createCustomSubgraph({ registry, pseudonymSecret: config.pseudonymSecret, logger, cacheDir: config.cacheDir });
  logger.info({ sites: [...subgraph.sites.keys()], readyInMs: Math.round(performance.now() - started) }, 'custom sites loaded');
  const running = await subgraph.listen({ port: config.port, host: config.host });
  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'custom subgraph stopping');
    const deadline = setTimeout(() => process.exit(1), 10_000);
    Promise.all([running.close(), subgraph.close()]).then(
      () => { clearTimeout(deadline); process.exit(0); },
      (error: unknown) => { logger.error({ err: error }, 'custom subgraph did not stop cleanly'); process.exit(1); },
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
} catch (error) {
  logger.fatal({ err: error }, 'custom subgraph failed to start');
  process.exit(1);
}
