import { pino } from 'pino';
import { loadGatewayConfig, type GatewayConfig } from './config.js';
import { createGateway } from './server.js';

// The only module that touches `process`: env, cwd, signals and the exit code.
let config: GatewayConfig;
try {
  config = loadGatewayConfig(process.env, { cwd: process.cwd() });
} catch (error) {
  pino({ name: 'gateway' }).fatal({ err: error }, error instanceof Error ? error.message : 'invalid configuration');
  process.exit(1);
}
const logger = pino({
  name: 'gateway',
  level: config.logLevel,
  // Credentials never reach the log, even when a line carries request headers.
  redact: {
    paths: [
      'req.headers.authorization', 'req.headers.cookie', 'req.headers["x-cig-caller"]',
      'headers.authorization', 'headers.cookie', 'headers["x-cig-caller"]',
    ],
    censor: '[redacted]',
  },
});

try {
  // Read from config.supergraphPath by the gateway itself, which then watches the file and
  // swaps in a recomposed supergraph without a restart (CIG_GATEWAY_SUPERGRAPH_POLL_MS).
  const gateway = createGateway({ config, logger });
  const { url } = await gateway.start();
  logger.info({ graphql: url, graphiql: new URL('/graphiql', url).href }, `GraphiQL: ${new URL('/graphiql', url).href}`);

  let stopping = false;
  const shutdown = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'stopping');
    gateway.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error({ err: error }, 'stop failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
} catch (error) {
  logger.fatal({ err: error, supergraph: config.supergraphPath }, 'gateway failed to start');
  process.exitCode = 1;
}
