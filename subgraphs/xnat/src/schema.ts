import { buildProviderTypeDefs } from '@cancer-imaging/provider-kit';

/** The XNAT kind's subgraph SDL: the provider contract on Xnat* types. */
export const typeDefs = buildProviderTypeDefs('xnat');
