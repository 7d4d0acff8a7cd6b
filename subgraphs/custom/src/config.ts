import { fileURLToPath } from 'node:url';
import path from 'node:path';

/** The registry the custom subgraph serves unless CIG_REGISTRY names another. */
export const DEFAULT_CUSTOM_REGISTRY = fileURLToPath(new URL('../../../config/demo/registry.yaml', import.meta.url));

/** Where the demo index is built: CIG_CUSTOM_CACHE_DIR, default `<repo>/.cache/demo`. */
export function demoCacheDir(env: Readonly<Record<string, string | undefined>>): string | undefined {
  return env.CIG_CUSTOM_CACHE_DIR ? path.resolve(env.CIG_CUSTOM_CACHE_DIR) : undefined;
}
