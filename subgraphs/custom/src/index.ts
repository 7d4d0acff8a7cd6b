export {
  createCustomAdapter, createCustomAdapterFactory, CUSTOM_INDEX_API_VERSION, type CustomAdapterDeps,
} from './adapter/create-custom-adapter.js';
export { EXACT_CRITERIA } from './adapter/custom-criteria.js';
export {
  openIndexFile, writeIndex, type DicomSex, type IndexSegmentationFormat, type SegmentationIndexRow, type SeriesIndexRow,
  type SqliteDatabase, type SubjectIndexRows, type WriteIndexResult,
} from './adapter/custom-index.js';
export {
  CustomSiteConfigError, customSiteOptionsSchema, DEMO_BASE_URL, isDemoSite, resolveIndexFile, type CustomSiteOptions,
} from './adapter/custom-location.js';
export { buildDemoSpec, CUSTOM_KIND, DemoSpecError, type DemoDatasetSpec, type DemoSpec } from './demo/demo-spec.js';
export {
  computeDemoTotals, DEFAULT_DEMO_SEED, DEMO_GENERATOR_VERSION, generateDemoRows, tallyDemoRows,
  type DemoDatasetTotals, type DemoTotals,
} from './demo/generate-demo.js';
export {
  buildDemoIndex, DEFAULT_DEMO_CACHE_DIR, demoIndexKey, ensureDemoIndex, type EnsureDemoIndexOptions,
} from './demo/ensure-demo-index.js';
export { buildSimulatedRegistry, toRegistryText, type SimulatedRegistryOptions } from './demo/simulated-registry.js';
export { typeDefs } from './schema.js';
export { createCustomSubgraph, type CustomSubgraphOptions } from './server.js';
export { DEFAULT_CUSTOM_REGISTRY, demoCacheDir } from './config.js';
