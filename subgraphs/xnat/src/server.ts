import { kindSubgraphFactory, type KindSubgraphOptions } from '@cancer-imaging/provider-kit';
import { createXnatAdapter } from './adapter/index.js';

export const XNAT_KIND = 'xnat';

export type XnatSubgraphOptions = KindSubgraphOptions;

/** The Xnat kind subgraph for every Xnat site of the registry. */
export const createXnatSubgraph = kindSubgraphFactory(XNAT_KIND, createXnatAdapter);
