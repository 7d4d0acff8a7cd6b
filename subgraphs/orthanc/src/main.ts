import { loadRegistry } from '@cancer-imaging/provider-kit';
import { pino } from 'pino';
import { loadOrthancConfig } from './config.js';
import { createOrthancSubgraph } from './server.js';

// The Orthanc kind subgraph as a process: the only module that touches `process`.
const config = loadOrthancConfig(process.env);
const logger = pino({ name: 'orthanc', level: config.logLevel, redact: ['*.authorization', '*.password', '*.headers.authorization', '*.token'] });

try {
  const registry = await loadRegistry(config.registryPath);
  const subgraph = await createOrthancSubgraph({ registry, pseudonymSecret: config.pseudonymSecret, logger, env: process.env });
  logger.info({ sites: [...subgraph.sites.keys()] }, 'orthanc sites loaded');
  const running = await subgraph.listen({ port: config.port, host: config.host });
  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'orthanc subgraph stopping');
    const deadline = setTimeout(() => process.exit(1), 10_000);
    Promise.all([running.close(), subgraph.close()]).then(
      () => { clearTimeout(deadline); process.exit(0); },
      (error: unknown) => { logger.error({ err: error }, 'orthanc subgraph did not stop cleanly'); process.exit(1); },
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
} catch (error) {
  logger.fatal({ err: error }, 'orthanc subgraph failed to start');
  process.exit(1);
}
