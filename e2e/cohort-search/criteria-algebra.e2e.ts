import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BODY_PARTS, MODALITIES, SEXES, type BodyPart, type CancerType, type Modality, type Sex } from '@cancer-imaging/schema';
import { loadRegistry, protectCount, toGraphId, type Registry } from '@cancer-imaging/provider-kit';
import { ensureDemoIndex } from '@cancer-imaging/subgraph-custom';
import { repoPath } from '../../scripts/generate/paths.js';
import { postGraphQL } from '../support/graphql.js';
import { startInProcessGraph, type InProcessGraph } from '../support/in-process-graph.js';

// The criteria algebra through the whole graph (gateway → custom kind → five demo sites):
// every site's and every dataset's protected counts equal a direct count on the site's
// source rows, written here in plain SQL independently of the adapter, passed through the
// same policy (k and step per site; datasets below k left out).

interface Criteria {
  cancerTypes?: CancerType[]; modalities?: Modality[]; bodyParts?: BodyPart[]; manufacturers?: string[]; sex?: Sex[];
  ageAtDiagnosis?: { min?: number; max?: number }; yearOfDiagnosis?: { min?: number; max?: number }; datasetIds?: string[]; providerIds?: string[];
}

const COMBINATIONS: readonly (readonly [string, Criteria])[] = [
  ['nothing: every subject', {}],
  ['one cancer type', { cancerTypes: ['BREAST'] }],
  ['any of three cancer types (OR within a field)', { cancerTypes: ['LUNG', 'COLORECTAL', 'LIVER'] }],
  ['any of two modalities with a cancer type (AND across fields)', { cancerTypes: ['PROSTATE'], modalities: ['MR', 'PT'] }],
  ['a closed age range', { ageAtDiagnosis: { min: 45, max: 60 } }],
  ['an open-ended age range with a sex', { sex: ['FEMALE'], ageAtDiagnosis: { min: 70 } }],
  ['a year-of-diagnosis range with any of two body parts', { yearOfDiagnosis: { min: 2015, max: 2018 }, bodyParts: ['CHEST', 'ABDOMEN'] }],
  ['manufacturers in any letter case', { manufacturers: ['siemens', 'Philips'], modalities: ['CT'] }],
  ['two sexes with a modality', { sex: ['MALE', 'UNKNOWN'], modalities: ['CT'] }],
  ['provider and dataset filters', { providerIds: ['demo-nl', 'demo-it'], cancerTypes: ['LUNG', 'BREAST', 'PROSTATE'] }],
  ['every field at once', {
    cancerTypes: ['LUNG', 'BREAST'], modalities: ['CT', 'MG', 'MR'], bodyParts: ['CHEST', 'BREAST'], manufacturers: ['SIEMENS', 'GE MEDICAL SYSTEMS', 'HOLOGIC'],
    sex: ['FEMALE'], ageAtDiagnosis: { min: 40, max: 75 }, yearOfDiagnosis: { min: 2012, max: 2022 },
  }],
  ['a small cohort, mostly suppressed', { cancerTypes: ['BREAST'], sex: ['MALE'] }],
];

let graph: InProcessGraph;
let registry: Registry;
let db: Database.Database;

beforeAll(async () => {
  registry = await loadRegistry(repoPath('config/demo/registry.yaml'));
  graph = await startInProcessGraph();
  db = new Database(await ensureDemoIndex({ registry }), { readonly: true });
}, 180_000);

afterAll(async () => {
  db?.close();
  await graph?.stop();
});

interface Raw { subjects: number; studies: number; series: number }

