export * from './adapter.js';
export * from './errors.js';
export * from './ids.js';
export * from './pagination.js';
export * from './registry.js';
export { startSubgraphServer, type RunningSubgraph, type SubgraphServerOptions } from './http-server.js';
