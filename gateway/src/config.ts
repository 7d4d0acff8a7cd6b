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

/** Asymmetric JWS algorithms a client token may use; `none` and the HMAC family never. */
export const TOKEN_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'] as const;
export type TokenAlgorithm = (typeof TOKEN_ALGORITHMS)[number];

/** Where the development key pair lives (gitignored .cache), shared by the gateway and `npm run dev-token`. */
export const DEFAULT_DEV_KEYS_DIR = resolve(REPO_ROOT, '.cache/dev-keys');
/** Audience of development tokens when no CIG_GATEWAY_AUTH_AUDIENCE is configured. */
export const DEFAULT_DEV_AUDIENCE = 'cancer-imaging-graph';

/** The external identity provider whose bearer tokens the gateway accepts (e.g. Life Science AAI). */
export interface TokenIssuerConfig {
  /** Exact `iss` of its tokens. */
  readonly issuer: string;
  /** Accepted `aud` values; a token must name one of them. */
  readonly audiences: readonly string[];
  /** JWKS endpoint (fetched and cached by jose's createRemoteJWKSet). */
  readonly jwksUrl?: string;
  /** A PEM public key or certificate, a JWK or a JWKS file, read at start. */
  readonly publicKeyFile?: string;
}

export interface AuthConfig {
  /** Absent: no external issuer, so every bearer token is refused (development keys aside). */
  readonly issuer?: TokenIssuerConfig;
  readonly algorithms: readonly TokenAlgorithm[];
  /** Tolerance on exp/nbf/iat, for clocks that disagree a little. */
  readonly clockSkewSeconds: number;
  /** Dotted path of the roles claim in the issuer's tokens: `roles`, `realm_access.roles`, ... */
  readonly rolesClaim: string;
  /** Issuer role names (or entitlement URNs) → graph roles, applied before unknown roles are dropped. */
  readonly roleMap: Readonly<Record<string, string>>;
  /** Development only: where the development key pair is kept (created on first use). */
  readonly devKeysDir: string;
  /** Development only: `aud` of development tokens (the first configured audience, or a default). */
  readonly devAudience: string;
}

/** Limits checked before an operation is planned; see docs/security.md for the cost model. */
export interface OperationLimitsConfig {
  readonly maxDepth: number;
  readonly maxAliases: number;
  readonly maxTokens: number;
  readonly maxPageSize: number;
  readonly maxCost: number;
  /** Assumed length of a list without a page size (the number of sites we design for). */
  readonly costListSize: number;
  readonly maxBodyBytes: number;
}

export interface RateLimitConfig {
  /** Requests per window per caller; 0 turns rate limiting off. */
  readonly limit: number;
  readonly windowSeconds: number;
  /** Shared counters in Redis (several gateway instances); default: in this process's memory. */
  readonly redisUrl?: string;
  /**
   * Number of reverse proxies in front of the gateway whose X-Forwarded-For is trusted
   * (0: the socket's address is the client's).
   */
  readonly trustProxyHops: number;
}

export interface GatewayConfig {
  readonly port: number;
  readonly host: string;
  /** Absolute path of the supergraph SDL that main.ts reads. */
  readonly supergraphPath: string;
  /**
   * How often the gateway looks for a recomposed supergraph at `supergraphPath` and swaps
   * it in without a restart (CIG_GATEWAY_SUPERGRAPH_POLL_MS); 0 turns reloading off.
   */
  readonly supergraphPollMs: number;
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
  /** Introspection queries allowed (GraphiQL needs them); default: development only. */
  readonly introspection: boolean;
  /** GraphiQL served at /graphiql; default: development only. */
  readonly graphiql: boolean;
  /**
   * Secret the gateway signs the caller header for subgraphs with (CIG_INTERNAL_SECRET,
   * shared by every service of the graph). Absent in development: the gateway makes one for
   * its own process.
   */
  readonly internalSecret?: string;
  readonly auth: AuthConfig;
  readonly limits: OperationLimitsConfig;
  readonly rateLimit: RateLimitConfig;
  readonly metrics: MetricsConfig;
}

/** Prometheus metrics at GET /metrics (docs/operations.md). */
export interface MetricsConfig {
  /** Serve /metrics (CIG_GATEWAY_METRICS); default on. */
  readonly enabled: boolean;
  /**
   * When set (CIG_GATEWAY_METRICS_TOKEN), a scrape must send `authorization: Bearer <token>`.
   * /metrics is never rate-limited and never needs a caller's token: keep it off the public
   * network (or set this).
   */
  readonly token?: string;
}

