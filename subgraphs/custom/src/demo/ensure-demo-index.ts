import { createHash, randomUUID } from 'node:crypto';
import { access, mkdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Registry } from '@cancer-imaging/provider-kit';
import type { Logger } from 'pino';
import { writeIndex, type SubjectIndexRows } from '../adapter/custom-index.js';
import { buildDemoSpec, type DemoSpec } from './demo-spec.js';
import { createDemoTally, DEFAULT_DEMO_SEED, DEMO_GENERATOR_VERSION, generateDemoRows, type DemoTotals } from './generate-demo.js';

/** `<repo>/.cache/demo`, from this file's place in the repository (src/ or dist/ alike). */
export const DEFAULT_DEMO_CACHE_DIR = fileURLToPath(new URL('../../../../.cache/demo/', import.meta.url));

/**
 * The cache key of a demo index: it changes whenever the generator, the seed or anything
 * the generator reads from the registry changes, so a stale index is never served.
 */
export function demoIndexKey(spec: DemoSpec, seed: string): string {
  return createHash('sha256')
    .update(JSON.stringify({ generator: DEMO_GENERATOR_VERSION, seed, datasets: spec.datasets }))
    .digest('hex')
    .slice(0, 16);
}

/** Generates and writes a demo index to `file` (which must not exist), returning its totals. */
export function buildDemoIndex(file: string, spec: DemoSpec, seed: string = DEFAULT_DEMO_SEED): DemoTotals {
  const tally = createDemoTally();
  // Tally as the rows stream into SQLite: one subject's rows in memory at a time.
  function* counted(): Generator<SubjectIndexRows> {
    for (const subject of generateDemoRows(spec, seed)) {
      tally.add(subject);
      yield subject;
    }
  }
  writeIndex(file, counted());
  return tally.totals();
}

export interface EnsureDemoIndexOptions {
  /** The registry whose `demo:` custom sites the index serves. */
  readonly registry: Pick<Registry, 'sites' | 'datasets'>;
  /** Where built indexes are kept; default `<repo>/.cache/demo`. */
  readonly cacheDir?: string;
  readonly seed?: string;
  readonly logger?: Logger;
}

/**
 * Returns the path of the demo index for this registry, building it on first use. The file
 * is written under a unique temporary name and renamed into place (atomic on one file
 * system), so processes starting together never see a half-written index: each builds its
 * own copy and the last rename wins with identical content. The build is synchronous
 * (seconds, at start-up only).
 */
export async function ensureDemoIndex(options: EnsureDemoIndexOptions): Promise<string> {
  const spec = buildDemoSpec(options.registry);
  const seed = options.seed ?? DEFAULT_DEMO_SEED;
  const dir = path.resolve(options.cacheDir ?? DEFAULT_DEMO_CACHE_DIR);
  const file = path.join(dir, `demo-${demoIndexKey(spec, seed)}.sqlite`);
  if (await exists(file)) {
    options.logger?.debug({ file }, 'demo index found in cache');
    return file;
  }
  await mkdir(dir, { recursive: true });
  const temporary = `${file}.${randomUUID()}.tmp`;
  try {
    const started = performance.now();
    const totals = buildDemoIndex(temporary, spec, seed);
    await rename(temporary, file);
    options.logger?.info({
      file, seconds: Math.round(performance.now() - started) / 1000, sites: totals.sites, datasets: totals.datasets.length,
      subjects: totals.subjects, studies: totals.studies, series: totals.series,
    }, 'demo index built');
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
  return file;
}

async function exists(file: string): Promise<boolean> {
  try {
    await access(file);
    return true;
  } catch {
    return false;
  }
}
