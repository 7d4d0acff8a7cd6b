import { fileURLToPath } from 'node:url';
import { CANCER_TYPES } from '@cancer-imaging/schema';
import { loadRegistry, type Registry } from '@cancer-imaging/provider-kit';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildDemoSpec, generateDemoRows, isDemoSite } from '../src/index.js';

const REGISTRY_FILE = fileURLToPath(new URL('../../../config/demo/registry.yaml', import.meta.url));

describe('the demo registry and curated catalogue (config/demo)', () => {
  let registry: Registry;
  beforeAll(async () => {
    registry = await loadRegistry(REGISTRY_FILE);
  });

  it('declares at least four custom demo sites in at least three countries', () => {
    const sites = registry.sites.filter((s) => s.kind === 'custom' && isDemoSite(s));
    expect(sites.length).toBeGreaterThanOrEqual(4);
    expect(new Set(sites.map((s) => s.country)).size).toBeGreaterThanOrEqual(3);
    for (const site of sites) expect(site.name).toMatch(/\(synthetic\)$/);
  });

  it('gives one site a stricter privacy threshold than the default', () => {
    expect(registry.sites.some((s) => s.privacy.minCount > registry.privacy.minCount)).toBe(true);
  });

  it('curates 36 datasets, 3 to 6 per cancer type, over every site', () => {
    expect(registry.datasets).toHaveLength(36);
    for (const type of Object.keys(CANCER_TYPES)) {
      const count = registry.datasets.filter((d) => d.cancerTypes.includes(type)).length;
      expect(count, type).toBeGreaterThanOrEqual(3);
      expect(count, type).toBeLessThanOrEqual(6);
    }
    expect(new Set(registry.datasets.map((d) => d.site))).toEqual(new Set(registry.sites.map((s) => s.id)));
  });

  it('sizes the catalogue at about 20,000 subjects', () => {
    const subjects = registry.datasets.reduce((sum, d) => sum + (d.size?.subjects ?? 0), 0);
    expect(subjects).toBeGreaterThanOrEqual(19_000);
    expect(subjects).toBeLessThanOrEqual(21_000);
  });

  it('uses kebab-case local ids, unique per site', () => {
    for (const d of registry.datasets) expect(d.localId).toMatch(/^[a-z0-9]+(-[a-z0-9]+)*$/);
    const keys = registry.datasets.map((d) => `${d.site}/${d.localId}`);
    expect(new Set(keys).size).toBe(keys.length);
  });

  it('fills the DCAT-AP fields and marks everything as synthetic', () => {
    for (const d of registry.datasets) {
      expect(d.title, d.localId).toMatch(/\(synthetic\)$/);
      expect(d.description, d.localId).toMatch(/Synthetic demonstration data/);
      expect(d.keywords).toContain('synthetic');
      expect(d.version).toBeTruthy();
      expect(d.modalities.length).toBeGreaterThan(0);
      expect(d.bodyParts.length).toBeGreaterThan(0);
      expect(d.manufacturers.length).toBeGreaterThan(0);
      expect(d.sex.length).toBeGreaterThan(0);
      expect(d.ageRange?.min).toBeTypeOf('number');
      expect(d.licence).toBeTruthy();
      expect(d.issued).toMatch(/^\d{4}-\d{2}-\d{2}$/);
      expect(d.publisher.name).toMatch(/\(synthetic\)$/);
      // A role mailbox, never a person.
      expect(d.contact?.email).toMatch(/^data-access@demo-[a-z]+\.example\.org$/);
      expect(d.contact?.name).toBe('Data access desk (synthetic)');
    }
  });

  it('is mostly RESTRICTED, with a few PUBLIC and a couple of NON_PUBLIC datasets', () => {
    const count = (rights: string) => registry.datasets.filter((d) => d.accessRights === rights).length;
    expect(count('RESTRICTED')).toBeGreaterThan(18);
    expect(count('PUBLIC')).toBeGreaterThanOrEqual(2);
    expect(count('NON_PUBLIC')).toBeGreaterThanOrEqual(2);
  });

  it('declares only what the demo generator can produce for every dataset', () => {
    const spec = buildDemoSpec(registry);
    expect(spec.datasets).toHaveLength(36);
    // The generator plans (and validates) every dataset before its first subject.
    expect(generateDemoRows(spec).next().done).toBe(false);
  });
});
