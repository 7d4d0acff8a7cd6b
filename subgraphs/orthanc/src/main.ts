import { loadProviderProcessConfig, runProviderProcess } from '@cancer-imaging/provider-kit';
import { DEFAULT_ORTHANC_REGISTRY } from './config.js';
import { createOrthancSubgraph } from './server.js';

// The Orthanc kind subgraph as a process (CIG_ORTHANC_PORT, CIG_REGISTRY, CIG_ORTHANC_PSEUDONYM_SECRET, CIG_INTERNAL_SECRET,
// CIG_DATABASE_URL, ...).
await runProviderProcess({
  config: loadProviderProcessConfig('orthanc', process.env, { port: 4003, registryPath: DEFAULT_ORTHANC_REGISTRY }),
  build: (registry, logger, config, access) => createOrthancSubgraph({ registry, logger, env: process.env, pseudonymSecret: config.pseudonymSecret, ...access }),
});
