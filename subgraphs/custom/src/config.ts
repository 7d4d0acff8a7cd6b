import { fileURLToPath } from 'node:url';
import path from 'node:path';

/** The registry the custom subgraph serves unless CIG_REGISTRY names another. */
export const DEFAULT_CUSTOM_REGISTRY = fileURLToPath(new URL('../../../config/demo/registry.yaml', import.meta.url));

/** Where the demo index is built: CIG_CUSTOM_CACHE_DIR, default `<repo>/.cache/demo`. */
export function demoCacheDir(env: Readonly<Record<string, string | undefined>>): string | undefined {
  return env.CIG_CUSTOM_CACHE_DIR ? path.resolve(env.CIG_CUSTOM_CACHE_DIR) : undefined;
}

/**
 * Reader threads for counts: CIG_CUSTOM_READ_THREADS, default one per core; 0 counts on the
 * main thread.
 */
export function readThreads(env: Readonly<Record<string, string | undefined>>): number | undefined {
  const value = env.CIG_CUSTOM_READ_THREADS;
  if (value === undefined || value === '') return undefined;
  const threads = Number(value);
  if (!Number.isInteger(threads) || threads < 0 || threads > 64) throw new RangeError(`CIG_CUSTOM_READ_THREADS must be a whole number from 0 to 64; got "${value}".`);
  return threads;
}
