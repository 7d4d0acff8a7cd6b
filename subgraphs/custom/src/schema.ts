import { buildProviderTypeDefs } from '@cancer-imaging/provider-kit';

/** The custom kind's subgraph SDL: the provider contract on Custom* types, nothing more. */
export const typeDefs = buildProviderTypeDefs('custom');
