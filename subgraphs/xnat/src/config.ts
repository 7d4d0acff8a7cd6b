import { fileURLToPath } from 'node:url';

/** The registry the XNAT subgraph serves unless CIG_REGISTRY names another. */
export const DEFAULT_XNAT_REGISTRY = fileURLToPath(new URL('../../../config/demo-xnat/registry.yaml', import.meta.url));
