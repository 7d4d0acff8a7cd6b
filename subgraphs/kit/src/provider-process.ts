import path from 'node:path';
import { pino, type Logger } from 'pino';
import { z } from 'zod';
import type { ProviderSubgraph } from './create-provider-subgraph.js';
import { loadRegistry, type Registry } from './registry.js';

/** A development-only pseudonym key, refused in production. */
const DEVELOPMENT_SECRET = 'cig-development-pseudonym-secret-do-not-deploy';

export interface ProviderProcessConfig {
  readonly kind: string;
  readonly port: number;
  readonly host: string;
  readonly registryPath: string;
  /** Keys subject pseudonyms and retrieve links. */
  readonly pseudonymSecret: string;
  readonly logLevel: string;
}

/**
 * The settings every kind subgraph process reads, by the house naming: CIG_<KIND>_PORT,
 * CIG_<KIND>_HOST, CIG_<KIND>_PSEUDONYM_SECRET (required when CIG_<KIND>_ENV=production),
 * CIG_REGISTRY and CIG_LOG_LEVEL.
 */
export function loadProviderProcessConfig(
  kind: string,
  env: Readonly<Record<string, string | undefined>>,
  defaults: { port: number; registryPath: string },
): ProviderProcessConfig {
  const prefix = `CIG_${kind.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`;
  const schema = z.object({
    [`${prefix}_PORT`]: z.coerce.number().int().min(0).max(65535).default(defaults.port),
    [`${prefix}_HOST`]: z.string().default('127.0.0.1'),
    [`${prefix}_PSEUDONYM_SECRET`]: z.string().min(16).optional(),
    [`${prefix}_ENV`]: z.enum(['development', 'production']).default('development'),
    CIG_REGISTRY: z.string().default(defaults.registryPath),
    CIG_LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  });
  const present = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined && value !== ''));
  const parsed = schema.parse(present) as Record<string, string | number | undefined>;
  const secret = parsed[`${prefix}_PSEUDONYM_SECRET`] as string | undefined;
  if (!secret && parsed[`${prefix}_ENV`] === 'production') {
    throw new Error(`${prefix}_PSEUDONYM_SECRET must be set in production (at least 16 characters).`);
  }
  return {
    kind,
    port: parsed[`${prefix}_PORT`] as number,
    host: parsed[`${prefix}_HOST`] as string,
    registryPath: path.resolve(parsed.CIG_REGISTRY as string),
    pseudonymSecret: secret ?? DEVELOPMENT_SECRET,
    logLevel: parsed.CIG_LOG_LEVEL as string,
  };
}

/** Paths pino blanks out in every kind subgraph's log lines. */
export const PROVIDER_LOG_REDACT = ['*.authorization', '*.password', '*.secret', '*.token', '*.cookie', '*.headers.authorization', '*.headers.cookie', '*.patientId', '*.patientName'];

/**
 * Runs a kind subgraph as a process: loads the registry, builds the subgraph, listens, and
 * stops cleanly on SIGINT/SIGTERM. Only a main.ts calls it: it owns `process`.
 */
export async function runProviderProcess(options: {
  config: ProviderProcessConfig;
  build: (registry: Registry, logger: Logger, config: ProviderProcessConfig) => Promise<ProviderSubgraph>;
}): Promise<void> {
  const { config } = options;
  const logger = pino({ name: config.kind, level: config.logLevel, redact: PROVIDER_LOG_REDACT });
  try {
    const registry = await loadRegistry(config.registryPath);
    const started = performance.now();
    const subgraph = await options.build(registry, logger, config);
    logger.info({ sites: [...subgraph.sites.keys()], readyInMs: Math.round(performance.now() - started) }, `${config.kind} sites loaded`);
    const running = await subgraph.listen({ port: config.port, host: config.host });
    let stopping = false;
    const stop = (signal: NodeJS.Signals) => {
      if (stopping) return;
      stopping = true;
      logger.info({ signal }, `${config.kind} subgraph stopping`);
      const deadline = setTimeout(() => process.exit(1), 10_000);
      Promise.all([running.close(), subgraph.close()]).then(
        () => { clearTimeout(deadline); process.exit(0); },
        (error: unknown) => { logger.error({ err: error }, `${config.kind} subgraph did not stop cleanly`); process.exit(1); },
      );
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  } catch (error) {
    logger.fatal({ err: error }, `${config.kind} subgraph failed to start`);
    process.exit(1);
  }
}
