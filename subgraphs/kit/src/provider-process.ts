import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino, type Logger } from 'pino';
import { z } from 'zod';
import { MIN_INTERNAL_SECRET_LENGTH } from './auth/internal-claims.js';
import { createCallerResolver, type CallerResolver } from './auth/resolve-caller.js';
import type { ProviderSubgraph } from './create-provider-subgraph.js';
import { ANONYMOUS } from './privacy/access-policy.js';
import { loadRegistry, type Registry } from './registry.js';
import { openGraphStore } from './store/open-store.js';
import type { GraphStore } from './store/types.js';

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
  /** CIG_<KIND>_ENV. */
  readonly environment: 'development' | 'production';
  /**
   * CIG_INTERNAL_SECRET: verifies the caller header the gateway signs (the same value as the
   * gateway's). Undefined only in development, where every caller is then anonymous.
   */
  readonly internalSecret?: string;
  /** CIG_DATABASE_URL: the graph store (grants, audit log); undefined opens the embedded SQLite file. */
  readonly databaseUrl?: string;
  /** GET /metrics (the sites' calls and circuits; docs/providers.md). */
  readonly metrics: {
    /** CIG_<KIND>_METRICS; default on. Off: /metrics answers 404. */
    readonly enabled: boolean;
    /** CIG_<KIND>_METRICS_TOKEN: when set, a scrape must send `authorization: Bearer <token>`. */
    readonly token?: string;
  };
}

/** A boolean variable: true/false, 1/0, yes/no, on/off (as the gateway reads its flags). */
const flag = z.string().trim().toLowerCase()
  .pipe(z.enum(['true', 'false', '1', '0', 'yes', 'no', 'on', 'off'], 'must be true or false'))
  .transform((value) => ['true', '1', 'yes', 'on'].includes(value));

/** The embedded graph store every service of a checkout shares unless CIG_DATABASE_URL names another. */
export const DEFAULT_GRAPH_DATABASE_PATH = fileURLToPath(new URL('../../../.cache/graph/graph.sqlite', import.meta.url));

/**
 * The settings every kind subgraph process reads, by the house naming: CIG_<KIND>_PORT,
 * CIG_<KIND>_HOST, CIG_<KIND>_PSEUDONYM_SECRET and CIG_INTERNAL_SECRET (both required when
 * CIG_<KIND>_ENV=production), CIG_<KIND>_METRICS and CIG_<KIND>_METRICS_TOKEN, CIG_DATABASE_URL,
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
    [`${prefix}_METRICS`]: flag.default(true),
    [`${prefix}_METRICS_TOKEN`]: z.string().trim().min(16, `${prefix}_METRICS_TOKEN must be at least 16 characters.`).optional(),
    CIG_REGISTRY: z.string().default(defaults.registryPath),
    CIG_LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    CIG_INTERNAL_SECRET: z.string().min(MIN_INTERNAL_SECRET_LENGTH, `CIG_INTERNAL_SECRET must be at least ${MIN_INTERNAL_SECRET_LENGTH} characters.`).optional(),
    CIG_DATABASE_URL: z.string().optional(),
  });
  const present = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined && value !== ''));
  const parsed = schema.parse(present) as Record<string, string | number | boolean | undefined>;
  const secret = parsed[`${prefix}_PSEUDONYM_SECRET`] as string | undefined;
  if (!secret && parsed[`${prefix}_ENV`] === 'production') {
    throw new Error(`${prefix}_PSEUDONYM_SECRET must be set in production (at least 16 characters).`);
  }
  const internalSecret = parsed.CIG_INTERNAL_SECRET as string | undefined;
  const metricsToken = parsed[`${prefix}_METRICS_TOKEN`] as string | undefined;
  if (!internalSecret && parsed[`${prefix}_ENV`] === 'production') {
    throw new Error(`CIG_INTERNAL_SECRET must be set in production (at least ${MIN_INTERNAL_SECRET_LENGTH} characters, the gateway's value): without it no caller can be verified.`);
  }
  return {
    kind,
    port: parsed[`${prefix}_PORT`] as number,
    host: parsed[`${prefix}_HOST`] as string,
    registryPath: path.resolve(parsed.CIG_REGISTRY as string),
    pseudonymSecret: secret ?? DEVELOPMENT_SECRET,
    logLevel: parsed.CIG_LOG_LEVEL as string,
    environment: parsed[`${prefix}_ENV`] as 'development' | 'production',
    metrics: { enabled: parsed[`${prefix}_METRICS`] as boolean, ...(metricsToken !== undefined && { token: metricsToken }) },
    ...(internalSecret && { internalSecret }),
    ...(parsed.CIG_DATABASE_URL !== undefined && { databaseUrl: parsed.CIG_DATABASE_URL as string }),
  };
}

/** What a kind's build function passes on to its subgraph factory: who is calling, and where reads are audited. */
export interface ProviderAccess {
  /** Verifies the gateway's caller header; adds the store's grants. */
  readonly resolveCaller: CallerResolver;
  /** The graph store: grants to read, the audit log to append to. */
  readonly store: GraphStore;
}

