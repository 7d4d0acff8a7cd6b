import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BODY_PARTS, MODALITIES, SEXES, type BodyPart, type Modality, type Sex } from '@cancer-imaging/schema';
import { loadRegistry, protectCount, type Registry } from '@cancer-imaging/provider-kit';
import { ensureDemoIndex } from '@cancer-imaging/subgraph-custom';
import { repoPath } from '../../scripts/generate/paths.js';
import { postGraphQL } from '../support/graphql.js';
import { startInProcessGraph, type InProcessGraph } from '../support/in-process-graph.js';

// The EUCAIM node endpoint against the demo graph (catalogue, custom kind, gateway) in this
// process. Its answers are checked three ways: against the GraphQL answer for the same
// criteria (mapped here, independently of the gateway's code), against each site's source
// data passed through the privacy policy, and against suppression.

const PROVIDER_NAME = 'EUCAIM test node (synthetic)';
let graph: InProcessGraph;
let base: string;
let registry: Registry;
let db: Database.Database;

beforeAll(async () => {
  registry = await loadRegistry(repoPath('config/demo/registry.yaml'));
  // Response cache off: every search asks the catalogue, so the last test sees it stopped at
  // once instead of a provider list kept for up to the cache's TTL (tested on its own).
  graph = await startInProcessGraph({ gatewayEnv: { CIG_GATEWAY_EUCAIM_PROVIDER_NAME: PROVIDER_NAME, CIG_GATEWAY_RESPONSE_CACHE_TTL_MS: '0' } });
  base = graph.url.replace(/\/graphql$/, '');
  db = new Database(await ensureDemoIndex({ registry }), { readonly: true });
}, 180_000);

afterAll(async () => {
  db?.close();
  await graph?.stop();
});

interface Collection {
  id: string; name: string; description: string; subjects_count: number; studies_count: number;
  age_range: { min: number | null; max: number | null }; gender: string[]; modalities: string[]; body_parts: string[];
}
interface Answer {
  provider: string;
  collections: Collection[];
  total: { subjects_count: number; studies_count: number };
  unavailable_providers: { id: string; status: string }[];
}

async function search(query: string) {
  const response = await fetch(`${base}/eucaim/search${query ? `?${query}` : ''}`);
  const text = await response.text();
  return { status: response.status, headers: response.headers, text, body: JSON.parse(text) as Answer & { errors?: { message: string; extensions: Record<string, unknown> }[] } };
}

const COHORT = `query($c: CohortCriteria!) { providers { id cohort(criteria: $c) { status datasets {
  dataset { id title description modalities bodyParts sex ageRange { min max } }
  subjects { value precision } studies { value precision } } } } }`;

interface GraphDataset {
  dataset: { id: string; title: string; description: string; modalities: Modality[]; bodyParts: BodyPart[]; sex: Sex[]; ageRange: { min: number | null; max: number | null } | null };
  subjects: { value: number | null; precision: string };
  studies: { value: number | null; precision: string };
}

/** The collections the endpoint should give, read straight off the graph's answer for the same criteria. */
async function collectionsFromGraphQL(criteria: Record<string, unknown>): Promise<Collection[]> {
  const { body } = await postGraphQL(graph.url, COHORT, { c: criteria });
  expect(body.errors).toBeUndefined();
  const providers = body.data!.providers as { id: string; cohort: { status: string; datasets: GraphDataset[] } }[];
  expect(providers.map((p) => p.cohort.status)).toEqual(registry.sites.map(() => 'OK'));
  return providers.flatMap((p) => p.cohort.datasets).map(({ dataset, subjects, studies }) => {
    // Everything the graph lists for an anonymous caller is rounded.
    expect([subjects.precision, studies.precision]).toEqual(['ROUNDED', 'ROUNDED']);
    return {
      id: dataset.id,
      name: dataset.title,
      description: dataset.description,
      subjects_count: subjects.value!,
      studies_count: studies.value!,
      age_range: { min: dataset.ageRange?.min ?? null, max: dataset.ageRange?.max ?? null },
      gender: dataset.sex.map((sex) => SEXES[sex].label),
      modalities: dataset.modalities.map((modality) => MODALITIES[modality].dicom),
      body_parts: dataset.bodyParts.map((part) => BODY_PARTS[part].dicom),
    };
  });
}

/** Raw per-dataset counts on the demo source data, for the same criteria written as SQL. */
function rawCounts(where: string, ...parameters: unknown[]): Map<string, { site: string; subjects: number; studies: number }> {
  const rows = db.prepare(`SELECT site_id AS site, dataset_id AS dataset, COUNT(DISTINCT patient_id) AS subjects, COUNT(DISTINCT study_uid) AS studies
    FROM series WHERE ${where} GROUP BY site_id, dataset_id`).all(...parameters) as { site: string; dataset: string; subjects: number; studies: number }[];
  return new Map(rows.map((row) => [`${row.site}:custom:${row.dataset}`, row]));
}

