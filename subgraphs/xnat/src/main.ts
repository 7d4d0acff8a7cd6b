import { loadProviderProcessConfig, runProviderProcess } from '@cancer-imaging/provider-kit';
import { DEFAULT_XNAT_REGISTRY } from './config.js';
import { createXnatSubgraph } from './server.js';

// The XNAT kind subgraph as a process (CIG_XNAT_PORT, CIG_REGISTRY, CIG_XNAT_PSEUDONYM_SECRET, CIG_INTERNAL_SECRET,
// CIG_DATABASE_URL, ...).
await runProviderProcess({
  config: loadProviderProcessConfig('xnat', process.env, { port: 4004, registryPath: DEFAULT_XNAT_REGISTRY }),
  build: (registry, logger, config, access) => createXnatSubgraph({ registry, logger, env: process.env, pseudonymSecret: config.pseudonymSecret, ...access }),
});