/** Raw counts of one site's source rows, per dataset: plain SQL, one placeholder per value. */
function directCounts(siteId: string, c: Criteria): Map<string, Raw> {
  const where: string[] = ['site_id = ?'];
  const params: (string | number)[] = [siteId];
  const anyOf = (column: string, values: readonly (string | number)[] | undefined, collate = '') => {
    if (!values?.length) return;
    where.push(`${column}${collate} IN (${values.map(() => '?').join(',')})`);
    params.push(...values);
  };
  anyOf('diagnosis', c.cancerTypes);
  anyOf('modality', c.modalities?.map((m) => MODALITIES[m].dicom));
  anyOf('body_part', c.bodyParts?.map((b) => BODY_PARTS[b].dicom));
  anyOf('manufacturer', c.manufacturers, ' COLLATE NOCASE');
  if (c.sex?.length) {
    const known = c.sex.filter((s) => s !== 'UNKNOWN').map((s) => SEXES[s].dicom);
    const parts = known.length ? [`sex IN (${known.map(() => '?').join(',')})`] : [];
    params.push(...known);
    if (c.sex.includes('UNKNOWN')) parts.push(`(sex IS NULL OR sex NOT IN ('F','M','O'))`);
    where.push(`(${parts.join(' OR ')})`);
  }
  for (const [column, range] of [['age_at_diagnosis', c.ageAtDiagnosis], ['year_of_diagnosis', c.yearOfDiagnosis]] as const) {
    if (range?.min !== undefined) { where.push(`${column} >= ?`); params.push(range.min); }
    if (range?.max !== undefined) { where.push(`${column} <= ?`); params.push(range.max); }
  }
  const rows = db.prepare(`SELECT dataset_id AS dataset, COUNT(DISTINCT patient_id) AS subjects, COUNT(DISTINCT study_uid) AS studies, COUNT(*) AS series
    FROM series WHERE ${where.join(' AND ')} GROUP BY dataset_id`).all(...params) as (Raw & { dataset: string })[];
  return new Map(rows.map(({ dataset, ...raw }) => [dataset, raw]));
}

const QUERY = `query($c: CohortCriteria!) { providers { id cohort(criteria: $c) {
  status unsupportedCriteria
  subjects { value precision adjustedTo } studies { value precision adjustedTo } series { value precision adjustedTo }
  datasets { dataset { id } subjects { value precision adjustedTo } studies { value precision adjustedTo } series { value precision adjustedTo } }
} } }`;

describe.each(COMBINATIONS)('a cohort search with %s', (_name, criteria) => {
  it('gives every site and dataset the protected value of its direct count', async () => {
    const { body } = await postGraphQL(graph.url, QUERY, { c: criteria });
    expect(body.errors).toBeUndefined();
    let reached = 0;
    for (const provider of body.data!.providers as { id: string; cohort: Record<string, any> }[]) {
      const site = registry.sites.find((s) => s.id === provider.id)!;
      const policy = site.privacy;
      const inScope = !criteria.providerIds || criteria.providerIds.includes(site.id);
      const perDataset = inScope ? directCounts(site.id, criteria) : new Map<string, Raw>();
      const total = [...perDataset.values()].reduce((sum, raw) => ({ subjects: sum.subjects + raw.subjects, studies: sum.studies + raw.studies, series: sum.series + raw.series }), { subjects: 0, studies: 0, series: 0 });
      expect(provider.cohort.status, provider.id).toBe('OK');
      expect(provider.cohort.unsupportedCriteria).toEqual([]);
      // The threshold is about people: below k subjects, studies and series are suppressed too.
      const fewPeople = total.subjects < policy.minCount;
      expect(provider.cohort.subjects, provider.id).toEqual(protectCount(total.subjects, policy));
      expect(provider.cohort.studies, provider.id).toEqual(fewPeople ? protectCount(0, policy) : protectCount(total.studies, policy));
      expect(provider.cohort.series, provider.id).toEqual(fewPeople ? protectCount(0, policy) : protectCount(total.series, policy));
      const expectedDatasets = [...perDataset]
        .filter(([, raw]) => raw.subjects >= policy.minCount)
        .map(([localId, raw]) => ({
          dataset: { id: toGraphId(site.id, 'custom', localId) },
          subjects: protectCount(raw.subjects, policy), studies: protectCount(raw.studies, policy), series: protectCount(raw.series, policy),
        }))
        .sort((a, b) => a.dataset.id.localeCompare(b.dataset.id));
      expect(provider.cohort.datasets, provider.id).toEqual(expectedDatasets);
      reached += total.subjects;
    }
    // Guards against vacuous agreement: every combination selects someone somewhere.
    expect(reached).toBeGreaterThan(0);
  });
});
