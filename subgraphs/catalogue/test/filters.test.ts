import { beforeAll, describe, expect, it } from 'vitest';
import type { GraphQLSchema } from 'graphql';
import { ALL_DATASET_IDS, createFixtureSubgraph, run } from './helpers.js';

let schema: GraphQLSchema;

beforeAll(async () => {
  ({ schema } = await createFixtureSubgraph());
});

const QUERY = 'query ($filter: DatasetFilter) { datasets(filter: $filter, first: 100) { totalCount nodes { id } } }';

type Page = { datasets: { totalCount: number; nodes: { id: string }[] } };

async function idsFor(filter: Record<string, unknown> | null): Promise<{ ids: string[]; totalCount: number }> {
  const result = await run<Page>(schema, QUERY, { filter });
  expect(result.errors).toBeUndefined();
  return { ids: result.data?.datasets.nodes.map((node) => node.id) ?? [], totalCount: result.data?.datasets.totalCount ?? -1 };
}

// Short names of the fixture datasets (see fixtures/datasets.yaml).
const COLORECTAL = 'demo-es:custom:colorectal-ct';
const LUNG = 'demo-es:custom:lung-ct-1';
const BREAST_MG = 'demo-nl:custom:breast-mg-1';
const PROSTATE_MR = 'demo-nl:custom:prostate-mr-1';
const GLIOMA = 'xnat-de:xnat:GLIOMA_MR';
const LIVER = 'xnat-de:xnat:LIVER_CT';
const PROSTATE_PET = 'xnat-de:xnat:PROSTATE_PET';
const BREAST_MR = 'xnat-it:xnat:BREAST_MR';
const NEUROBLASTOMA = 'xnat-it:xnat:NB:2020';

describe('DatasetFilter, one field at a time', () => {
  it.each([
    ['cancerTypes, one value', { cancerTypes: ['PROSTATE'] }, [PROSTATE_MR, PROSTATE_PET]],
    ['cancerTypes, any of two', { cancerTypes: ['BREAST', 'LUNG'] }, [LUNG, BREAST_MG, BREAST_MR]],
    ['cancerTypes, a second code of a dataset', { cancerTypes: ['RECTUM'] }, [COLORECTAL]],
    ['cancerTypes, codes carried by different datasets', { cancerTypes: ['NEUROBLASTOMA', 'GLIOBLASTOMA'] }, [GLIOMA, NEUROBLASTOMA]],
    ['modalities, one value', { modalities: ['PT'] }, [LUNG, PROSTATE_PET]],
    ['modalities, any of two', { modalities: ['MG', 'SEG'] }, [BREAST_MG, GLIOMA]],
    ['bodyParts, one value', { bodyParts: ['ABDOMEN'] }, [COLORECTAL, LIVER, NEUROBLASTOMA]],
    ['bodyParts, any of two', { bodyParts: ['BRAIN', 'PELVIS'] }, [PROSTATE_MR, GLIOMA, PROSTATE_PET]],
    ['countries, one value', { countries: ['DE'] }, [GLIOMA, LIVER, PROSTATE_PET]],
    ['countries, any of two', { countries: ['NL', 'IT'] }, [BREAST_MG, PROSTATE_MR, BREAST_MR, NEUROBLASTOMA]],
    ['countries, a site with no dataset', { countries: ['FR'] }, []],
    ['countries, a well-formed code with no site', { countries: ['PT'] }, []],
    ['accessRights, one value', { accessRights: ['PUBLIC'] }, [PROSTATE_MR, LIVER, BREAST_MR]],
    ['accessRights, any of two', { accessRights: ['NON_PUBLIC', 'RESTRICTED'] }, [COLORECTAL, LUNG, BREAST_MG, GLIOMA, PROSTATE_PET, NEUROBLASTOMA]],
    ['providerIds, one value', { providerIds: ['xnat-it'] }, [BREAST_MR, NEUROBLASTOMA]],
    ['providerIds, an unknown id among them', { providerIds: ['demo-nl', 'nowhere'] }, [BREAST_MG, PROSTATE_MR]],
    ['providerIds, only unknown ids', { providerIds: ['nowhere'] }, []],
    ['text, a word of titles', { text: 'prostate' }, [PROSTATE_MR, PROSTATE_PET]],
    ['text, in any case, also inside words and keywords', { text: 'mri' }, [PROSTATE_MR, GLIOMA, BREAST_MR, NEUROBLASTOMA]],
    ['text, every word must match', { text: '  Breast   MRI ' }, [BREAST_MR]],
    ['text, a word only in a description', { text: 'biopsy-confirmed' }, [PROSTATE_MR]],
    ['text, a word only in a keyword', { text: 'primage' }, [NEUROBLASTOMA]],
    ['text, words from title and description', { text: 'cohort multiparametric' }, [PROSTATE_MR]],
    ['text, no match', { text: 'melanoma' }, []],
  ])('%s', async (_name, filter, expected) => {
    expect(await idsFor(filter)).toEqual({ ids: expected, totalCount: expected.length });
  });
});

