import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const DEVELOPMENT_SECRET = 'cig-development-pseudonym-secret-do-not-deploy';

const envSchema = z.object({
  CIG_ORTHANC_PORT: z.coerce.number().int().min(0).max(65535).default(4003),
  CIG_ORTHANC_HOST: z.string().default('127.0.0.1'),
  CIG_REGISTRY: z.string().default(path.join(REPO_ROOT, 'config/demo-orthanc/registry.yaml')),
  /** HMAC key of subject pseudonyms and retrieve links; required in production. */
  CIG_ORTHANC_PSEUDONYM_SECRET: z.string().min(16).optional(),
  CIG_ORTHANC_ENV: z.enum(['development', 'production']).default('development'),
  CIG_LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

export interface OrthancSubgraphConfig {
  readonly port: number;
  readonly host: string;
  readonly registryPath: string;
  readonly pseudonymSecret: string;
  readonly logLevel: string;
}

export function loadOrthancConfig(env: Readonly<Record<string, string | undefined>>): OrthancSubgraphConfig {
  const parsed = envSchema.parse(env);
  if (!parsed.CIG_ORTHANC_PSEUDONYM_SECRET && parsed.CIG_ORTHANC_ENV === 'production') {
    throw new Error('CIG_ORTHANC_PSEUDONYM_SECRET must be set in production (at least 16 characters).');
  }
  return {
    port: parsed.CIG_ORTHANC_PORT,
    host: parsed.CIG_ORTHANC_HOST,
    registryPath: path.resolve(parsed.CIG_REGISTRY),
    pseudonymSecret: parsed.CIG_ORTHANC_PSEUDONYM_SECRET ?? DEVELOPMENT_SECRET,
    logLevel: parsed.CIG_LOG_LEVEL,
  };
}
