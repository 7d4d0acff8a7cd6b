import { buildSubgraphSchema } from '@apollo/subgraph';
import {
  isInputObjectType, isInterfaceType, isObjectType, Kind, parse,
  type GraphQLInterfaceType, type ObjectTypeDefinitionNode,
} from 'graphql';
import { describe, expect, it } from 'vitest';
import { buildCatalogueTypeDefs, kindTypeNames, normaliseKinds } from './schema.js';

const CATALOGUE_OWNED = ['Provider', 'Dataset', 'AgeRange', 'Publisher', 'Contact', 'DatasetFilter', 'DatasetConnection', 'DatasetEdge', 'CohortSite', 'SavedCohort', 'CohortReport', 'Mutation', 'Query'];

function objectDefinitions(sdl: string): ObjectTypeDefinitionNode[] {
  return parse(sdl).definitions.filter((node): node is ObjectTypeDefinitionNode => node.kind === Kind.OBJECT_TYPE_DEFINITION);
}

describe('buildCatalogueTypeDefs', () => {
  it('declares one Provider and one Dataset implementation per kind, each an entity keyed by id', () => {
    const sdl = buildCatalogueTypeDefs(['custom', 'xnat', 'my-pacs']);
    for (const type of ['CustomProvider', 'XnatProvider', 'MyPacsProvider']) {
      expect(sdl).toContain(`type ${type} implements Provider @key(fields: "id") {`);
    }
    for (const type of ['CustomDataset', 'XnatDataset', 'MyPacsDataset']) {
      expect(sdl).toContain(`type ${type} implements Dataset @key(fields: "id") {`);
    }
    expect(sdl).toContain('interface Provider @key(fields: "id") {');
    expect(sdl).toContain('interface Dataset @key(fields: "id") {');
  });

  it('is deterministic: the same SDL whatever the order or repetition of the kinds', () => {
    expect(buildCatalogueTypeDefs(['xnat', 'custom', 'xnat'])).toBe(buildCatalogueTypeDefs(['custom', 'xnat']));
    const sdl = buildCatalogueTypeDefs(['xnat', 'custom']);
    expect(sdl.indexOf('type CustomProvider')).toBeLessThan(sdl.indexOf('type XnatProvider'));
  });

  it('starts with the federation link and carries the shared types verbatim', () => {
    const sdl = buildCatalogueTypeDefs(['custom']);
    expect(sdl.startsWith('extend schema @link(url: "https://specs.apollo.dev/federation/v2.7"')).toBe(true);
    for (const shared of ['enum CancerType', 'enum Modality', 'enum BodyPart', 'enum Sex', 'enum AccessRights', 'enum AccessMode', 'input IntRange', 'type PageInfo @shareable', 'scalar DateTime']) {
      expect(sdl).toContain(shared);
    }
  });

  it('gives every implementation exactly the fields of its interface, so they cannot drift', () => {
    const schema = buildSubgraphSchema(parse(buildCatalogueTypeDefs(['custom', 'xnat'])));
    for (const [iface, implementations] of [['Provider', ['CustomProvider', 'XnatProvider']], ['Dataset', ['CustomDataset', 'XnatDataset']]] as const) {
      const fields = Object.keys((schema.getType(iface) as GraphQLInterfaceType).getFields());
      for (const name of implementations) {
        const type = schema.getType(name);
        expect(isObjectType(type) && Object.keys(type.getFields())).toEqual(fields);
        expect(isObjectType(type) && type.getInterfaces().map((i) => i.name)).toEqual([iface]);
      }
    }
  });

  it('leaves the fields kind subgraphs resolve (status, cohort, counts, subjects) to them', () => {
    const schema = buildSubgraphSchema(parse(buildCatalogueTypeDefs(['custom'])));
    const provider = schema.getType('Provider') as GraphQLInterfaceType;
    const dataset = schema.getType('Dataset') as GraphQLInterfaceType;
    expect(Object.keys(provider.getFields())).toEqual(['id', 'name', 'country', 'kind', 'datasets']);
    for (const field of ['subjectCount', 'studyCount', 'seriesCount', 'subjects']) expect(dataset.getFields()[field]).toBeUndefined();
    for (const field of ['status', 'cohort']) expect(provider.getFields()[field]).toBeUndefined();
  });

  it('puts only @key on the implementation types, never @shareable', () => {
    const implementations = objectDefinitions(buildCatalogueTypeDefs(['custom', 'xnat'])).filter((node) => (node.interfaces ?? []).length > 0);
    expect(implementations.map((node) => node.name.value)).toEqual(['CustomProvider', 'CustomDataset', 'CustomCohortSite', 'XnatProvider', 'XnatDataset', 'XnatCohortSite']);
    for (const node of implementations) expect((node.directives ?? []).map((d) => d.name.value)).toEqual(['key']);
  });

  it('documents every catalogue type, field, argument and input field', () => {
    const schema = buildSubgraphSchema(parse(buildCatalogueTypeDefs(['custom', 'xnat'])));
    const undocumented: string[] = [];
    for (const name of [...CATALOGUE_OWNED, 'CustomProvider', 'CustomDataset', 'CustomCohortSite', 'XnatProvider', 'XnatDataset', 'XnatCohortSite']) {
      const type = schema.getType(name);
      if (!type) throw new Error(`missing type ${name}`);
      if (name !== 'Query' && name !== 'Mutation' && !type.description) undocumented.push(name);
      if (isObjectType(type) || isInterfaceType(type)) {
        for (const field of Object.values(type.getFields())) {
          if (field.name.startsWith('_')) continue; // _entities and _service belong to federation
          if (!field.description) undocumented.push(`${name}.${field.name}`);
          for (const arg of field.args) if (!arg.description) undocumented.push(`${name}.${field.name}(${arg.name})`);
        }
      } else if (isInputObjectType(type)) {
        for (const field of Object.values(type.getFields())) if (!field.description) undocumented.push(`${name}.${field.name}`);
      }
    }
    expect(undocumented).toEqual([]);
  });

  it('defines the queries of the public contract with their defaults', () => {
    const schema = buildSubgraphSchema(parse(buildCatalogueTypeDefs(['custom'])));
    const query = schema.getQueryType();
    const fields = query?.getFields() ?? {};
    expect(String(fields['providers']?.type)).toBe('[Provider!]!');
    expect(String(fields['provider']?.type)).toBe('Provider');
    expect(String(fields['dataset']?.type)).toBe('Dataset');
    const datasets = fields['datasets'];
    expect(String(datasets?.type)).toBe('DatasetConnection!');
    expect(datasets?.args.map((arg) => `${arg.name}: ${String(arg.type)}`)).toEqual(['filter: DatasetFilter', 'first: Int', 'after: String']);
    expect(datasets?.args.find((arg) => arg.name === 'first')?.defaultValue).toBe(20);
  });
});

describe('kindTypeNames', () => {
  it('names the types after the kind prefix of the registry', () => {
    expect(kindTypeNames('custom')).toEqual({ provider: 'CustomProvider', dataset: 'CustomDataset' });
    expect(kindTypeNames('my-pacs')).toEqual({ provider: 'MyPacsProvider', dataset: 'MyPacsDataset' });
  });
});

describe('normaliseKinds', () => {
  it('refuses kinds that cannot start a GraphQL type name', () => {
    expect(() => normaliseKinds(['3d-pacs'])).toThrow(/"3d-pacs" cannot name GraphQL types/);
    expect(() => normaliseKinds(['my--pacs'])).toThrow(/"my--pacs"/);
    expect(() => normaliseKinds(['Custom'])).toThrow(/"Custom"/);
    expect(() => normaliseKinds(['pacs-'])).toThrow(/"pacs-"/);
  });

  it('refuses two kinds that would name the same types', () => {
    expect(() => normaliseKinds(['my-2x', 'my2x'])).toThrow(/"my-2x" and "my2x" would both name types My2xProvider/);
  });

  it('refuses an empty list: a catalogue without kinds could hold no provider', () => {
    expect(() => normaliseKinds([])).toThrow(/at least one provider kind/);
  });
});