function privacyOf(siteId: string) {
  return registry.sites.find((site) => site.id === siteId)!.privacy;
}

const CASES = [
  {
    name: 'female + breast cancer + MR',
    query: 'gender=248152002&diagnosis=254837009&modality=RID10312',
    criteria: { sex: ['FEMALE'], cancerTypes: ['BREAST'], modalities: ['MR'] },
    where: ["sex = 'F' AND diagnosis = 'BREAST' AND modality = 'MR'"],
    expectIds: ['demo-de:custom:breast-mri-dense-tissue', 'demo-gr:custom:breast-multimodal-diagnosis', 'demo-nl:custom:breast-mri-neoadjuvant'],
  },
  {
    name: 'lung cancer + CT',
    query: 'diagnosis=363358000&modality=RID10321',
    criteria: { cancerTypes: ['LUNG'], modalities: ['CT'] },
    where: ["diagnosis = 'LUNG' AND modality = 'CT'"],
    expectIds: [
      'demo-de:custom:lung-ct-immunotherapy-response', 'demo-es:custom:lung-pet-ct-staging', 'demo-gr:custom:lung-ct-radiomics',
      'demo-it:custom:lung-ct-radiotherapy-nsclc', 'demo-nl:custom:lung-ct-screening-nodules',
    ],
  },
  {
    name: 'body part lung + manufacturer Siemens (any case)',
    query: 'bodyPart=39607008&manufacturer=Siemens',
    criteria: { bodyParts: ['LUNG'], manufacturers: ['Siemens'] },
    where: ["body_part = 'LUNG' AND manufacturer = ? COLLATE NOCASE", 'Siemens'],
    expectIds: [
      'demo-de:custom:lung-ct-immunotherapy-response', 'demo-es:custom:lung-pet-ct-staging',
      'demo-it:custom:lung-ct-radiotherapy-nsclc', 'demo-nl:custom:lung-ct-screening-nodules',
    ],
  },
  {
    name: 'repeated parameters (any-of): CT or PET, female or male, ICD-10 lung cancer',
    query: 'modality=RID10321&modality=RID10337&gender=female&gender=male&diagnosis=C34',
    criteria: { modalities: ['CT', 'PT'], sex: ['FEMALE', 'MALE'], cancerTypes: ['LUNG'] },
    where: ["modality IN ('CT', 'PT') AND sex IN ('F', 'M') AND diagnosis = 'LUNG'"],
    expectIds: undefined,
  },
  {
    name: 'no parameters',
    query: '',
    criteria: {},
    where: ['1 = 1'],
    expectIds: undefined,
  },
] as const;

