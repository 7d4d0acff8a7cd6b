import { fileURLToPath } from 'node:url';
import { loadRegistry, parseRegistry, type Registry } from '@cancer-imaging/provider-kit';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildDemoSpec } from './demo-spec.js';
import { computeDemoTotals } from './generate-demo.js';
import { buildSimulatedRegistry, toRegistryText } from './simulated-registry.js';

const DEMO_REGISTRY = fileURLToPath(new URL('../../../../config/demo/registry.yaml', import.meta.url));
let demo: Registry;
beforeAll(async () => {
  demo = await loadRegistry(DEMO_REGISTRY);
});

const datasetsPerSite = (registry: Registry) => {
  const counts = new Map(registry.sites.map((site) => [site.id, 0]));
  for (const dataset of registry.datasets) counts.set(dataset.site, counts.get(dataset.site)! + 1);
  return counts;
};

describe('buildSimulatedRegistry', () => {
  it('deals the 36 demo datasets over 30 demo: sites, each dataset once, every site holding one or two', () => {
    const registry = buildSimulatedRegistry(demo, { sites: 30 });
    expect(registry.sites.map((site) => site.id)).toEqual(Array.from({ length: 30 }, (_, i) => `sim-${String(i + 1).padStart(2, '0')}`));
    expect(registry.sites.every((site) => site.kind === 'custom' && site.baseUrl === 'demo:')).toBe(true);
    expect(new Set(registry.sites.map((site) => site.country)).size).toBe(15);
    expect(registry.datasets.map((d) => d.localId).sort()).toEqual(demo.datasets.map((d) => d.localId).sort());
    const perSite = [...datasetsPerSite(registry).values()];
    expect(perSite.filter((n) => n === 2)).toHaveLength(6);
    expect(perSite.filter((n) => n === 1)).toHaveLength(24);
    // Only site, publisher, contact and size may differ from the curated entry.
    for (const dataset of registry.datasets) {
      const curated = demo.datasets.find((d) => d.localId === dataset.localId)!;
      expect({ ...dataset, site: curated.site, publisher: curated.publisher, contact: curated.contact }).toEqual(curated);
      expect(dataset.publisher.name).toBe(registry.sites.find((s) => s.id === dataset.site)!.name);
    }
  });

  it('is deterministic and does not depend on the order of the catalogue file', () => {
    const shuffled = { ...demo, datasets: [...demo.datasets].reverse() };
    expect(buildSimulatedRegistry(shuffled, { sites: 30, subjectScale: 0.1 })).toEqual(buildSimulatedRegistry(demo, { sites: 30, subjectScale: 0.1 }));
  });

  it('scales each dataset\'s size, never below one subject, and the generator makes exactly that many', () => {
    const registry = buildSimulatedRegistry(demo, { sites: 30, subjectScale: 0.02 });
    for (const dataset of registry.datasets) {
      const curated = demo.datasets.find((d) => d.localId === dataset.localId)!;
      expect(dataset.size!.subjects).toBe(Math.max(1, Math.round(curated.size!.subjects * 0.02)));
    }
    const totals = computeDemoTotals(buildDemoSpec(registry));
    expect(totals.sites).toBe(30);
    expect(totals.subjects).toBe(registry.datasets.reduce((sum, d) => sum + d.size!.subjects, 0));
    expect(totals.datasets.map((d) => d.subjects)).toEqual(buildDemoSpec(registry).datasets.map((d) => d.subjects));
  });

  it('puts every demo dataset at one site when asked for one site (the 200,000-series benchmark site)', () => {
    const registry = buildSimulatedRegistry(demo, { sites: 1, idPrefix: 'all' });
    expect(registry.sites.map((s) => s.id)).toEqual(['all-01']);
    expect(registry.datasets).toHaveLength(36);
    expect(registry.datasets.every((d) => d.site === 'all-01')).toBe(true);
    expect(registry.datasets.reduce((sum, d) => sum + d.size!.subjects, 0)).toBe(demo.datasets.reduce((sum, d) => sum + d.size!.subjects, 0));
  });

  it('deals datasets again when there are more sites than datasets, so every site holds one', () => {
    const registry = buildSimulatedRegistry(demo, { sites: 50 });
    expect([...datasetsPerSite(registry).values()].every((n) => n === 1)).toBe(true);
    expect(registry.datasets).toHaveLength(50);
    expect(new Set(registry.datasets.map((d) => d.localId)).size).toBe(36);
  });

  it('keeps local ids unique at a site when two base sites share one', async () => {
    const base = await parseRegistry(`
sites:
  - { id: a, name: A, country: NL, kind: custom, baseUrl: "demo:" }
  - { id: b, name: B, country: ES, kind: custom, baseUrl: "demo:" }
datasets:
  - { site: a, localId: lung, title: T, cancerTypes: [LUNG], size: { subjects: 5 }, publisher: { name: P } }
  - { site: b, localId: lung, title: T, cancerTypes: [LUNG], size: { subjects: 7 }, publisher: { name: P } }
`, '/virtual/base.yaml');
    const registry = buildSimulatedRegistry(base, { sites: 1 });
    expect(registry.datasets.map((d) => [d.localId, d.size!.subjects])).toEqual([['lung', 5], ['lung-2', 7]]);
  });

  it('reads back through the registry loader unchanged, per-site deadline included', async () => {
    const registry = buildSimulatedRegistry(demo, { sites: 30, subjectScale: 0.1, deadlineMs: 800 });
    const parsed = await parseRegistry(toRegistryText(registry), '/virtual/sim.json');
    expect(parsed.sites).toEqual(registry.sites);
    expect(parsed.datasets).toEqual(registry.datasets);
    expect(parsed.sites.every((site) => site.deadlineMs === 800)).toBe(true);
  });

  it('refuses a site count outside 1 to 999 and a non-positive scale', () => {
    expect(() => buildSimulatedRegistry(demo, { sites: 0 })).toThrow(RangeError);
    expect(() => buildSimulatedRegistry(demo, { sites: 2.5 })).toThrow(/integer/);
    expect(() => buildSimulatedRegistry(demo, { sites: 3, subjectScale: 0 })).toThrow(/subjectScale/);
  });
});
