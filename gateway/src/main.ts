import cluster from 'node:cluster';
import { pino, type Logger } from 'pino';
import { loadGatewayConfig, type GatewayConfig } from './config.js';

// The only module that touches `process`: env, cwd, signals, IPC and the exit code.
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

if (config.cluster.workers > 1 && cluster.isPrimary) await runPrimary(config, logger);
else await runGateway(config, logger);

/**
 * Cluster mode (CIG_GATEWAY_WORKERS > 1): this process only forks and watches the workers,
 * each of which runs this module again as a gateway on the same port.
 */
async function runPrimary(config: GatewayConfig, logger: Logger): Promise<void> {
  const log = logger.child({ role: 'primary' });
  const [{ startClusterPrimary }, { workerExecArgv }] = await Promise.all([import('./cluster/primary.js'), import('./cluster/heap-limit.js')]);
  if (config.rateLimit.redisUrl === undefined) {
    // Workers share nothing but Redis: without it each keeps its own counters and caches.
    log.warn(
      { workers: config.cluster.workers },
      `CIG_REDIS_URL is not set: each of the ${config.cluster.workers} workers keeps its own rate-limit counters and response cache, so a caller may get up to ${config.cluster.workers} times the rate limit`,
    );
  }
  // Workers get a V8 heap limit (heap-limit.ts): a flag that only works at process start.
  const execArgv = workerExecArgv(process.execArgv, process.env['NODE_OPTIONS'], config.cluster.heapMb);
  cluster.setupPrimary({ execArgv });
  log.info({ workers: config.cluster.workers, execArgv }, 'starting the gateway cluster');
  const primary = startClusterPrimary({ cluster, workers: config.cluster.workers, shutdownTimeoutMs: config.cluster.shutdownTimeoutMs, logger: log });

  let stopping = false;
  const shutdown = (signal: NodeJS.Signals | 'start-up failure') => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'stopping the gateway cluster');
    void primary.stop().then((code) => {
      log.info({ code }, 'gateway cluster stopped');
      process.exit(signal === 'start-up failure' ? 1 : code);
    });
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
  try {
    const url = await primary.started;
    log.info({ graphql: url, workers: config.cluster.workers, primaryPid: process.pid }, `gateway cluster listening: ${url}`);
  } catch (error) {
    log.fatal({ err: error, supergraph: config.supergraphPath }, 'gateway failed to start');
    shutdown('start-up failure');
  }
}

/** One gateway: the whole gateway in single-process mode, or one worker of a cluster. */
async function runGateway(config: GatewayConfig, logger: Logger): Promise<void> {
  // Imported here, so a cluster primary never loads Apollo or the tracing SDK.
  const [{ createGateway }, { startTracing }, { createWorkerLink }, { hasHeapLimit }] = await Promise.all([
    import('./server.js'),
    import('./tracing/tracing.js'),
    import('./cluster/worker-link.js'),
    import('./cluster/heap-limit.js'),
  ]);
  // Before the gateway starts, so Apollo's first spans already have a provider.
  const tracing = await startTracing({ config: config.tracing, logger, attributes: { 'process.pid': process.pid } });
  const link = cluster.isWorker
    ? createWorkerLink({
        channel: {
          send: (message) => {
            if (!process.send) throw new Error('no IPC channel');
            process.send(message);
          },
          on: (event, listener) => process.on(event, listener),
          off: (event, listener) => process.off(event, listener),
        },
      })
    : undefined;

  try {
    // Read from config.supergraphPath by the gateway itself, which then watches the file and
    // swaps in a recomposed supergraph without a restart (CIG_GATEWAY_SUPERGRAPH_POLL_MS).
    const gateway = createGateway({ config, logger, ...(link && { metricsSource: link }) });
    const { url } = await gateway.start();
    // In a cluster the primary announces the address once for all workers.
    if (!link) logger.info({ graphql: url, graphiql: new URL('/graphiql', url).href }, `GraphiQL: ${new URL('/graphiql', url).href}`);
    if (!link && config.env === 'production' && config.cluster.heapMb > 0 && !hasHeapLimit(process.execArgv, process.env['NODE_OPTIONS'])) {
      // A process cannot give itself the limit; without it V8 lets the heap grow lazily to hundreds of MB.
      logger.warn({ heapMb: config.cluster.heapMb }, `no V8 heap limit: start the gateway with node --max-old-space-size=${config.cluster.heapMb} (docs/operations.md)`);
    }

    let stopping = false;
    const shutdown = (reason: NodeJS.Signals | 'primary') => {
      if (stopping) return;
      stopping = true;
      logger.info({ reason }, 'stopping');
      // A stop that hangs (a connection that will not close, a collector that does not answer) must not keep the process forever.
      setTimeout(() => {
        logger.error({ timeoutMs: config.cluster.shutdownTimeoutMs }, 'did not stop in time; exiting');
        process.exit(1);
      }, config.cluster.shutdownTimeoutMs).unref();
      gateway
        .stop()
        .then(
          () => 0,
          (error: unknown) => {
            logger.error({ err: error }, 'stop failed');
            return 1;
          },
        )
        // After the gateway: the spans of the last requests are flushed too.
        .then(async (code) => {
          await tracing.shutdown();
          link?.close();
          process.exit(code);
        });
    };
    process.once('SIGTERM', shutdown);
    if (link) {
      // The primary coordinates a cluster's shutdown: Ctrl-C reaches every process of the
      // group, and a worker stopping on its own would look like a crash to the primary.
      process.on('SIGINT', () => undefined);
      link.onShutdown(() => shutdown('primary'));
    } else {
      process.once('SIGINT', shutdown);
    }
  } catch (error) {
    logger.fatal({ err: error, supergraph: config.supergraphPath }, 'gateway failed to start');
    await tracing.shutdown();
    link?.close();
    // A worker's IPC channel would keep it alive; the primary sees the exit and gives up.
    if (link) process.exit(1);
    process.exitCode = 1;
  }
}
