// The public surface of @cancer-imaging/subgraph-catalogue. Internals (records builder,
// dataset index, resolvers) stay behind it.
export { buildCatalogueTypeDefs, kindTypeNames, normaliseKinds, type KindTypeNames } from './schema.js';
export { createCatalogueSubgraph, type CatalogueSubgraph, type CatalogueSubgraphOptions } from './server.js';
export { buildCatalogue, type Catalogue } from './catalogue/catalogue.js';
export { CatalogueError, type AccessMode, type AccessRights, type DatasetRecord, type ProviderRecord } from './catalogue/records.js';
export { MAX_TEXT_LENGTH, type DatasetFilterInput, type DatasetPage } from './catalogue/dataset-index.js';
export { ConfigError, DEFAULT_REGISTRY, parseCatalogueConfig, REPO_ROOT, type CatalogueConfig, type LogLevel } from './config.js';
export { createCatalogueLogger, startCatalogue, type StartCatalogueOptions } from './start.js';
