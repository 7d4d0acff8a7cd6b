import type { HeaderMap } from '@apollo/server';
import {
  createProviderSubgraph, type AccessPolicy, type Caller, type ProviderSubgraph, type Registry,
} from '@cancer-imaging/provider-kit';
import type { Logger } from 'pino';
import { createOrthancAdapter } from './adapter/index.js';

export const ORTHANC_KIND = 'orthanc';

export interface OrthancSubgraphOptions {
  readonly registry: Registry;
  readonly pseudonymSecret: string;
  /** Default: silent. */
  readonly logger?: Logger;
  /** The environment holding the credentials the registry names. */
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly fetch?: typeof fetch;
  readonly accessPolicy?: AccessPolicy;
  readonly resolveCaller?: (headers: HeaderMap) => Caller | Promise<Caller>;
}

/** The Orthanc kind subgraph for every Orthanc site of the registry. */
export function createOrthancSubgraph(options: OrthancSubgraphOptions): Promise<ProviderSubgraph> {
  return createProviderSubgraph({
    kind: ORTHANC_KIND,
    sites: options.registry.sites,
    datasets: options.registry.datasets,
    createAdapter: createOrthancAdapter,
    pseudonymSecret: options.pseudonymSecret,
    logger: options.logger,
    env: options.env,
    ...(options.fetch && { fetch: options.fetch }),
    accessPolicy: options.accessPolicy,
    resolveCaller: options.resolveCaller,
  });
}
