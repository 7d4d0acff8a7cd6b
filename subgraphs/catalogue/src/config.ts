import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';

/**
 * The catalogue's settings, parsed once from the environment it is handed (main.ts passes
 * `process.env`; nothing else reads it).
 */

/** The repository root: src/ (or dist/) → catalogue → subgraphs → root. */
export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

export const DEFAULT_REGISTRY = 'config/demo/registry.yaml';

export const DEFAULT_DATABASE = '.cache/catalogue/catalogue.sqlite';

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
   * The catalogue's own database (saved cohorts): a SQLite file, relative to the repository
   * root, or `:memory:` to keep nothing across restarts.
   */
  CIG_CATALOGUE_DATABASE: z.string().min(1).default(DEFAULT_DATABASE),
});

export type LogLevel = (typeof LOG_LEVELS)[number];

export interface CatalogueConfig {
  readonly port: number;
  readonly host: string;
  /** Absolute path of the registry file. */
  readonly registryPath: string;
  readonly logLevel: LogLevel;
  /** Absolute path of the SQLite file, or `:memory:`. */
  readonly databasePath: string;
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
  return {
    port: parsed.data.CIG_CATALOGUE_PORT,
    host: parsed.data.CIG_CATALOGUE_HOST,
    registryPath: path.resolve(repoRoot, parsed.data.CIG_REGISTRY),
    logLevel: parsed.data.CIG_LOG_LEVEL,
    databasePath: parsed.data.CIG_CATALOGUE_DATABASE === ':memory:' ? ':memory:' : path.resolve(repoRoot, parsed.data.CIG_CATALOGUE_DATABASE),
  };
}
