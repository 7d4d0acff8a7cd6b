import { parseRegistry } from '@cancer-imaging/provider-kit';
import { describe, expect, it } from 'vitest';
import { buildDemoSpec, DemoSpecError } from './demo-spec.js';

const registry = (datasets: string) => parseRegistry(`
sites:
  - { id: demo-b, name: B, country: ES, kind: custom, baseUrl: "demo:" }
  - { id: demo-a, name: A, country: NL, kind: custom, baseUrl: "demo:" }
  - { id: own-index, name: C, country: DE, kind: custom, baseUrl: "file:/srv/index.sqlite" }
  - { id: pacs, name: D, country: IT, kind: orthanc, baseUrl: "http://pacs.invalid" }
datasets:
${datasets}
`, '/virtual/registry.yaml');

const publisher = 'publisher: { name: P }';

describe('buildDemoSpec', () => {
  it('takes the datasets of demo: custom sites only, sorted by site then local id', async () => {
    const spec = buildDemoSpec(await registry(`
  - { site: demo-b, localId: z, title: T, cancerTypes: [LUNG], size: { subjects: 3 }, ${publisher} }
  - { site: demo-a, localId: y, title: T, cancerTypes: [LUNG], size: { subjects: 2 }, ${publisher} }
  - { site: demo-a, localId: b, title: T, cancerTypes: [BREAST, LUNG], modalities: [MR, MG], sex: [FEMALE], ageRange: { min: 30 }, size: { subjects: 1 }, ${publisher} }
  - { site: own-index, localId: x, title: T, cancerTypes: [LUNG], ${publisher} }
  - { site: pacs, localId: w, title: T, cancerTypes: [LUNG], ${publisher} }
`));
    expect(spec.datasets.map((d) => `${d.siteId}/${d.localId}`)).toEqual(['demo-a/b', 'demo-a/y', 'demo-b/z']);
    expect(spec.datasets[0]).toEqual({
      siteId: 'demo-a', localId: 'b', cancerTypes: ['BREAST', 'LUNG'], subjects: 1, modalities: ['MG', 'MR'], bodyParts: [],
      manufacturers: [], sex: ['FEMALE'], ageRange: { min: 30, max: null },
    });
  });

  it('refuses a demo dataset without size.subjects, naming it', async () => {
    const reg = await registry(`  - { site: demo-a, localId: nosize, title: T, cancerTypes: [LUNG], ${publisher} }`);
    expect(() => buildDemoSpec(reg)).toThrow(DemoSpecError);
    expect(() => buildDemoSpec(reg)).toThrow(/demo-a\/nosize needs size.subjects/);
  });

  it('refuses codes outside the contract vocabularies, naming the field', async () => {
    const reg = await registry(`  - { site: demo-a, localId: odd, title: T, cancerTypes: [LUNG], modalities: [CT, XR], size: { subjects: 1 }, ${publisher} }`);
    expect(() => buildDemoSpec(reg)).toThrow(/modalities has unknown value XR/);
    const cancer = await registry(`  - { site: demo-a, localId: odd, title: T, cancerTypes: [SKIN], size: { subjects: 1 }, ${publisher} }`);
    expect(() => buildDemoSpec(cancer)).toThrow(/cancerTypes has unknown value SKIN/);
  });
});
