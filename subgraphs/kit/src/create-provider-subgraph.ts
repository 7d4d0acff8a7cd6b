import { buildSubgraphSchema } from '@apollo/subgraph';
import type { HeaderMap } from '@apollo/server';
import { parse, type GraphQLSchema } from 'graphql';
import { pino, type Logger } from 'pino';
import type { CreateAdapter } from './adapter.js';
import { protectProviderSchema } from './auth/protect-schema.js';
import { createProviderContext, type ProviderContext } from './context.js';
import { grantBasedPolicy, ANONYMOUS, type AccessPolicy, type Caller } from './privacy/access-policy.js';
import type { AuditDestination } from './privacy/record-audit.js';
import type { DatasetMetadata, Registry, SiteConfig } from './registry.js';
import { buildProviderResolvers, type ResolverMap } from './resolvers/build-resolvers.js';
import { buildProviderTypeDefs, kindTypeNames } from './schema.js';
import { SiteRuntime } from './site-runtime.js';
import { startSubgraphServer, type RunningSubgraph, type SubgraphMetricsOptions } from './http-server.js';
import type { MetricsRegistry } from './metrics/registry.js';
import { createSiteMetrics } from './metrics/site-metrics.js';
import { siteCircuitSettings, type SiteCircuitsOption } from './resilience/site-circuit.js';
import { createRetrieveRoute } from './retrieve-route.js';
import { deriveRetrieveSecret } from './retrieve-ticket.js';
import type { GraphStore } from './store/types.js';

/** The gateway tells subgraphs its public base URL, so links they build point at it. */
export const PUBLIC_URL_HEADER = 'x-cig-public-url';

function publicBaseUrlFrom(headers: HeaderMap): string {
  const value = headers.get(PUBLIC_URL_HEADER);
  if (!value) return '';
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.origin + url.pathname.replace(/\/+$/, '') : '';
  } catch {
    return '';
  }
}

export interface ProviderSubgraphOptions {
  /** The repository kind, e.g. "custom"; names the GraphQL types (CustomProvider, ...). */
  readonly kind: string;
  /** Registry entries; only those of this kind are served. */
  readonly sites: readonly SiteConfig[];
  /** Curated dataset metadata of the registry; each adapter gets its site's. */
  readonly datasets?: readonly DatasetMetadata[];
  readonly createAdapter: CreateAdapter;
  /** Deployment secret keying subject pseudonyms (HMAC); at least 16 characters. */
  readonly pseudonymSecret: string;
  /** Decides record-level access and exact counts. Default: only under an unexpired grant. */
  readonly accessPolicy?: AccessPolicy;
  /**
   * Who is calling, from request headers: `createCallerResolver` (auth/resolve-caller.ts)
   * verifies the gateway's signed header. Default: everyone is anonymous.
   */
  readonly resolveCaller?: (headers: HeaderMap) => Caller | Promise<Caller>;
  /**
   * The graph store: every record-level read is appended to its audit log before it is
   * answered. (Grants from the store reach the subgraph through `resolveCaller`.)
   */
  readonly store?: Pick<GraphStore, 'appendAudit'>;
  /**
   * `false` serves record-level reads without auditing them, for tests and benchmarks that
   * have no store. Without a store and without this, record-level reads are refused
   * (FORBIDDEN, "auditing is not configured"); see `auditDestinationOf`.
   */
  readonly audit?: false;
  readonly logger?: Logger;
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly fetch?: typeof fetch;
  /** Extra SDL of the kind (extend type ...) and its resolvers. */
  readonly extraTypeDefs?: string;
  readonly extraResolvers?: ResolverMap;
  /**
   * The sites' circuit breakers: `false` turns them off for every site (the registry's
   * `circuit` settings are then ignored); an object sets defaults for what a site's registry
   * entry leaves out. Default: on, with DEFAULT_SITE_CIRCUIT (open at half of the last 20
   * calls failed, after at least 5; open for 5 s).
   */
  readonly circuits?: SiteCircuitsOption;
}

/** How `listen` serves GET /metrics: `false` answers 404; `token` requires `authorization: Bearer <token>`. Default: served, no token. */
export type ListenMetricsOption = false | { readonly token?: string };

export interface ProviderSubgraph {
  readonly kind: string;
  readonly typeDefs: string;
  readonly schema: GraphQLSchema;
  readonly sites: ReadonlyMap<string, SiteRuntime>;
  /** The Prometheus registry of the sites' calls and circuits, served at GET /metrics by `listen`. */
  readonly metrics: MetricsRegistry;
  /** Builds the per-request context (caller, audit trail, DataLoaders). */
  createContext(request: { headers: HeaderMap; requestId: string; operationName?: string }): Promise<ProviderContext>;
  /** Serves the subgraph over HTTP (loopback, port 0 = any free port by default), with GET /metrics unless `metrics: false`. */
  listen(options?: { port?: number; host?: string; metrics?: ListenMetricsOption }): Promise<RunningSubgraph>;
  /** Closes every adapter. */
  close(): Promise<void>;
}

/**
 * Where record-level reads are audited. A store always wins. Without one, `audit: false`
 * opts out explicitly. A caller-supplied access policy without a store also opts out, with
 * a warning: it is the hook tests, benchmarks and e2e suites written before auditing use to
 * open record-level data (they pass no store); once they say `audit: false` this rule can go.
 * Anything else has no audit log, and record-level reads are refused rather than unaudited.
 */
