import { isAbsolute, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';

/** The repository root, two levels above this file in src/ and in dist/ alike. */
const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Where `npm run compose` writes the committed supergraph. */
export const DEFAULT_SUPERGRAPH_PATH = resolve(REPO_ROOT, 'schema/supergraph.graphql');

/** `CIG_GATEWAY_SUBGRAPH_<NAME>_URL`: NAME is the subgraph name upper-cased (see toSubgraphEnvName). */
const SUBGRAPH_URL_VARIABLE = /^CIG_GATEWAY_SUBGRAPH_([A-Z0-9_]+)_URL$/;

export type GatewayEnvironment = 'development' | 'production';
export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

export interface GatewayConfig {
  readonly port: number;
  readonly host: string;
  /** Absolute path of the supergraph SDL that main.ts reads. */
  readonly supergraphPath: string;
  /** URL overrides keyed by env NAME (upper case), e.g. { CUSTOM: 'http://custom:4004/graphql' }. */
  readonly subgraphUrls: Readonly<Record<string, string>>;
  /** development shows stack traces and upstream error messages; production masks them. */
  readonly env: GatewayEnvironment;
  /** Deadline of one subgraph call, after which its part of the answer is an error. */
  readonly subgraphTimeoutMs: number;
  readonly logLevel: LogLevel;
  /** Base URL clients reach the gateway at (behind a proxy); default: the address it listens on. */
  readonly publicUrl?: string;
  /** The deployment's name as a node of EUCAIM's federated search (the `provider` of /eucaim/search answers). */
  readonly eucaimProviderName: string;
}

/** Default `provider` of /eucaim/search answers; a deployment names itself with CIG_GATEWAY_EUCAIM_PROVIDER_NAME. */
export const DEFAULT_EUCAIM_PROVIDER_NAME = 'Cancer Imaging Graph';

const httpUrl = z.url({ protocol: /^https?$/ });

const envSchema = z.object({
  CIG_GATEWAY_PORT: z.coerce.number().int().min(0).max(65_535).default(4000),
  CIG_GATEWAY_HOST: z.string().trim().min(1).default('127.0.0.1'),
  CIG_GATEWAY_SUPERGRAPH: z.string().trim().min(1).optional(),
  CIG_GATEWAY_ENV: z.enum(['development', 'production']).default('production'),
  CIG_GATEWAY_SUBGRAPH_TIMEOUT_MS: z.coerce.number().int().min(1).max(600_000).default(10_000),
  CIG_LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  CIG_GATEWAY_PUBLIC_URL: httpUrl.optional(),
  CIG_GATEWAY_EUCAIM_PROVIDER_NAME: z.string().trim().min(1).max(200).default(DEFAULT_EUCAIM_PROVIDER_NAME),
});

/**
 * The env NAME of a subgraph: upper case, anything but letters and digits as "_",
 * so "custom" → CUSTOM and "xnat-eu" → XNAT_EU.
 */
export function toSubgraphEnvName(subgraphName: string): string {
  return subgraphName.toUpperCase().replace(/[^A-Z0-9]/g, '_');
}

export interface LoadGatewayConfigOptions {
  /** Base of a relative CIG_GATEWAY_SUPERGRAPH (main.ts passes the working directory). Default: the repo root. */
  readonly cwd?: string;
}

/**
 * Parses the gateway's configuration from an env object. Empty strings count as unset, so
 * `CIG_GATEWAY_PORT=` in a .env file falls back to the default instead of failing.
 * Throws one Error listing every invalid variable.
 */
export function loadGatewayConfig(
  env: Readonly<Record<string, string | undefined>>,
  options: LoadGatewayConfigOptions = {},
): GatewayConfig {
  const present = Object.fromEntries(
    Object.entries(env).filter((entry): entry is [string, string] => entry[1] !== undefined && entry[1].trim() !== ''),
  );
  const issues: string[] = [];

  const parsed = envSchema.safeParse(present);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) issues.push(`${issue.path.join('.')}: ${issue.message}`);
  }

  const subgraphUrls: Record<string, string> = {};
  for (const [key, value] of Object.entries(present)) {
    const match = SUBGRAPH_URL_VARIABLE.exec(key);
    if (!match?.[1]) continue;
    const url = httpUrl.safeParse(value.trim());
    if (url.success) subgraphUrls[match[1]] = url.data;
    else issues.push(`${key}: must be an http(s) URL`);
  }

  if (!parsed.success || issues.length > 0) {
    throw new Error(`Invalid gateway configuration:\n  ${issues.join('\n  ')}`);
  }
  const values = parsed.data;
  const supergraph = values.CIG_GATEWAY_SUPERGRAPH;
  return {
    port: values.CIG_GATEWAY_PORT,
    host: values.CIG_GATEWAY_HOST,
    supergraphPath: supergraph === undefined
      ? DEFAULT_SUPERGRAPH_PATH
      : isAbsolute(supergraph) ? supergraph : resolve(options.cwd ?? REPO_ROOT, supergraph),
    subgraphUrls,
    env: values.CIG_GATEWAY_ENV,
    subgraphTimeoutMs: values.CIG_GATEWAY_SUBGRAPH_TIMEOUT_MS,
    logLevel: values.CIG_LOG_LEVEL,
    ...(values.CIG_GATEWAY_PUBLIC_URL && { publicUrl: values.CIG_GATEWAY_PUBLIC_URL.replace(/\/+$/, '') }),
    eucaimProviderName: values.CIG_GATEWAY_EUCAIM_PROVIDER_NAME,
  };
}
