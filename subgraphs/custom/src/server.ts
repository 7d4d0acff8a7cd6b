import {
  createProviderSubgraph, type AccessPolicy, type Caller, type ProviderSubgraph, type Registry,
} from '@cancer-imaging/provider-kit';
import type { HeaderMap } from '@apollo/server';
import type { Logger } from 'pino';
import { createCustomAdapterFactory } from './adapter/create-custom-adapter.js';
import { isDemoSite } from './adapter/custom-location.js';
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
  return createProviderSubgraph({
    kind: CUSTOM_KIND,
    sites,
    datasets: options.registry.datasets,
    createAdapter: createCustomAdapterFactory({ demoIndexPath }),
    pseudonymSecret: options.pseudonymSecret,
    logger: options.logger,
    accessPolicy: options.accessPolicy,
    resolveCaller: options.resolveCaller,
  });
}