/** Default `provider` of /eucaim/search answers; a deployment names itself with CIG_GATEWAY_EUCAIM_PROVIDER_NAME. */
export const DEFAULT_EUCAIM_PROVIDER_NAME = 'Cancer Imaging Graph';

const httpUrl = z.url({ protocol: /^https?$/ });

/** Minimum length of CIG_INTERNAL_SECRET: 256 bits as text (the kit refuses shorter ones too). */
export const MIN_INTERNAL_SECRET_LENGTH = 32;

const flag = z
  .string()
  .trim()
  .toLowerCase()
  .pipe(z.enum(['true', 'false', '1', '0', 'yes', 'no', 'on', 'off'], 'must be true or false'))
  .transform((value) => ['true', '1', 'yes', 'on'].includes(value));

const positiveInt = (max: number) => z.coerce.number().int().min(1).max(max);

/** `true` trusts one proxy hop; a number trusts that many; `false`/0 none. */
const trustProxy = z.string().trim().toLowerCase().transform((value, ctx) => {
  if (['true', 'yes', 'on'].includes(value)) return 1;
  if (['false', 'no', 'off'].includes(value)) return 0;
  const hops = Number(value);
  if (Number.isInteger(hops) && hops >= 0 && hops <= 10) return hops;
  ctx.addIssue({ code: 'custom', message: 'must be true, false or a number of proxy hops (0-10)' });
  return z.NEVER;
});

/** `external=role,external2=role2`, for issuers whose role names are not the graph's. */
const roleMap = z.string().transform((value, ctx) => {
  const map: Record<string, string> = {};
  for (const entry of value.split(',').map((part) => part.trim()).filter(Boolean)) {
    const at = entry.lastIndexOf('=');
    if (at <= 0 || at === entry.length - 1) {
      ctx.addIssue({ code: 'custom', message: `"${entry}" is not external=role` });
      return z.NEVER;
    }
    map[entry.slice(0, at).trim()] = entry.slice(at + 1).trim();
  }
  return map;
});

/** A JWKS URL must be https, except on loopback (a local identity provider in tests or development). */
const jwksUrl = httpUrl.refine((value) => {
  const url = new URL(value);
  return url.protocol === 'https:' || ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname);
}, 'must be an https URL (http only on loopback)');

const list = z.string().transform((value) => value.split(',').map((part) => part.trim()).filter(Boolean));

