import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

/** A development-only pseudonym key, refused in production. */
const DEVELOPMENT_SECRET = 'cig-development-pseudonym-secret-do-not-deploy';

const envSchema = z.object({
  CIG_CUSTOM_PORT: z.coerce.number().int().min(0).max(65535).default(4002),
  CIG_CUSTOM_HOST: z.string().default('127.0.0.1'),
  CIG_REGISTRY: z.string().default(path.join(REPO_ROOT, 'config/demo/registry.yaml')),
  /** Where the demo index is built (once, then reused while the spec is unchanged). */
  CIG_CUSTOM_CACHE_DIR: z.string().default(path.join(REPO_ROOT, '.cache/demo')),
  /** HMAC key of subject pseudonyms; required in production. */
  CIG_CUSTOM_PSEUDONYM_SECRET: z.string().min(16).optional(),
  CIG_CUSTOM_ENV: z.enum(['development', 'production']).default('development'),
  CIG_LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

export interface CustomSubgraphConfig {
  readonly port: number;
  readonly host: string;
  readonly registryPath: string;
  readonly cacheDir: string;
  readonly pseudonymSecret: string;
  readonly logLevel: string;
}

export function loadCustomConfig(env: Readonly<Record<string, string | undefined>>): CustomSubgraphConfig {
  const parsed = envSchema.parse(env);
  if (!parsed.CIG_CUSTOM_PSEUDONYM_SECRET && parsed.CIG_CUSTOM_ENV === 'production') {
    throw new Error('CIG_CUSTOM_PSEUDONYM_SECRET must be set in production (at least 16 characters).');
  }
  return {
    port: parsed.CIG_CUSTOM_PORT,
    host: parsed.CIG_CUSTOM_HOST,
    registryPath: path.resolve(parsed.CIG_REGISTRY),
    cacheDir: path.resolve(parsed.CIG_CUSTOM_CACHE_DIR),
    pseudonymSecret: parsed.CIG_CUSTOM_PSEUDONYM_SECRET ?? DEVELOPMENT_SECRET,
    logLevel: parsed.CIG_LOG_LEVEL,
  };
}
