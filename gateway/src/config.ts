import { availableParallelism } from 'node:os';
import { isAbsolute, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';

/** The repository root, two levels above this file in src/ and in dist/ alike. */
const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Where `npm run compose` writes the committed supergraph. */
export const DEFAULT_SUPERGRAPH_PATH = resolve(REPO_ROOT, 'schema/supergraph.graphql');

/** `CIG_GATEWAY_SUBGRAPH_<NAME>_URL`: NAME is the subgraph name upper-cased (see toSubgraphEnvName). */
const SUBGRAPH_URL_VARIABLE = /^CIG_GATEWAY_SUBGRAPH_([A-Z0-9_]+)_URL$/;
/** `CIG_GATEWAY_SUBGRAPH_<NAME>_TIMEOUT_MS`: one subgraph's deadline, over CIG_GATEWAY_SUBGRAPH_TIMEOUT_MS. */
const SUBGRAPH_TIMEOUT_VARIABLE = /^CIG_GATEWAY_SUBGRAPH_([A-Z0-9_]+)_TIMEOUT_MS$/;
/** Bounds of every subgraph deadline, the general one and each subgraph's. */
const MAX_SUBGRAPH_TIMEOUT_MS = 600_000;

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

/** How the gateway calls subgraphs (docs/gateway-resilience.md). */
export interface SubgraphTransportConfig {
  /** Most sockets open to one subgraph (CIG_GATEWAY_SUBGRAPH_CONNECTIONS). */
  readonly connections: number;
  /** Extra attempts of a query fetch after a connection failure or a 502/503/504 (CIG_GATEWAY_SUBGRAPH_RETRIES); 0 never retries. */
  readonly retries: number;
  /** Largest subgraph answer read (CIG_GATEWAY_SUBGRAPH_MAX_RESPONSE_BYTES). */
  readonly maxResponseBytes: number;
  /** Identical concurrent anonymous query fetches share one call (CIG_GATEWAY_SUBGRAPH_DEDUPLICATE). */
  readonly deduplicate: boolean;
  readonly circuit: {
    /** How long an open circuit fails calls at once before a probe (CIG_GATEWAY_CIRCUIT_OPEN_MS). */
    readonly openMs: number;
    /** Share of failed calls in the window that opens it (CIG_GATEWAY_CIRCUIT_FAILURE_RATIO). */
    readonly failureRatio: number;
    /** Fewest calls in the window before it may open (CIG_GATEWAY_CIRCUIT_MINIMUM_CALLS). */
    readonly minimumCalls: number;
    /** Calls remembered (CIG_GATEWAY_CIRCUIT_WINDOW). */
    readonly windowSize: number;
  };
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
  /** Per-subgraph deadlines keyed by env NAME (CIG_GATEWAY_SUBGRAPH_<NAME>_TIMEOUT_MS); win over subgraphTimeoutMs. */
  readonly subgraphTimeouts: Readonly<Record<string, number>>;
  /** Connections, retries, circuit breakers and merging of subgraph calls (docs/gateway-resilience.md). */
  readonly subgraphTransport: SubgraphTransportConfig;
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
  readonly persistedOperations: PersistedOperationsConfig;
  readonly cluster: ClusterConfig;
  readonly tracing: TracingConfig;
  readonly responseCache: ResponseCacheConfig;
}

/** Caching of catalogue answers at the gateway (docs/response-cache.md). */
export interface ResponseCacheConfig {
  /** How long an answer is kept (CIG_GATEWAY_RESPONSE_CACHE_TTL_MS); 0 turns the cache off. */
  readonly ttlMs: number;
  /** Subgraphs whose public reads may be kept (CIG_GATEWAY_RESPONSE_CACHE_SUBGRAPHS); default the catalogue. */
  readonly subgraphs: readonly string[];
  /** Most answers the in-memory store holds, least recently used out first (CIG_GATEWAY_RESPONSE_CACHE_MAX_ENTRIES). */
  readonly maxEntries: number;
  /** Shared store in Redis (CIG_REDIS_URL, as for the rate limit); default: in this process's memory. */
  readonly redisUrl?: string;
}

/** Cluster mode: several worker processes on one port (docs/operations.md, "Cluster mode"). */
export interface ClusterConfig {
  /**
   * Worker processes serving the port (CIG_GATEWAY_WORKERS, a number or `auto` for
   * os.availableParallelism()). 1: a single process and no primary, as before cluster mode.
   */
  readonly workers: number;
  /**
   * How long a stopping gateway waits for its server (each worker's, in cluster mode) to
   * stop before it gives up and exits 1 (CIG_GATEWAY_SHUTDOWN_TIMEOUT_MS).
   */
  readonly shutdownTimeoutMs: number;
  /**
   * V8 old-space limit in MB given to worker processes (CIG_GATEWAY_HEAP_MB, default 256; 0
   * leaves V8's default, about a quarter of the machine's memory). A single process cannot
   * set it on itself: start it with `node --max-old-space-size=256` (docs/operations.md).
   */
  readonly heapMb: number;
}

/** Where OTLP traces go when no endpoint variable is set: a collector on this host (OTLP/HTTP's port). */
export const DEFAULT_OTLP_TRACES_ENDPOINT = 'http://localhost:4318/v1/traces';
/** The `service.name` of the gateway's spans unless OTEL_SERVICE_NAME names another. */
export const DEFAULT_TRACING_SERVICE_NAME = 'cancer-imaging-gateway';

/** OpenTelemetry tracing (docs/operations.md, "Tracing"); off unless CIG_GATEWAY_TRACING=otlp. */
export type TracingConfig =
  | { readonly exporter: 'off' }
  | {
      readonly exporter: 'otlp';
      /** The full OTLP/HTTP traces URL spans are POSTed to (JSON). */
      readonly endpoint: string;
      readonly serviceName: string;
    };

/** Which operations the gateway runs: any (`open`) or only its persisted ones (`safelist`). */
export type PersistedOperationsMode = 'open' | 'safelist';

/** Persisted operations, APQ and the warm query-plan cache (docs/persisted-operations.md). */
export interface PersistedOperationsConfig {
  /**
   * CIG_GATEWAY_PERSISTED_OPERATIONS: `open` (default) runs any operation; `safelist` runs
   * only the persisted ones (the SDK's manifest, the gateway's own documents and
   * `files`), sent by hash or as their exact text.
   */
  readonly mode: PersistedOperationsMode;
  /**
   * More manifests, `{ "<sha256>": "<text>" }` JSON files (CIG_GATEWAY_PERSISTED_OPERATIONS_FILES,
   * comma-separated, relative to the working directory): how an operator admits a
   * third-party client's or a notebook's operations in safelist mode.
   */
  readonly files: readonly string[];
  /** Size bound of the in-memory cache of operations clients register with APQ (CIG_GATEWAY_APQ_CACHE_MIB). */
  readonly apqCacheMiB: number;
  /** Plan every persisted operation at start and after a supergraph reload (CIG_GATEWAY_PLAN_WARMUP); default on. */
  readonly planWarmup: boolean;
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

/** `auto` (one worker per core) or a number of workers. */
const workers = z.string().trim().toLowerCase().transform((value, ctx): number | 'auto' => {
  if (value === 'auto') return 'auto';
  const count = Number(value);
  if (Number.isInteger(count) && count >= 1 && count <= 1_024) return count;
  ctx.addIssue({ code: 'custom', message: 'must be auto or a number of workers (1-1024)' });
  return z.NEVER;
});

const list = z.string().transform((value) => value.split(',').map((part) => part.trim()).filter(Boolean));

const envSchema = z.object({
  CIG_GATEWAY_PORT: z.coerce.number().int().min(0).max(65_535).default(4000),
  CIG_GATEWAY_HOST: z.string().trim().min(1).default('127.0.0.1'),
  CIG_GATEWAY_SUPERGRAPH: z.string().trim().min(1).optional(),
  CIG_GATEWAY_SUPERGRAPH_POLL_MS: z.coerce.number().int().min(0).max(3_600_000).default(1_000),
  CIG_GATEWAY_ENV: z.enum(['development', 'production']).optional(),
  CIG_GATEWAY_SUBGRAPH_TIMEOUT_MS: z.coerce.number().int().min(1).max(MAX_SUBGRAPH_TIMEOUT_MS).default(10_000),
  CIG_GATEWAY_SUBGRAPH_CONNECTIONS: positiveInt(10_000).default(256),
  CIG_GATEWAY_SUBGRAPH_RETRIES: z.coerce.number().int().min(0).max(5).default(1),
  CIG_GATEWAY_SUBGRAPH_MAX_RESPONSE_BYTES: positiveInt(1_073_741_824).default(33_554_432),
  CIG_GATEWAY_SUBGRAPH_DEDUPLICATE: flag.default(true),
  CIG_GATEWAY_CIRCUIT_OPEN_MS: positiveInt(600_000).default(5_000),
  CIG_GATEWAY_CIRCUIT_FAILURE_RATIO: z.coerce.number().gt(0).max(1).default(0.5),
  CIG_GATEWAY_CIRCUIT_MINIMUM_CALLS: positiveInt(10_000).default(5),
  CIG_GATEWAY_CIRCUIT_WINDOW: positiveInt(10_000).default(20),
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
  CIG_GATEWAY_RESPONSE_CACHE_TTL_MS: z.coerce.number().int().min(0).max(86_400_000).default(30_000),
  CIG_GATEWAY_RESPONSE_CACHE_SUBGRAPHS: list
    .pipe(z.array(z.string().regex(/^[A-Za-z0-9_-]+$/, 'each must be a subgraph name')).min(1, 'must name at least one subgraph (set CIG_GATEWAY_RESPONSE_CACHE_TTL_MS=0 to turn caching off)'))
    .transform((names) => names.map((name) => name.toLowerCase()))
    .default(['catalogue']),
  CIG_GATEWAY_RESPONSE_CACHE_MAX_ENTRIES: positiveInt(10_000_000).default(5_000),
  CIG_GATEWAY_PERSISTED_OPERATIONS: z.string().trim().toLowerCase().pipe(z.enum(['open', 'safelist'], 'must be open or safelist')).default('open'),
  CIG_GATEWAY_PERSISTED_OPERATIONS_FILES: list.optional(),
  CIG_GATEWAY_APQ_CACHE_MIB: positiveInt(1_024).default(16),
  CIG_GATEWAY_PLAN_WARMUP: flag.default(true),
  CIG_GATEWAY_WORKERS: workers.optional(),
  CIG_GATEWAY_HEAP_MB: z.coerce.number().int().min(0).max(65_536).default(256),
  CIG_GATEWAY_SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().min(100).max(600_000).default(10_000),
  CIG_GATEWAY_TRACING: z.string().trim().toLowerCase().pipe(z.enum(['off', 'otlp'], 'must be off or otlp')).default('off'),
  CIG_GATEWAY_TRACING_ENDPOINT: z.string().optional(),
  // The standard OpenTelemetry variables are only checked when tracing is on (resolveTracing):
  // one set in the environment for another program must not stop a gateway that does not trace.
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: z.string().optional(),
  OTEL_EXPORTER_OTLP_ENDPOINT: z.string().optional(),
  OTEL_SERVICE_NAME: z.string().optional(),
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
  /** What CIG_GATEWAY_WORKERS=auto means; injected for tests. @default os.availableParallelism */
  readonly availableParallelism?: () => number;
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

  const subgraphTimeouts: Record<string, number> = {};
  for (const [key, value] of Object.entries(present)) {
    const match = SUBGRAPH_TIMEOUT_VARIABLE.exec(key);
    if (!match?.[1]) continue;
    const timeout = z.coerce.number().int().min(1).max(MAX_SUBGRAPH_TIMEOUT_MS).safeParse(value.trim());
    if (timeout.success) subgraphTimeouts[match[1]] = timeout.data;
    else issues.push(`${key}: must be a number of milliseconds (1-${MAX_SUBGRAPH_TIMEOUT_MS})`);
  }

  const values = parsed.success ? parsed.data : undefined;
  const environment = values ? resolveGatewayEnvironment(values.CIG_GATEWAY_ENV, values.NODE_ENV, options.defaultEnvironment) : 'production';
  if (values) issues.push(...checkAuthCombination(values, environment));
  const tracing: TracingConfig = values ? resolveTracing(values, issues) : { exporter: 'off' };

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
    subgraphTimeouts,
    subgraphTransport: {
      connections: values.CIG_GATEWAY_SUBGRAPH_CONNECTIONS,
      retries: values.CIG_GATEWAY_SUBGRAPH_RETRIES,
      maxResponseBytes: values.CIG_GATEWAY_SUBGRAPH_MAX_RESPONSE_BYTES,
      deduplicate: values.CIG_GATEWAY_SUBGRAPH_DEDUPLICATE,
      circuit: {
        openMs: values.CIG_GATEWAY_CIRCUIT_OPEN_MS,
        failureRatio: values.CIG_GATEWAY_CIRCUIT_FAILURE_RATIO,
        minimumCalls: values.CIG_GATEWAY_CIRCUIT_MINIMUM_CALLS,
        windowSize: values.CIG_GATEWAY_CIRCUIT_WINDOW,
      },
    },
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
    responseCache: {
      ttlMs: values.CIG_GATEWAY_RESPONSE_CACHE_TTL_MS,
      subgraphs: values.CIG_GATEWAY_RESPONSE_CACHE_SUBGRAPHS,
      maxEntries: values.CIG_GATEWAY_RESPONSE_CACHE_MAX_ENTRIES,
      ...(values.CIG_REDIS_URL !== undefined && { redisUrl: values.CIG_REDIS_URL }),
    },
    persistedOperations: {
      mode: values.CIG_GATEWAY_PERSISTED_OPERATIONS,
      files: (values.CIG_GATEWAY_PERSISTED_OPERATIONS_FILES ?? []).map((file) => resolvePath(file, options.cwd)),
      apqCacheMiB: values.CIG_GATEWAY_APQ_CACHE_MIB,
      planWarmup: values.CIG_GATEWAY_PLAN_WARMUP,
    },
    cluster: {
      workers: values.CIG_GATEWAY_WORKERS === 'auto' ? Math.max(1, (options.availableParallelism ?? availableParallelism)()) : (values.CIG_GATEWAY_WORKERS ?? 1),
      shutdownTimeoutMs: values.CIG_GATEWAY_SHUTDOWN_TIMEOUT_MS,
      heapMb: values.CIG_GATEWAY_HEAP_MB,
    },
    tracing,
  };
}

/**
 * The traces endpoint, most specific first: CIG_GATEWAY_TRACING_ENDPOINT, then the standard
 * OTEL_EXPORTER_OTLP_TRACES_ENDPOINT (a full URL), then OTEL_EXPORTER_OTLP_ENDPOINT (a base
 * URL, to which the OTLP/HTTP specification appends v1/traces). Pushes an issue for an
 * endpoint that is not an http(s) URL.
 */
function resolveTracing(values: ParsedEnv, issues: string[]): TracingConfig {
  if (values.CIG_GATEWAY_TRACING === 'off') return { exporter: 'off' };
  const candidates: Array<[string, string | undefined, (url: string) => string]> = [
    ['CIG_GATEWAY_TRACING_ENDPOINT', values.CIG_GATEWAY_TRACING_ENDPOINT, (url) => url],
    ['OTEL_EXPORTER_OTLP_TRACES_ENDPOINT', values.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT, (url) => url],
    ['OTEL_EXPORTER_OTLP_ENDPOINT', values.OTEL_EXPORTER_OTLP_ENDPOINT, (url) => `${url.replace(/\/+$/, '')}/v1/traces`],
  ];
  let endpoint = DEFAULT_OTLP_TRACES_ENDPOINT;
  for (const [name, value, toEndpoint] of candidates) {
    if (value === undefined) continue;
    const url = httpUrl.safeParse(value.trim());
    if (!url.success) {
      issues.push(`${name}: must be an http(s) URL (CIG_GATEWAY_TRACING=otlp sends spans there)`);
      return { exporter: 'off' };
    }
    endpoint = toEndpoint(url.data);
    break;
  }
  return { exporter: 'otlp', endpoint, serviceName: values.OTEL_SERVICE_NAME?.trim() || DEFAULT_TRACING_SERVICE_NAME };
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
