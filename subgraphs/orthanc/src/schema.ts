import { buildProviderTypeDefs } from '@cancer-imaging/provider-kit';

/** The Orthanc kind's subgraph SDL: the provider contract on Orthanc* types. */
export const typeDefs = buildProviderTypeDefs('orthanc');
