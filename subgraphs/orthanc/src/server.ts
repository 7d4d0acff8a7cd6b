import { kindSubgraphFactory, type KindSubgraphOptions } from '@cancer-imaging/provider-kit';
import { createOrthancAdapter } from './adapter/index.js';

export const ORTHANC_KIND = 'orthanc';

export type OrthancSubgraphOptions = KindSubgraphOptions;

/** The Orthanc kind subgraph for every Orthanc site of the registry. */
export const createOrthancSubgraph = kindSubgraphFactory(ORTHANC_KIND, createOrthancAdapter);