export function auditDestinationOf(options: Pick<ProviderSubgraphOptions, 'store' | 'audit' | 'accessPolicy' | 'kind'>, logger: Logger): AuditDestination {
  if (options.store) return { kind: 'store', store: options.store };
  if (options.audit === false) return { kind: 'disabled' };
  if (options.accessPolicy) {
    logger.warn({ subgraph: options.kind }, 'custom access policy without a graph store: record-level reads are not audited (pass audit: false to say so)');
    return { kind: 'disabled' };
  }
  return { kind: 'unconfigured' };
}

/**
 * Builds a kind subgraph that implements the provider contract for every site of its kind:
 * SDL, resolvers, privacy policy, per-request loaders. Pure construction plus one adapter
 * per site; nothing listens until `listen` is called.
 */
export async function createProviderSubgraph(options: ProviderSubgraphOptions): Promise<ProviderSubgraph> {
  const logger = options.logger ?? pino({ level: 'silent' });
  if (options.pseudonymSecret.length < 16) throw new Error('pseudonymSecret must be at least 16 characters');
  const sites = new Map<string, SiteRuntime>();
  const siteMetrics = createSiteMetrics();
  for (const site of options.sites.filter((s) => s.kind === options.kind)) {
    const curated = (options.datasets ?? []).filter((dataset) => dataset.site === site.id);
    const adapter = await options.createAdapter(site, {
      logger: logger.child({ site: site.id }),
      datasets: curated,
      env: options.env ?? {},
      fetch: options.fetch ?? globalThis.fetch,
    });
    const siteLogger = logger.child({ site: site.id });
    const circuit = siteCircuitSettings(site, options.circuits);
    sites.set(site.id, new SiteRuntime(site, adapter, siteLogger, curated.map((dataset) => dataset.localId), { metrics: siteMetrics, ...(circuit && { circuit }) }));
  }
  const typeDefs = buildProviderTypeDefs(options.kind, options.extraTypeDefs);
  const retrieveSecret = deriveRetrieveSecret(options.pseudonymSecret);
  const resolvers = buildProviderResolvers({ kind: options.kind, types: kindTypeNames(options.kind), sites, pseudonymSecret: options.pseudonymSecret, retrieveSecret });
  for (const [type, fields] of Object.entries(options.extraResolvers ?? {})) {
    resolvers[type] = { ...resolvers[type], ...fields };
  }
  // buildSubgraphSchema's resolver map type is not exported from its public entry point.
  const schema = protectProviderSchema(buildSubgraphSchema({ typeDefs: parse(typeDefs), resolvers: resolvers as never }), kindTypeNames(options.kind));
  const policy = options.accessPolicy ?? grantBasedPolicy;
  const resolveCaller = options.resolveCaller ?? (() => ANONYMOUS);
  const audit = auditDestinationOf(options, logger);

  const subgraph: ProviderSubgraph = {
    kind: options.kind,
    typeDefs,
    schema,
    sites,
    metrics: siteMetrics.registry,
    async createContext({ headers, requestId, operationName }) {
      return createProviderContext({
        caller: await resolveCaller(headers), requestId, logger, policy, publicBaseUrl: publicBaseUrlFrom(headers), audit,
        ...(operationName !== undefined && { operationName }),
      });
    },
    listen(listenOptions = {}) {
      const metrics: SubgraphMetricsOptions | undefined = listenOptions.metrics === false
        ? undefined
        : { registry: siteMetrics.registry, ...(listenOptions.metrics?.token !== undefined && { token: listenOptions.metrics.token }) };
      return startSubgraphServer<ProviderContext>({
        name: options.kind,
        schema,
        logger,
        host: listenOptions.host,
        port: listenOptions.port,
        context: (request) => subgraph.createContext(request),
        routes: [createRetrieveRoute({ sites, secret: retrieveSecret, logger, audit })],
        ...(metrics && { metrics }),
      });
    },
    async close() {
      await Promise.all([...sites.values()].map((site) => site.adapter.close?.()));
    },
  };
  return subgraph;
}

/** What a kind subgraph needs at start: the registry and the deployment's settings. */
export interface KindSubgraphOptions {
  readonly registry: Registry;
  readonly pseudonymSecret: string;
  /** Default: silent. */
  readonly logger?: Logger;
  /** The environment holding the credentials the registry names. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly fetch?: typeof fetch;
  readonly accessPolicy?: AccessPolicy;
  readonly resolveCaller?: (headers: HeaderMap) => Caller | Promise<Caller>;
  /** The graph store record-level reads are audited in (see ProviderSubgraphOptions.store). */
  readonly store?: Pick<GraphStore, 'appendAudit'>;
  /** `false`: no audit without a store (tests only; see ProviderSubgraphOptions.audit). */
  readonly audit?: false;
  /** The sites' circuit breakers (see ProviderSubgraphOptions.circuits). */
  readonly circuits?: SiteCircuitsOption;
}

/**
 * The subgraph factory of a kind whose adapters need nothing beyond the registry: every
 * site of the kind, the curated datasets, one adapter per site.
 */
export function kindSubgraphFactory(kind: string, createAdapter: CreateAdapter): (options: KindSubgraphOptions) => Promise<ProviderSubgraph> {
  return (options) => createProviderSubgraph({
    kind,
    sites: options.registry.sites,
    datasets: options.registry.datasets,
    createAdapter,
    pseudonymSecret: options.pseudonymSecret,
    ...(options.logger && { logger: options.logger }),
    ...(options.env && { env: options.env }),
    ...(options.fetch && { fetch: options.fetch }),
    ...(options.accessPolicy && { accessPolicy: options.accessPolicy }),
    ...(options.resolveCaller && { resolveCaller: options.resolveCaller }),
    ...(options.store && { store: options.store }),
    ...(options.audit === false && { audit: false as const }),
    ...(options.circuits !== undefined && { circuits: options.circuits }),
  });
}