describe('GET /eucaim/search on the demo graph', () => {
  it.each(CASES)('answers $name exactly as the GraphQL cohort for the same criteria', async ({ query, criteria, where, expectIds }) => {
    const [answer, expected] = await Promise.all([search(query), collectionsFromGraphQL(criteria)]);
    expect(answer.status).toBe(200);
    expect(answer.body.provider).toBe(PROVIDER_NAME);
    expect(answer.body.collections).toEqual(expected);
    expect(answer.body.collections.length).toBeGreaterThan(0);
    if (expectIds) expect(answer.body.collections.map((c) => c.id)).toEqual(expectIds);
    expect(answer.body.total).toEqual({
      subjects_count: expected.reduce((sum, c) => sum + c.subjects_count, 0),
      studies_count: expected.reduce((sum, c) => sum + c.studies_count, 0),
    });
    expect(answer.body.unavailable_providers).toEqual([]);
    expect(answer.headers.get('x-cig-unavailable-providers')).toBeNull();

    // And every count is the protected value of the source data's true count, never the raw one.
    const [clause, ...parameters] = where;
    const raw = rawCounts(clause, ...parameters);
    for (const collection of answer.body.collections) {
      const truth = raw.get(collection.id)!;
      expect(truth, collection.id).toBeDefined();
      expect(collection.subjects_count, collection.id).toBe(protectCount(truth.subjects, privacyOf(truth.site)).value);
      expect(collection.studies_count, collection.id).toBe(protectCount(truth.studies, privacyOf(truth.site)).value);
    }
    const listed = new Set(answer.body.collections.map((c) => c.id));
    for (const [id, truth] of raw) {
      if (truth.subjects >= privacyOf(truth.site).minCount) expect(listed.has(id), id).toBe(true);
    }
  });

  it('no parameters list every one of the 36 demo datasets', async () => {
    const { body } = await search('');
    expect(body.collections).toHaveLength(36);
    expect(new Set(body.collections.map((c) => c.id.split(':')[0])).size).toBe(registry.sites.length);
  });

  it('answers EUCAIM\'s node agent query (words and SNOMEDCT-prefixed codes) as the coded one', async () => {
    const coded = await search('diagnosis=363358000&modality=RID10321');
    const agent = await search('diagnosis=SNOMEDCT363358000&modality=CT');
    const icd10 = await search('diagnosis=C34&modality=CT');
    expect(agent.body).toEqual(coded.body);
    expect(icd10.body).toEqual(coded.body);
    const female = await search('gender=female&diagnosis=SNOMEDCT254837009&modality=MR&bodyPart=breast');
    expect(female.body.collections.map((c) => c.id)).toEqual(CASES[0].expectIds);
  });

  it('never lists a dataset whose matching subjects are suppressed, and never a raw count', async () => {
    // Male breast cancer is rare in the demo: 5, 6 and 8 subjects in three datasets (below
    // k = 10, or 20 at demo-de) and exactly 10 in one.
    const raw = rawCounts("sex = 'M' AND diagnosis = 'BREAST'");
    const suppressed = [...raw].filter(([, truth]) => truth.subjects < privacyOf(truth.site).minCount).map(([id]) => id);
    const published = [...raw].filter(([, truth]) => truth.subjects >= privacyOf(truth.site).minCount).map(([id]) => id);
    expect(suppressed.length).toBeGreaterThanOrEqual(2);
    expect(published.length).toBeGreaterThanOrEqual(1);

    const { status, body, text } = await search('gender=248153007&diagnosis=254837009');
    expect(status).toBe(200);
    expect(body.collections.map((c) => c.id)).toEqual(published);
    for (const id of suppressed) expect(text).not.toContain(id);
    for (const collection of body.collections) {
      const truth = raw.get(collection.id)!;
      expect(collection.subjects_count).toBe(protectCount(truth.subjects, privacyOf(truth.site)).value);
      expect(collection.studies_count).toBe(protectCount(truth.studies, privacyOf(truth.site)).value);
      expect(collection.subjects_count % privacyOf(truth.site).roundTo).toBe(0);
      expect(collection.studies_count % privacyOf(truth.site).roundTo).toBe(0);
    }
    expect(body.collections).toEqual(await collectionsFromGraphQL({ sex: ['MALE'], cancerTypes: ['BREAST'] }));
  });

  it.each([
    ['an unknown RadLex id (RID10311 is the modality criterion itself)', 'gender=248152002&modality=RID10311', ['modality']],
    ['an unknown SNOMED CT diagnosis', 'diagnosis=363484005', ['diagnosis']],
    ['a diagnosis code given as a body part', 'bodyPart=254837009', ['bodyPart']],
    ['two bad parameters at once', 'gender=12345678&bodyPart=knee', ['gender', 'bodyPart']],
    ['an unknown parameter', 'ageRange=40-60', ['ageRange']],
  ])('refuses %s with 400 and a BAD_USER_INPUT error naming the parameter', async (_name, query, parameters) => {
    const { status, headers, text, body } = await search(query);
    expect(status).toBe(400);
    expect(headers.get('content-type')).toContain('application/json');
    expect(body.errors!.map((error) => error.extensions['parameter'])).toEqual(parameters);
    for (const error of body.errors!) {
      expect(error.extensions['code']).toBe('BAD_USER_INPUT');
      expect(error.message).toContain(`"${error.extensions['parameter'] as string}"`);
    }
    expect(text).not.toMatch(/stacktrace|\bat \S+ \(|node_modules|127\.0\.0\.1/);
  });

  it('runs through the gateway\'s own pipeline: the caller\'s request id comes back', async () => {
    const response = await fetch(`${base}/eucaim/search?modality=MR`, { headers: { 'x-request-id': 'eucaim-e2e-42' } });
    expect(response.status).toBe(200);
    expect(response.headers.get('x-request-id')).toBe('eucaim-e2e-42');
  });

  // Last two: they stop the subgraphs for the rest of this file.
  it('still answers in EUCAIM\'s shape when the sites cannot be reached, naming them', async () => {
    await graph.stopSubgraph('custom');
    const { status, headers, body } = await search('diagnosis=363358000');
    expect(status).toBe(200);
    expect(body.provider).toBe(PROVIDER_NAME);
    expect(body.collections).toEqual([]);
    expect(body.total).toEqual({ subjects_count: 0, studies_count: 0 });
    const ids = registry.sites.map((site) => site.id).sort();
    expect(body.unavailable_providers).toEqual(ids.map((id) => ({ id, status: 'UNREACHABLE' })));
    expect(headers.get('x-cig-unavailable-providers')).toBe(ids.join(','));
  });

  it('answers 503 with a coded error, and no internal address, when the graph cannot even list its providers', async () => {
    await graph.stopSubgraph('catalogue');
    const { status, text, body } = await search('diagnosis=363358000');
    expect(status).toBe(503);
    expect(body.errors?.[0]?.extensions['code']).toBe('SUBGRAPH_UNAVAILABLE');
    expect(body.collections).toBeUndefined();
    expect(text).not.toMatch(/ECONNREFUSED|127\.0\.0\.1|http:\/\//);
  });
});
