import { fileURLToPath } from 'node:url';

/** The registry the Orthanc subgraph serves unless CIG_REGISTRY names another. */
export const DEFAULT_ORTHANC_REGISTRY = fileURLToPath(new URL('../../../config/demo-orthanc/registry.yaml', import.meta.url));
