import {
  createProviderSubgraph, type AccessPolicy, type Caller, type GraphStore, type ProviderAdapter, type ProviderSubgraph, type Registry, type SiteCircuitsOption,
  type SiteConfig,
} from '@cancer-imaging/provider-kit';
import type { HeaderMap } from '@apollo/server';
import type { Logger } from 'pino';
import { createCustomAdapterFactory } from './adapter/create-custom-adapter.js';
import { isDemoSite } from './adapter/custom-location.js';
import { createReadPool, defaultReadPoolSize } from './adapter/read-pool.js';
import { CUSTOM_KIND } from './demo/demo-spec.js';
import { ensureDemoIndex } from './demo/ensure-demo-index.js';

export interface CustomSubgraphOptions {
  readonly registry: Registry;
  readonly pseudonymSecret: string;
  readonly logger: Logger;
  /** Where the embedded demo index is built; default `<repo>/.cache/demo`. */
  readonly cacheDir?: string;
  readonly accessPolicy?: AccessPolicy;
  readonly resolveCaller?: (headers: HeaderMap) => Caller | Promise<Caller>;
  /** Where record-level reads are audited (the kit's ProviderSubgraphOptions.store). */
  readonly store?: Pick<GraphStore, 'appendAudit'>;
  /** `false`: no audit without a store, for tests (the kit's ProviderSubgraphOptions.audit). */
  readonly audit?: false;
  /**
   * Wraps each site's adapter once it is built. For tests and benchmarks only: the 30-site
   * simulation injects per-site latency and failures with the kit's `withInjectedFaults`.
   * Default: every site is served by its adapter as built.
   */
  readonly wrapAdapter?: (site: SiteConfig, adapter: ProviderAdapter) => ProviderAdapter;
  /**
   * Reader threads counting cohorts for all sites (read-pool.ts); 0 counts on the main
   * thread. Default: one per core.
   */
  readonly readThreads?: number;
  /** The sites' circuit breakers (the kit's ProviderSubgraphOptions.circuits); default on. */
  readonly circuits?: SiteCircuitsOption;
}

/**
 * The custom kind subgraph for every custom site of the registry. Sites at `demo:` share
 * the embedded demo index, built here on first start (seconds) and reused afterwards.
 */
export async function createCustomSubgraph(options: CustomSubgraphOptions): Promise<ProviderSubgraph> {
  const sites = options.registry.sites.filter((site) => site.kind === CUSTOM_KIND);
  const demoIndexPath = sites.some(isDemoSite)
    ? await ensureDemoIndex({ registry: options.registry, cacheDir: options.cacheDir, logger: options.logger })
    : undefined;
  const threads = options.readThreads ?? defaultReadPoolSize();
  const readPool = threads > 0 ? createReadPool(threads) : undefined;
  const createAdapter = createCustomAdapterFactory({ demoIndexPath, ...(readPool && { readPool }) });
  const wrap = options.wrapAdapter;
  const subgraph = await createProviderSubgraph({
    kind: CUSTOM_KIND,
    sites,
    datasets: options.registry.datasets,
    createAdapter: wrap ? async (site, deps) => wrap(site, await createAdapter(site, deps)) : createAdapter,
    pseudonymSecret: options.pseudonymSecret,
    logger: options.logger,
    accessPolicy: options.accessPolicy,
    resolveCaller: options.resolveCaller,
    ...(options.store && { store: options.store }),
    ...(options.audit === false && { audit: false as const }),
    ...(options.circuits !== undefined && { circuits: options.circuits }),
  });
  const closeSites = subgraph.close.bind(subgraph);
  return Object.assign(subgraph, {
    async close() {
      await closeSites();
      await readPool?.close();
    },
  });
}