/**
 * Opens the graph store (CIG_DATABASE_URL, else the embedded SQLite file) and builds the
 * caller resolver over it. In development without CIG_INTERNAL_SECRET every caller is
 * anonymous (a warning says so): a well-known fallback key would let anyone forge callers.
 */
export async function openProviderAccess(
  config: ProviderProcessConfig,
  logger: Logger,
  options: { defaultDatabasePath?: string } = {},
): Promise<ProviderAccess> {
  const store = await openGraphStore(config.databaseUrl, {
    defaultSqlitePath: options.defaultDatabasePath ?? DEFAULT_GRAPH_DATABASE_PATH,
    onBackgroundError: (error) => logger.warn({ err: error }, 'graph store connection error'),
  });
  if (!config.internalSecret) {
    logger.warn('CIG_INTERNAL_SECRET is not set: every caller is anonymous, so record-level data stays closed (development only).');
    return { store, resolveCaller: () => Promise.resolve(ANONYMOUS) };
  }
  return { store, resolveCaller: createCallerResolver({ secret: config.internalSecret, store, logger }) };
}

/** Paths pino blanks out in every kind subgraph's log lines. */
export const PROVIDER_LOG_REDACT = [
  '*.authorization', '*.password', '*.secret', '*.token', '*.cookie', '*.headers.authorization', '*.headers.cookie', '*.patientId', '*.patientName',
  // The signed caller header is a bearer credential for a minute; database URLs may hold a password.
  '*.internalSecret', '*.databaseUrl', '*.headers["x-cig-caller"]', '*.metrics.token',
];

/**
 * Runs a kind subgraph as a process: loads the registry, opens the graph store, builds the
 * subgraph (the build function must pass `access` on to the kind's factory: without it the
 * subgraph sees only anonymous callers and refuses record-level reads), listens, and stops
 * cleanly on SIGINT/SIGTERM. Only a main.ts calls it: it owns `process`.
 */
export async function runProviderProcess(options: {
  config: ProviderProcessConfig;
  build: (registry: Registry, logger: Logger, config: ProviderProcessConfig, access: ProviderAccess) => Promise<ProviderSubgraph>;
}): Promise<void> {
  const { config } = options;
  const logger = pino({ name: config.kind, level: config.logLevel, redact: PROVIDER_LOG_REDACT });
  let access: ProviderAccess | undefined;
  try {
    const registry = await loadRegistry(config.registryPath);
    const started = performance.now();
    access = await openProviderAccess(config, logger);
    const subgraph = await options.build(registry, logger, config, access);
    const { store } = access;
    logger.info({ sites: [...subgraph.sites.keys()], readyInMs: Math.round(performance.now() - started) }, `${config.kind} sites loaded`);
    const running = await subgraph.listen({
      port: config.port, host: config.host,
      metrics: config.metrics.enabled && (config.metrics.token !== undefined ? { token: config.metrics.token } : {}),
    });
    logger.info({ metrics: config.metrics.enabled ? (config.metrics.token ? 'token' : 'open') : 'off' }, `${config.kind} subgraph metrics (GET /metrics)`);
    let stopping = false;
    const stop = (signal: NodeJS.Signals) => {
      if (stopping) return;
      stopping = true;
      logger.info({ signal }, `${config.kind} subgraph stopping`);
      const deadline = setTimeout(() => process.exit(1), 10_000);
      Promise.all([running.close(), subgraph.close()]).then(() => store.close()).then(
        () => { clearTimeout(deadline); process.exit(0); },
        (error: unknown) => { logger.error({ err: error }, `${config.kind} subgraph did not stop cleanly`); process.exit(1); },
      );
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  } catch (error) {
    logger.fatal({ err: error }, `${config.kind} subgraph failed to start`);
    await access?.store.close().catch(() => {});
    process.exit(1);
  }
}
