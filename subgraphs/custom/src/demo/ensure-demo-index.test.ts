import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseRegistry, type Registry } from '@cancer-imaging/provider-kit';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildDemoSpec } from './demo-spec.js';
import { demoIndexKey, ensureDemoIndex } from './ensure-demo-index.js';
import { computeDemoTotals, DEFAULT_DEMO_SEED } from './generate-demo.js';

const yaml = (subjects: number) => `
sites:
  - { id: demo-a, name: A, country: NL, kind: custom, baseUrl: "demo:" }
  - { id: demo-b, name: B, country: ES, kind: custom, baseUrl: "demo:" }
datasets:
  - { site: demo-a, localId: prostate, title: T, cancerTypes: [PROSTATE], modalities: [MR, SEG], size: { subjects: ${subjects} }, publisher: { name: P } }
  - { site: demo-b, localId: lung, title: T, cancerTypes: [LUNG], size: { subjects: 20 }, publisher: { name: P } }
`;

describe('ensureDemoIndex', () => {
  let dir: string;
  let registry: Registry;

  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'cig-demo-'));
    registry = await parseRegistry(yaml(30), '/virtual/registry.yaml');
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('builds the index on first use under a name keyed by generator, seed and spec, holding the generated totals', async () => {
    const file = await ensureDemoIndex({ registry, cacheDir: dir });
    expect(path.basename(file)).toBe(`demo-${demoIndexKey(buildDemoSpec(registry), DEFAULT_DEMO_SEED)}.sqlite`);
    const totals = computeDemoTotals(buildDemoSpec(registry));
    const db = new Database(file, { readonly: true });
    try {
      const counted = db.prepare('SELECT COUNT(*) AS series, COUNT(DISTINCT study_uid) AS studies, COUNT(DISTINCT site_id || dataset_id || patient_id) AS subjects FROM series').get();
      expect(counted).toEqual({ series: totals.series, studies: totals.studies, subjects: 50 });
      expect(db.prepare('SELECT COUNT(*) AS n FROM segmentation').get()).toEqual({ n: totals.segmentations });
    } finally {
      db.close();
    }
  });

  it('reuses a cached index instead of rebuilding it', async () => {
    const first = await ensureDemoIndex({ registry, cacheDir: dir });
    const before = await stat(first);
    const second = await ensureDemoIndex({ registry, cacheDir: dir });
    expect(second).toBe(first);
    expect((await stat(second)).mtimeMs).toBe(before.mtimeMs);
  });

  it('builds a new index when the dataset spec or the seed changes', async () => {
    const original = await ensureDemoIndex({ registry, cacheDir: dir });
    const resized = await ensureDemoIndex({ registry: await parseRegistry(yaml(31), '/virtual/registry.yaml'), cacheDir: dir });
    const reseeded = await ensureDemoIndex({ registry, cacheDir: dir, seed: 'other' });
    expect(new Set([original, resized, reseeded]).size).toBe(3);
  });

  it('leaves no temporary file behind when several builds race for the same index', async () => {
    const files = await Promise.all([1, 2, 3].map(() => ensureDemoIndex({ registry, cacheDir: dir })));
    expect(new Set(files).size).toBe(1);
    expect((await readdir(dir)).filter((name) => name.endsWith('.tmp'))).toEqual([]);
  });

  it('removes its temporary file and writes nothing when the spec cannot be generated', async () => {
    const bad = await parseRegistry(yaml(30).replace('modalities: [MR, SEG]', 'modalities: [MG]'), '/virtual/registry.yaml');
    await expect(ensureDemoIndex({ registry: bad, cacheDir: dir })).rejects.toThrow(/no PROSTATE study type fits/);
    expect(await readdir(dir)).toEqual([]);
  });
});
