import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { MIN_INTERNAL_SECRET_LENGTH } from '@cancer-imaging/provider-kit';
import { parseStoreUrl } from '@cancer-imaging/provider-kit';

/**
 * The catalogue's settings, parsed once from the environment it is handed (main.ts passes
 * `process.env`; nothing else reads it).
 */

/** The repository root: src/ (or dist/) → catalogue → subgraphs → root. */
export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

export const DEFAULT_REGISTRY = 'config/demo/registry.yaml';

/**
 * The embedded graph store, relative to the repository root: one SQLite file the catalogue
 * and the kind subgraphs of a checkout share (saved cohorts, access requests, grants, audit).
 */
export const DEFAULT_DATABASE = '.cache/graph/graph.sqlite';

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

const envSchema = z.object({
  /** Port to listen on; 0 picks a free one. */
  CIG_CATALOGUE_PORT: z.coerce.number().int().min(0).max(65_535).default(4001),
  /** Loopback by default: the catalogue sits behind the gateway. */
  CIG_CATALOGUE_HOST: z.string().min(1).default('127.0.0.1'),
  /** Registry file; a relative path resolves against the repository root, not the cwd. */
  CIG_REGISTRY: z.string().min(1).default(DEFAULT_REGISTRY),
  CIG_LOG_LEVEL: z.enum(LOG_LEVELS).default('info'),
  /**
   * The graph store every service of the deployment shares: `postgres://…`/`postgresql://…`,
   * `sqlite:/absolute/path` or `sqlite::memory:` (nothing kept across restarts). Unset: the
   * embedded SQLite file DEFAULT_DATABASE. Never logged: it may hold a password.
   */
  CIG_DATABASE_URL: z.string().min(1).optional().superRefine((url, context) => {
    if (url === undefined) return;
    try {
      parseStoreUrl(url);
    } catch (error) {
      context.addIssue({ code: 'custom', message: error instanceof Error ? error.message : String(error) });
    }
  }),
  /** development (default) or production: production requires CIG_INTERNAL_SECRET. */
  CIG_CATALOGUE_ENV: z.enum(['development', 'production']).default('development'),
  /** Verifies the caller header the gateway signs; the same value in every service. */
  CIG_INTERNAL_SECRET: z.string().min(MIN_INTERNAL_SECRET_LENGTH, `CIG_INTERNAL_SECRET must be at least ${MIN_INTERNAL_SECRET_LENGTH} characters.`).optional(),
  /** A BBMRI-ERIC Negotiator (v3) to hand access requests over to; unset: no hand-over. */
  CIG_CATALOGUE_NEGOTIATOR_URL: z.url().optional(),
  CIG_CATALOGUE_NEGOTIATOR_USERNAME: z.string().min(1).optional(),
  CIG_CATALOGUE_NEGOTIATOR_PASSWORD: z.string().min(1).optional(),
  /** This deployment's public URL, as registered with the Negotiator (its discovery service URL). */
  CIG_CATALOGUE_PUBLIC_URL: z.url().optional(),
});

export type LogLevel = (typeof LOG_LEVELS)[number];

export interface CatalogueConfig {
  readonly port: number;
  readonly host: string;
  /** Absolute path of the registry file. */
  readonly registryPath: string;
  readonly logLevel: LogLevel;
  /** CIG_DATABASE_URL, checked; undefined opens the SQLite file at defaultDatabasePath. */
  readonly databaseUrl?: string;
  /** Absolute path of the embedded SQLite file (DEFAULT_DATABASE under the repository root). */
  readonly defaultDatabasePath: string;
  readonly env: 'development' | 'production';
  /** Undefined in development without one: every caller is then anonymous. */
  readonly internalSecret?: string;
  readonly negotiator?: { readonly baseUrl: string; readonly username: string; readonly password: string; readonly discoveryServiceUrl: string };
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/**
 * Parses the catalogue's env vars. Empty values count as unset, as a shell's `VAR=` means
 * "no value" far more often than "the empty string".
 */
export function parseCatalogueConfig(
  env: Readonly<Record<string, string | undefined>>,
  repoRoot: string = REPO_ROOT,
): CatalogueConfig {
  const own = Object.fromEntries(
    Object.keys(envSchema.shape).map((name) => [name, env[name] === '' ? undefined : env[name]]),
  );
  const parsed = envSchema.safeParse(own);
  if (!parsed.success) throw new ConfigError(`Invalid catalogue configuration:\n${z.prettifyError(parsed.error)}`);
  if (parsed.data.CIG_CATALOGUE_ENV === 'production' && !parsed.data.CIG_INTERNAL_SECRET) {
    throw new ConfigError('Invalid catalogue configuration: CIG_INTERNAL_SECRET is required in production.');
  }
  const n = parsed.data;
  const negotiatorSet = [n.CIG_CATALOGUE_NEGOTIATOR_URL, n.CIG_CATALOGUE_NEGOTIATOR_USERNAME, n.CIG_CATALOGUE_NEGOTIATOR_PASSWORD, n.CIG_CATALOGUE_PUBLIC_URL];
  if (negotiatorSet.some((v) => v !== undefined) && !negotiatorSet.every((v) => v !== undefined)) {
    throw new ConfigError('Invalid catalogue configuration: the Negotiator hand-over needs CIG_CATALOGUE_NEGOTIATOR_URL, _USERNAME, _PASSWORD and CIG_CATALOGUE_PUBLIC_URL together.');
  }
  const negotiator = n.CIG_CATALOGUE_NEGOTIATOR_URL
    ? { baseUrl: n.CIG_CATALOGUE_NEGOTIATOR_URL, username: n.CIG_CATALOGUE_NEGOTIATOR_USERNAME!, password: n.CIG_CATALOGUE_NEGOTIATOR_PASSWORD!, discoveryServiceUrl: n.CIG_CATALOGUE_PUBLIC_URL! }
    : undefined;
  return {
    port: parsed.data.CIG_CATALOGUE_PORT,
    host: parsed.data.CIG_CATALOGUE_HOST,
    registryPath: path.resolve(repoRoot, parsed.data.CIG_REGISTRY),
    logLevel: parsed.data.CIG_LOG_LEVEL,
    ...(parsed.data.CIG_DATABASE_URL !== undefined && { databaseUrl: parsed.data.CIG_DATABASE_URL }),
    defaultDatabasePath: path.resolve(repoRoot, DEFAULT_DATABASE),
    env: parsed.data.CIG_CATALOGUE_ENV,
    ...(parsed.data.CIG_INTERNAL_SECRET !== undefined && { internalSecret: parsed.data.CIG_INTERNAL_SECRET }),
    ...(negotiator && { negotiator }),
  };
}
