import { loadProviderProcessConfig, runProviderProcess } from '@cancer-imaging/provider-kit';
import { DEFAULT_CUSTOM_REGISTRY, demoCacheDir, readThreads } from './config.js';
import { createCustomSubgraph } from './server.js';

// The custom kind subgraph as a process (CIG_CUSTOM_PORT, CIG_REGISTRY, CIG_CUSTOM_PSEUDONYM_SECRET, CIG_CUSTOM_CACHE_DIR,
// CIG_CUSTOM_READ_THREADS, CIG_INTERNAL_SECRET, CIG_DATABASE_URL, ...).
const threads = readThreads(process.env);
await runProviderProcess({
  config: loadProviderProcessConfig('custom', process.env, { port: 4002, registryPath: DEFAULT_CUSTOM_REGISTRY }),
  build: (registry, logger, config, access) => createCustomSubgraph({
    registry, logger, pseudonymSecret: config.pseudonymSecret, cacheDir: demoCacheDir(process.env), ...(threads !== undefined && { readThreads: threads }), ...access,
  }),
});
