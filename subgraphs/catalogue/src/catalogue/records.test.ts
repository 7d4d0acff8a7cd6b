import { parseRegistry, type Registry } from '@cancer-imaging/provider-kit';
import { describe, expect, it } from 'vitest';
import { buildCatalogueRecords, CatalogueError, compareCodeUnits } from './records.js';

const SITES = [
  { id: 'site-b', name: 'Site B', country: 'DE', kind: 'xnat', baseUrl: 'https://b.example' },
  { id: 'site-a', name: 'Site A', country: 'NL', kind: 'custom', baseUrl: 'file:a.sqlite' },
];

function dataset(site: string, localId: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { site, localId, title: `Dataset ${localId}`, cancerTypes: ['LUNG'], publisher: { name: 'P' }, ...extra };
}

async function registryOf(datasets: readonly Record<string, unknown>[]): Promise<Registry> {
  return parseRegistry(JSON.stringify({ sites: SITES, datasets }), '/virtual/registry.yaml');
}

describe('buildCatalogueRecords', () => {
  it('orders providers by id and datasets by site id, then local id by code unit', async () => {
    const records = buildCatalogueRecords(await registryOf([
      dataset('site-b', 'b'), dataset('site-a', 'beta'), dataset('site-b', 'A'), dataset('site-a', 'Zeta'), dataset('site-a', 'alpha'),
    ]));
    expect(records.providers.map((p) => p.id)).toEqual(['site-a', 'site-b']);
    // Upper case sorts before lower case by code unit, whatever the server's locale.
    expect(records.datasets.map((d) => d.id)).toEqual([
      'site-a:custom:Zeta', 'site-a:custom:alpha', 'site-a:custom:beta', 'site-b:xnat:A', 'site-b:xnat:b',
    ]);
    expect(records.providers[0]?.datasets.map((d) => d.localId)).toEqual(['Zeta', 'alpha', 'beta']);
  });

  it('links providers and datasets both ways and stamps the concrete type of the kind', async () => {
    const records = buildCatalogueRecords(await registryOf([dataset('site-b', 'x')]));
    const [siteA, siteB] = records.providers;
    expect(siteA).toMatchObject({ __typename: 'CustomProvider', id: 'site-a', kind: 'custom', datasets: [] });
    expect(siteB?.__typename).toBe('XnatProvider');
    const record = records.datasets[0];
    expect(record?.__typename).toBe('XnatDataset');
    expect(record?.provider).toBe(siteB);
    expect(siteB?.datasets[0]).toBe(record);
  });

  it('freezes every record, so no request can change what the next one reads', async () => {
    const records = buildCatalogueRecords(await registryOf([dataset('site-a', 'x', { ageRange: { min: 1 }, contact: { email: 'e@x' } })]));
    const record = records.datasets[0];
    expect(Object.isFrozen(records.providers)).toBe(true);
    expect(Object.isFrozen(records.providers[0])).toBe(true);
    expect(Object.isFrozen(records.providers[0]?.datasets)).toBe(true);
    expect(Object.isFrozen(record)).toBe(true);
    expect(Object.isFrozen(record?.cancerTypes)).toBe(true);
    expect(Object.isFrozen(record?.ageRange)).toBe(true);
    expect(Object.isFrozen(record?.contact)).toBe(true);
  });

  it('reads curated spellings of coded values and drops repeats', async () => {
    const records = buildCatalogueRecords(await registryOf([dataset('site-a', 'x', {
      cancerTypes: ['prostate', 'Prostate', ' glioblastoma '],
      modalities: ['mr', 'MR', 'ct'],
      bodyParts: ['whole body', 'Pelvis'],
      sex: ['female', 'MALE'],
      manufacturers: ['SIEMENS', ' SIEMENS ', ''],
      keywords: ['a', 'a', 'b'],
    })]));
    expect(records.datasets[0]).toMatchObject({
      cancerTypes: ['PROSTATE', 'GLIOBLASTOMA'],
      modalities: ['MR', 'CT'],
      bodyParts: ['WHOLEBODY', 'PELVIS'],
      sex: ['FEMALE', 'MALE'],
      manufacturers: ['SIEMENS'],
      keywords: ['a', 'b'],
    });
  });

  it('fills optional DCAT fields with null, never undefined', async () => {
    const records = buildCatalogueRecords(await registryOf([dataset('site-a', 'x', { contact: {} })]));
    expect(records.datasets[0]).toMatchObject({
      description: '', version: null, ageRange: null, licence: null, contact: null, issued: null,
      publisher: { name: 'P', url: null }, accessRights: 'RESTRICTED', accessModes: ['DOWNLOAD'],
    });
  });

  it.each([
    ['cancerTypes', { cancerTypes: ['LUNG', 'MELANOMA'] }, /site-a\/x: cancerTypes: "MELANOMA" is not a CancerType \(one of BREAST,/],
    ['modalities', { modalities: ['XR'] }, /modalities: "XR" is not a Modality/],
    ['bodyParts', { bodyParts: ['KNEE'] }, /bodyParts: "KNEE" is not a BodyPart/],
    ['sex', { sex: ['F'] }, /sex: "F" is not a Sex/],
    ['an inverted age range', { ageRange: { min: 60, max: 40 } }, /ageRange: min 60 is above max 40/],
    ['a negative age', { ageRange: { min: -1 } }, /ageRange: ages cannot be negative/],
  ])('refuses %s outside the contract with a CatalogueError naming the file and dataset', async (_what, extra, message) => {
    const registry = await registryOf([dataset('site-a', 'x', extra)]);
    expect(() => buildCatalogueRecords(registry)).toThrow(CatalogueError);
    expect(() => buildCatalogueRecords(registry)).toThrow(message);
    expect(() => buildCatalogueRecords(registry)).toThrow(/^\/virtual\/registry\.yaml: dataset site-a\/x: /);
  });
});

describe('compareCodeUnits', () => {
  it('orders by UTF-16 code unit', () => {
    expect(['b', 'B', 'a', 'é', 'A'].sort(compareCodeUnits)).toEqual(['A', 'B', 'a', 'b', 'é']);
    expect(compareCodeUnits('x', 'x')).toBe(0);
  });
});