describe('DatasetFilter, fields that do not restrict', () => {
  it.each([
    ['no filter', null],
    ['an empty filter', {}],
    ['empty text', { text: '' }],
    ['blank text', { text: ' \t\n ' }],
    ['empty lists', { cancerTypes: [], modalities: [], bodyParts: [], countries: [], accessRights: [], providerIds: [] }],
    ['explicit nulls', { cancerTypes: null, modalities: null, bodyParts: null, countries: null, accessRights: null, providerIds: null, text: null }],
  ])('%s returns every dataset', async (_name, filter) => {
    expect(await idsFor(filter)).toEqual({ ids: [...ALL_DATASET_IDS], totalCount: ALL_DATASET_IDS.length });
  });
});

describe('DatasetFilter, fields combined (all of them must hold)', () => {
  it.each([
    ['cancer type and modality', { cancerTypes: ['PROSTATE'], modalities: ['MR'] }, [PROSTATE_MR]],
    ['modality, country and access rights', { modalities: ['CT'], countries: ['DE'], accessRights: ['PUBLIC'] }, [LIVER]],
    ['cancer type, access rights and text', { cancerTypes: ['BREAST'], accessRights: ['PUBLIC'], text: 'dce' }, [BREAST_MR]],
    ['body part and two countries', { bodyParts: ['ABDOMEN'], countries: ['ES', 'IT'] }, [COLORECTAL, NEUROBLASTOMA]],
    ['provider and modality', { providerIds: ['demo-es'], modalities: ['PT'] }, [LUNG]],
    ['fields with no dataset in common', { cancerTypes: ['BREAST'], countries: ['DE'] }, []],
    ['an empty list beside a restricting field', { cancerTypes: [], modalities: ['CT'] }, [COLORECTAL, LUNG, LIVER, PROSTATE_PET, NEUROBLASTOMA]],
    ['blank text beside a restricting field', { text: '  ', countries: ['IT'] }, [BREAST_MR, NEUROBLASTOMA]],
    ['every field at once', {
      cancerTypes: ['LIVER', 'PROSTATE'], modalities: ['CT'], bodyParts: ['ABDOMEN', 'PELVIS'], countries: ['DE'],
      accessRights: ['PUBLIC', 'RESTRICTED'], providerIds: ['xnat-de'], text: 'ct',
    }, [LIVER, PROSTATE_PET]],
    ['every field at once, one of them excluding all', {
      cancerTypes: ['LIVER', 'PROSTATE'], modalities: ['CT'], bodyParts: ['ABDOMEN', 'PELVIS'], countries: ['DE'],
      accessRights: ['PUBLIC', 'RESTRICTED'], providerIds: ['xnat-it'], text: 'ct',
    }, []],
  ])('%s', async (_name, filter, expected) => {
    expect(await idsFor(filter)).toEqual({ ids: expected, totalCount: expected.length });
  });

  it('gives the same answer to the same filter written inline and as a variable', async () => {
    const result = await run<Page>(schema, '{ datasets(filter: { cancerTypes: [PROSTATE], countries: ["DE"] }) { totalCount nodes { id } } }');
    expect(result.data?.datasets).toEqual({ totalCount: 1, nodes: [{ id: PROSTATE_PET }] });
    expect(await idsFor({ cancerTypes: ['PROSTATE'], countries: ['DE'] })).toEqual({ ids: [PROSTATE_PET], totalCount: 1 });
  });
});
