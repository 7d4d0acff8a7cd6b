import { beforeAll, describe, expect, it } from 'vitest';
import type { GraphQLSchema } from 'graphql';
import { ALL_DATASET_IDS, createFixtureSubgraph, json, run } from './helpers.js';

let schema: GraphQLSchema;

beforeAll(async () => {
  ({ schema } = await createFixtureSubgraph());
});

const DATASET_FIELDS = `
  __typename id localId title description version
  provider { id }
  cancerTypes modalities bodyParts manufacturers sex ageRange { min max }
  accessRights accessModes licence publisher { name url } contact { name email } keywords issued
`;

describe('Query.providers', () => {
  it('lists every site of the registry, ordered by id, typed by its kind', async () => {
    const result = await run(schema, '{ providers { __typename id name country kind } }');
    expect(result.errors).toBeUndefined();
    expect(json(result.data)).toEqual({
      providers: [
        { __typename: 'CustomProvider', id: 'demo-es', name: 'Demo Hospital Valencia', country: 'ES', kind: 'custom' },
        { __typename: 'CustomProvider', id: 'demo-nl', name: 'Demo Imaging Centre Amsterdam', country: 'NL', kind: 'custom' },
        { __typename: 'XnatProvider', id: 'xnat-de', name: 'XNAT Heidelberg', country: 'DE', kind: 'xnat' },
        { __typename: 'XnatProvider', id: 'xnat-fr', name: 'XNAT Lyon (no curated dataset yet)', country: 'FR', kind: 'xnat' },
        { __typename: 'XnatProvider', id: 'xnat-it', name: 'XNAT Milano', country: 'IT', kind: 'xnat' },
      ],
    });
  });

  it("gives each provider its curated datasets, ordered by local id, and an empty list when it has none", async () => {
    const result = await run<{ providers: { id: string; datasets: { id: string }[] }[] }>(schema, '{ providers { id datasets { id } } }');
    expect(result.errors).toBeUndefined();
    const byProvider = Object.fromEntries(result.data?.providers.map((p) => [p.id, p.datasets.map((d) => d.id)]) ?? []);
    expect(byProvider).toEqual({
      'demo-es': ['demo-es:custom:colorectal-ct', 'demo-es:custom:lung-ct-1'],
      'demo-nl': ['demo-nl:custom:breast-mg-1', 'demo-nl:custom:prostate-mr-1'],
      'xnat-de': ['xnat-de:xnat:GLIOMA_MR', 'xnat-de:xnat:LIVER_CT', 'xnat-de:xnat:PROSTATE_PET'],
      'xnat-fr': [],
      'xnat-it': ['xnat-it:xnat:BREAST_MR', 'xnat-it:xnat:NB:2020'],
    });
  });

  it('never exposes registry internals (base URLs, credentials, privacy settings)', async () => {
    const result = await run(schema, '{ providers { baseUrl } }');
    expect(result.errors?.[0]?.message).toMatch(/Cannot query field "baseUrl" on type "Provider"/);
  });
});

describe('Query.provider', () => {
  it('finds a site by its registry id', async () => {
    const result = await run(schema, 'query ($id: ID!) { provider(id: $id) { __typename id name country kind datasets { title } } }', { id: 'xnat-it' });
    expect(result.errors).toBeUndefined();
    expect(json(result.data)).toEqual({
      provider: {
        __typename: 'XnatProvider', id: 'xnat-it', name: 'XNAT Milano', country: 'IT', kind: 'xnat',
        datasets: [{ title: 'Breast DCE-MRI' }, { title: 'Paediatric neuroblastoma MRI' }],
      },
    });
  });

  it('returns null, not an error, for an unknown id', async () => {
    for (const id of ['nowhere', 'DEMO-NL', '', 'demo-nl:custom:prostate-mr-1']) {
      const result = await run(schema, 'query ($id: ID!) { provider(id: $id) { id } }', { id });
      expect(result).toEqual({ data: { provider: null } });
    }
  });
});

