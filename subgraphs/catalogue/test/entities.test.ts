import { beforeAll, describe, expect, it } from 'vitest';
import type { GraphQLSchema } from 'graphql';
import type { CatalogueSubgraph } from '../src/index.js';
import { createFixtureSubgraph, json, run } from './helpers.js';

let subgraph: CatalogueSubgraph;
let schema: GraphQLSchema;

beforeAll(async () => {
  subgraph = await createFixtureSubgraph();
  ({ schema } = subgraph);
});

const ENTITIES = `query ($representations: [_Any!]!) {
  _entities(representations: $representations) {
    __typename
    ... on Provider { id name country kind }
    ... on Dataset { id title provider { id } }
  }
}`;

async function entities(representations: unknown[]): Promise<unknown[]> {
  const result = await run<{ _entities: unknown[] }>(schema, ENTITIES, { representations });
  expect(result.errors).toBeUndefined();
  return json(result.data?._entities ?? []);
}

describe('_entities', () => {
  it('resolves CustomProvider and CustomDataset references, and null for unknown ids', async () => {
    expect(await entities([
      { __typename: 'CustomProvider', id: 'demo-nl' },
      { __typename: 'CustomProvider', id: 'nowhere' },
      { __typename: 'CustomDataset', id: 'demo-es:custom:lung-ct-1' },
      { __typename: 'CustomDataset', id: 'demo-es:custom:nothing' },
    ])).toEqual([
      { __typename: 'CustomProvider', id: 'demo-nl', name: 'Demo Imaging Centre Amsterdam', country: 'NL', kind: 'custom' },
      null,
      { __typename: 'CustomDataset', id: 'demo-es:custom:lung-ct-1', title: 'Lung cancer CT and PET', provider: { id: 'demo-es' } },
      null,
    ]);
  });

  it('resolves XnatProvider and XnatDataset references, and null for unknown ids', async () => {
    expect(await entities([
      { __typename: 'XnatProvider', id: 'xnat-fr' },
      { __typename: 'XnatDataset', id: 'xnat-it:xnat:NB:2020' },
      { __typename: 'XnatDataset', id: 'xnat-it:xnat:NB' },
    ])).toEqual([
      { __typename: 'XnatProvider', id: 'xnat-fr', name: 'XNAT Lyon (no curated dataset yet)', country: 'FR', kind: 'xnat' },
      { __typename: 'XnatDataset', id: 'xnat-it:xnat:NB:2020', title: 'Paediatric neuroblastoma MRI', provider: { id: 'xnat-it' } },
      null,
    ]);
  });

  it('returns null for a reference typed with another kind than the id belongs to', async () => {
    expect(await entities([
      { __typename: 'CustomProvider', id: 'xnat-de' },
      { __typename: 'XnatProvider', id: 'demo-nl' },
      { __typename: 'CustomDataset', id: 'xnat-de:xnat:LIVER_CT' },
      { __typename: 'XnatDataset', id: 'demo-nl:custom:prostate-mr-1' },
    ])).toEqual([null, null, null, null]);
  });

  it('resolves references to the interfaces into the concrete type of the kind', async () => {
    expect(await entities([
      { __typename: 'Provider', id: 'xnat-de' },
      { __typename: 'Provider', id: 'demo-es' },
      { __typename: 'Dataset', id: 'demo-nl:custom:breast-mg-1' },
      { __typename: 'Dataset', id: 'xnat-de:xnat:GLIOMA_MR' },
      { __typename: 'Provider', id: 'nowhere' },
      { __typename: 'Dataset', id: 'nowhere' },
    ])).toEqual([
      { __typename: 'XnatProvider', id: 'xnat-de', name: 'XNAT Heidelberg', country: 'DE', kind: 'xnat' },
      { __typename: 'CustomProvider', id: 'demo-es', name: 'Demo Hospital Valencia', country: 'ES', kind: 'custom' },
      { __typename: 'CustomDataset', id: 'demo-nl:custom:breast-mg-1', title: 'Breast screening mammography', provider: { id: 'demo-nl' } },
      { __typename: 'XnatDataset', id: 'xnat-de:xnat:GLIOMA_MR', title: 'Glioma multi-sequence MRI', provider: { id: 'xnat-de' } },
      null,
      null,
    ]);
  });

  it('returns null for a reference whose id is missing or not a string', async () => {
    expect(await entities([
      { __typename: 'CustomProvider' },
      { __typename: 'CustomProvider', id: 42 },
      { __typename: 'Dataset', id: { nested: true } },
    ])).toEqual([null, null, null]);
  });

  it('resolves the same entity many times without changing the shared records', async () => {
    const representations = Array.from({ length: 3 }, () => [
      { __typename: 'CustomProvider', id: 'demo-nl' }, { __typename: 'Provider', id: 'demo-nl' },
    ]).flat();
    const answers = await entities(representations);
    expect(new Set(answers.map((answer) => JSON.stringify(answer))).size).toBe(1);
    const record = subgraph.catalogue.provider('demo-nl');
    expect(Object.isFrozen(record)).toBe(true);
    expect(record?.__typename).toBe('CustomProvider');
  });
});

describe('_service', () => {
  it('publishes the SDL the subgraph was built from, with the entity keys', async () => {
    const result = await run<{ _service: { sdl: string } }>(schema, '{ _service { sdl } }');
    const sdl = result.data?._service.sdl ?? '';
    // printSubgraphSchema puts each directive on a line of its own.
    expect(sdl).toMatch(/interface Provider\s+@key\(fields: "id"\)/);
    expect(sdl).toMatch(/interface Dataset\s+@key\(fields: "id"\)/);
    expect(sdl).toMatch(/type CustomProvider implements Provider\s+@key\(fields: "id"\)/);
    expect(sdl).toMatch(/type XnatDataset implements Dataset\s+@key\(fields: "id"\)/);
    expect(subgraph.typeDefs).toContain('type XnatDataset implements Dataset @key(fields: "id")');
  });
});
