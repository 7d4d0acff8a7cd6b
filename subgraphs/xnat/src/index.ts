export { typeDefs } from './schema.js';
export { createXnatSubgraph, XNAT_KIND, type XnatSubgraphOptions } from './server.js';
export { DEFAULT_XNAT_REGISTRY } from './config.js';
export * from './adapter/index.js';