describe('Query.dataset', () => {
  it('returns every curated DCAT-AP field of a dataset', async () => {
    const result = await run(schema, `query ($id: ID!) { dataset(id: $id) { ${DATASET_FIELDS} } }`, { id: 'demo-nl:custom:prostate-mr-1' });
    expect(result.errors).toBeUndefined();
    expect(json(result.data)).toEqual({
      dataset: {
        __typename: 'CustomDataset',
        id: 'demo-nl:custom:prostate-mr-1',
        localId: 'prostate-mr-1',
        title: 'Prostate MRI cohort',
        description: 'Multiparametric prostate MRI with biopsy-confirmed lesions.',
        version: '1.2',
        provider: { id: 'demo-nl' },
        cancerTypes: ['PROSTATE'],
        modalities: ['MR'],
        bodyParts: ['PROSTATE', 'PELVIS'],
        manufacturers: ['SIEMENS', 'Philips'],
        sex: ['MALE'],
        ageRange: { min: 45, max: 85 },
        accessRights: 'PUBLIC',
        accessModes: ['DOWNLOAD'],
        licence: 'CC-BY-4.0',
        publisher: { name: 'Demo Imaging Centre', url: 'https://demo.example.nl' },
        contact: { name: 'Data desk', email: 'data@demo.example.nl' },
        keywords: ['prostate', 'mpMRI', 'PI-RADS'],
        issued: '2023-05-01',
      },
    });
  });

  it('returns null for the fields a dataset does not curate, and defaults from the registry', async () => {
    const result = await run(schema, `query ($id: ID!) { dataset(id: $id) { ${DATASET_FIELDS} } }`, { id: 'xnat-de:xnat:PROSTATE_PET' });
    expect(json(result.data)).toMatchObject({
      dataset: {
        __typename: 'XnatDataset', version: null, ageRange: null, licence: null, contact: null, issued: null,
        manufacturers: [], accessModes: ['DOWNLOAD'], publisher: { name: 'XNAT Heidelberg', url: null },
      },
    });
  });

  it('keeps an open end of an age range open', async () => {
    const result = await run(schema, '{ a: dataset(id: "xnat-de:xnat:GLIOMA_MR") { ageRange { min max } } b: dataset(id: "xnat-it:xnat:NB:2020") { ageRange { min max } } }');
    expect(json(result.data)).toEqual({ a: { ageRange: { min: 18, max: null } }, b: { ageRange: { min: null, max: 18 } } });
  });

  it('finds a dataset whose local id contains a colon', async () => {
    const result = await run(schema, '{ dataset(id: "xnat-it:xnat:NB:2020") { localId provider { id } } }');
    expect(json(result.data)).toEqual({ dataset: { localId: 'NB:2020', provider: { id: 'xnat-it' } } });
  });

  it('returns null for an unknown id, including a known local id under the wrong site or kind', async () => {
    for (const id of ['nowhere', 'demo-nl:custom:nothing', 'demo-es:custom:prostate-mr-1', 'demo-nl:xnat:prostate-mr-1', 'prostate-mr-1']) {
      const result = await run(schema, 'query ($id: ID!) { dataset(id: $id) { id } }', { id });
      expect(result).toEqual({ data: { dataset: null } });
    }
  });

  it('leads from a dataset to its provider and back', async () => {
    const result = await run(schema, '{ dataset(id: "xnat-de:xnat:LIVER_CT") { provider { __typename id country datasets { id } } } }');
    expect(json(result.data)).toEqual({
      dataset: {
        provider: {
          __typename: 'XnatProvider', id: 'xnat-de', country: 'DE',
          datasets: [{ id: 'xnat-de:xnat:GLIOMA_MR' }, { id: 'xnat-de:xnat:LIVER_CT' }, { id: 'xnat-de:xnat:PROSTATE_PET' }],
        },
      },
    });
  });
});

describe('Query.datasets', () => {
  it('returns every dataset, ordered by site id then local id, in one default page', async () => {
    const result = await run<{ datasets: { totalCount: number; nodes: { id: string }[]; pageInfo: { hasNextPage: boolean } } }>(
      schema, '{ datasets { totalCount nodes { id } pageInfo { hasNextPage } } }');
    expect(result.errors).toBeUndefined();
    expect(result.data?.datasets.totalCount).toBe(ALL_DATASET_IDS.length);
    expect(result.data?.datasets.nodes.map((n) => n.id)).toEqual(ALL_DATASET_IDS);
    expect(result.data?.datasets.pageInfo.hasNextPage).toBe(false);
  });

  it('resolves each dataset to the concrete type of its kind, so kind fragments apply', async () => {
    const result = await run<{ datasets: { nodes: { __typename: string; title: string; provider: { kind: string } }[] } }>(
      schema, '{ datasets(first: 100) { nodes { __typename ... on CustomDataset { title provider { kind } } ... on XnatDataset { title provider { kind } } } } }');
    for (const node of result.data?.datasets.nodes ?? []) {
      expect(node.__typename).toBe(node.provider.kind === 'custom' ? 'CustomDataset' : 'XnatDataset');
      expect(node.title).not.toBe('');
    }
  });
});