const envSchema = z.object({
  CIG_GATEWAY_PORT: z.coerce.number().int().min(0).max(65_535).default(4000),
  CIG_GATEWAY_HOST: z.string().trim().min(1).default('127.0.0.1'),
  CIG_GATEWAY_SUPERGRAPH: z.string().trim().min(1).optional(),
  CIG_GATEWAY_SUPERGRAPH_POLL_MS: z.coerce.number().int().min(0).max(3_600_000).default(1_000),
  CIG_GATEWAY_ENV: z.enum(['development', 'production']).optional(),
  CIG_GATEWAY_SUBGRAPH_TIMEOUT_MS: z.coerce.number().int().min(1).max(600_000).default(10_000),
  CIG_LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  CIG_GATEWAY_PUBLIC_URL: httpUrl.optional(),
  CIG_GATEWAY_EUCAIM_PROVIDER_NAME: z.string().trim().min(1).max(200).default(DEFAULT_EUCAIM_PROVIDER_NAME),
  NODE_ENV: z.string().optional(),
  CIG_GATEWAY_INTROSPECTION: flag.optional(),
  CIG_GATEWAY_GRAPHIQL: flag.optional(),
  CIG_INTERNAL_SECRET: z.string().min(MIN_INTERNAL_SECRET_LENGTH, `must be at least ${MIN_INTERNAL_SECRET_LENGTH} characters`).optional(),
  CIG_GATEWAY_AUTH_JWKS_URL: jwksUrl.optional(),
  CIG_GATEWAY_AUTH_PUBLIC_KEY_FILE: z.string().trim().min(1).optional(),
  CIG_GATEWAY_AUTH_ISSUER: z.string().trim().min(1).optional(),
  CIG_GATEWAY_AUTH_AUDIENCE: list.pipe(z.array(z.string()).min(1, 'must name at least one audience')).optional(),
  CIG_GATEWAY_AUTH_CLOCK_SKEW_SECONDS: z.coerce.number().int().min(0).max(300).default(30),
  CIG_GATEWAY_AUTH_ALGORITHMS: list
    .pipe(z.array(z.enum(TOKEN_ALGORITHMS, `each must be one of ${TOKEN_ALGORITHMS.join(', ')} (never none or HS*)`)).min(1))
    .default(['RS256', 'ES256', 'EdDSA']),
  CIG_GATEWAY_AUTH_ROLES_CLAIM: z.string().trim().regex(/^[^.\s]+(\.[^.\s]+)*$/, 'must be a claim name or a dotted path').default('roles'),
  CIG_GATEWAY_AUTH_ROLE_MAP: roleMap.optional(),
  CIG_GATEWAY_DEV_KEYS_DIR: z.string().trim().min(1).optional(),
  CIG_GATEWAY_MAX_DEPTH: positiveInt(1_000).default(15),
  CIG_GATEWAY_MAX_ALIASES: z.coerce.number().int().min(0).max(100_000).default(30),
  CIG_GATEWAY_MAX_TOKENS: positiveInt(10_000_000).default(5_000),
  CIG_GATEWAY_MAX_PAGE_SIZE: positiveInt(1_000_000).default(100),
  CIG_GATEWAY_MAX_COST: positiveInt(Number.MAX_SAFE_INTEGER).default(1_000_000),
  CIG_GATEWAY_COST_LIST_SIZE: positiveInt(1_000_000).default(30),
  CIG_GATEWAY_MAX_BODY_BYTES: positiveInt(100_000_000).default(1_000_000),
  CIG_GATEWAY_RATE_LIMIT: z.coerce.number().int().min(0).max(1_000_000_000).default(1_200),
  CIG_GATEWAY_RATE_LIMIT_WINDOW_SECONDS: positiveInt(86_400).default(60),
  CIG_REDIS_URL: z.url({ protocol: /^rediss?$/ }).optional(),
  CIG_GATEWAY_TRUST_PROXY: trustProxy.optional(),
  CIG_GATEWAY_METRICS: flag.default(true),
  CIG_GATEWAY_METRICS_TOKEN: z.string().trim().min(16, 'must be at least 16 characters').optional(),
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
  /**
   * Environment when neither CIG_GATEWAY_ENV nor NODE_ENV names one. The gateway's is
   * production (safe when forgotten); `npm start` and `npm run dev-token` use development.
   * @default 'production'
   */
  readonly defaultEnvironment?: GatewayEnvironment;
}

/**
 * production wins whenever either variable says so, so a NODE_ENV=production image can
 * never run with development keys or unmasked errors by a stray CIG_GATEWAY_ENV.
 */
export function resolveGatewayEnvironment(
  gatewayEnv: GatewayEnvironment | undefined,
  nodeEnv: string | undefined,
  fallback: GatewayEnvironment = 'production',
): GatewayEnvironment {
  if (gatewayEnv === 'production' || nodeEnv === 'production') return 'production';
  return gatewayEnv ?? fallback;
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

  const values = parsed.success ? parsed.data : undefined;
  const environment = values ? resolveGatewayEnvironment(values.CIG_GATEWAY_ENV, values.NODE_ENV, options.defaultEnvironment) : 'production';
  if (values) issues.push(...checkAuthCombination(values, environment));

  if (!values || issues.length > 0) {
    throw new Error(`Invalid gateway configuration:\n  ${issues.join('\n  ')}`);
  }
  const supergraph = values.CIG_GATEWAY_SUPERGRAPH;
  const development = environment === 'development';
  const audiences = values.CIG_GATEWAY_AUTH_AUDIENCE;
  const issuer = values.CIG_GATEWAY_AUTH_ISSUER;
  return {
    port: values.CIG_GATEWAY_PORT,
    host: values.CIG_GATEWAY_HOST,
    supergraphPath: supergraph === undefined
      ? DEFAULT_SUPERGRAPH_PATH
      : isAbsolute(supergraph) ? supergraph : resolve(options.cwd ?? REPO_ROOT, supergraph),
    supergraphPollMs: values.CIG_GATEWAY_SUPERGRAPH_POLL_MS,
    subgraphUrls,
    env: environment,
    subgraphTimeoutMs: values.CIG_GATEWAY_SUBGRAPH_TIMEOUT_MS,
    logLevel: values.CIG_LOG_LEVEL,
    ...(values.CIG_GATEWAY_PUBLIC_URL && { publicUrl: values.CIG_GATEWAY_PUBLIC_URL.replace(/\/+$/, '') }),
    eucaimProviderName: values.CIG_GATEWAY_EUCAIM_PROVIDER_NAME,
    introspection: values.CIG_GATEWAY_INTROSPECTION ?? development,
    graphiql: values.CIG_GATEWAY_GRAPHIQL ?? development,
    ...(values.CIG_INTERNAL_SECRET !== undefined && { internalSecret: values.CIG_INTERNAL_SECRET }),
    auth: {
      ...(issuer !== undefined && audiences !== undefined && {
        issuer: {
          issuer,
          audiences,
          ...(values.CIG_GATEWAY_AUTH_JWKS_URL !== undefined && { jwksUrl: values.CIG_GATEWAY_AUTH_JWKS_URL }),
          ...(values.CIG_GATEWAY_AUTH_PUBLIC_KEY_FILE !== undefined && {
            publicKeyFile: resolvePath(values.CIG_GATEWAY_AUTH_PUBLIC_KEY_FILE, options.cwd),
          }),
        },
      }),
      algorithms: values.CIG_GATEWAY_AUTH_ALGORITHMS,
      clockSkewSeconds: values.CIG_GATEWAY_AUTH_CLOCK_SKEW_SECONDS,
      rolesClaim: values.CIG_GATEWAY_AUTH_ROLES_CLAIM,
      roleMap: values.CIG_GATEWAY_AUTH_ROLE_MAP ?? {},
      devKeysDir: values.CIG_GATEWAY_DEV_KEYS_DIR === undefined ? DEFAULT_DEV_KEYS_DIR : resolvePath(values.CIG_GATEWAY_DEV_KEYS_DIR, options.cwd),
      devAudience: audiences?.[0] ?? DEFAULT_DEV_AUDIENCE,
    },
    limits: {
      maxDepth: values.CIG_GATEWAY_MAX_DEPTH,
      maxAliases: values.CIG_GATEWAY_MAX_ALIASES,
      maxTokens: values.CIG_GATEWAY_MAX_TOKENS,
      maxPageSize: values.CIG_GATEWAY_MAX_PAGE_SIZE,
      maxCost: values.CIG_GATEWAY_MAX_COST,
      costListSize: values.CIG_GATEWAY_COST_LIST_SIZE,
      maxBodyBytes: values.CIG_GATEWAY_MAX_BODY_BYTES,
    },
    rateLimit: {
      limit: values.CIG_GATEWAY_RATE_LIMIT,
      windowSeconds: values.CIG_GATEWAY_RATE_LIMIT_WINDOW_SECONDS,
      ...(values.CIG_REDIS_URL !== undefined && { redisUrl: values.CIG_REDIS_URL }),
      trustProxyHops: values.CIG_GATEWAY_TRUST_PROXY ?? 0,
    },
    metrics: {
      enabled: values.CIG_GATEWAY_METRICS,
      ...(values.CIG_GATEWAY_METRICS_TOKEN !== undefined && { token: values.CIG_GATEWAY_METRICS_TOKEN }),
    },
  };
}

function resolvePath(path: string, cwd: string | undefined): string {
  return isAbsolute(path) ? path : resolve(cwd ?? REPO_ROOT, path);
}

type ParsedEnv = z.infer<typeof envSchema>;

/**
 * Combinations no single variable can check: a key source needs the issuer and audience
 * to check tokens against, and outside development tokens can only be forwarded to
 * subgraphs signed with the graph's shared secret.
 */
function checkAuthCombination(values: ParsedEnv, environment: GatewayEnvironment): string[] {
  const issues: string[] = [];
  const keySource = values.CIG_GATEWAY_AUTH_JWKS_URL !== undefined || values.CIG_GATEWAY_AUTH_PUBLIC_KEY_FILE !== undefined;
  if (values.CIG_GATEWAY_AUTH_JWKS_URL !== undefined && values.CIG_GATEWAY_AUTH_PUBLIC_KEY_FILE !== undefined) {
    issues.push('CIG_GATEWAY_AUTH_JWKS_URL and CIG_GATEWAY_AUTH_PUBLIC_KEY_FILE: set one, not both');
  }
  if (keySource && values.CIG_GATEWAY_AUTH_ISSUER === undefined) issues.push('CIG_GATEWAY_AUTH_ISSUER: required with a JWKS URL or public key');
  if (keySource && values.CIG_GATEWAY_AUTH_AUDIENCE === undefined) issues.push('CIG_GATEWAY_AUTH_AUDIENCE: required with a JWKS URL or public key');
  if (!keySource && values.CIG_GATEWAY_AUTH_ISSUER !== undefined) {
    issues.push('CIG_GATEWAY_AUTH_ISSUER: needs CIG_GATEWAY_AUTH_JWKS_URL or CIG_GATEWAY_AUTH_PUBLIC_KEY_FILE to verify its tokens');
  }
  if (keySource && environment === 'production' && values.CIG_INTERNAL_SECRET === undefined) {
    issues.push('CIG_INTERNAL_SECRET: required in production when tokens are accepted (subgraphs verify the caller header with it)');
  }
  return issues;
}
