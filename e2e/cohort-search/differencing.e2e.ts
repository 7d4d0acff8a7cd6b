import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CANCER_TYPES, type CancerType } from '@cancer-imaging/schema';
import { loadRegistry, protectCount, toAgeBand, type Registry } from '@cancer-imaging/provider-kit';
import { sumProtectedCounts } from '@cancer-imaging/sdk';
import { ensureDemoIndex } from '@cancer-imaging/subgraph-custom';
import { repoPath } from '../../scripts/generate/paths.js';
import { postGraphQL } from '../support/graphql.js';
import { startInProcessGraph, type InProcessGraph } from '../support/in-process-graph.js';

// Differencing: an anonymous caller who asks twice, with criteria whose true counts differ
// by one subject, must learn nothing when the difference stays inside the rounding step;
// and a count below a site's threshold must not surface anywhere (totals, datasets,
// breakdowns, or a total the SDK derives).

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

const SITE_COHORT = `query($c: CohortCriteria!) { providers { id cohort(criteria: $c) {
  status subjects { value precision adjustedTo } studies { value precision adjustedTo } series { value precision adjustedTo }
  datasets { dataset { id } subjects { value precision adjustedTo } studies { value precision adjustedTo } series { value precision adjustedTo } }
  sex: breakdown(by: SEX) { key subjects { value precision adjustedTo } }
  ageBand: breakdown(by: AGE_BAND) { key subjects { value precision adjustedTo } }
  cancerType: breakdown(by: CANCER_TYPE) { key subjects { value precision adjustedTo } }
} } }`;

interface Criteria { cancerTypes: CancerType[]; ageAtDiagnosis?: { max: number }; sex?: string[] }

/** One site's answer, without its latency (the only field allowed to vary between calls). */
async function siteAnswer(siteId: string, criteria: Criteria): Promise<Record<string, unknown>> {
  const { body } = await postGraphQL(graph.url, SITE_COHORT, { c: { ...criteria, providerIds: [siteId] } });
  expect(body.errors).toBeUndefined();
  return (body.data!.providers as { id: string; cohort: Record<string, unknown> }[]).find((p) => p.id === siteId)!.cohort;
}

interface SubjectRow { dataset: string; sex: string; age: number; studies: number; series: number }

/** Every subject of a cancer type at a site with a known age, read once from the source rows. */
function subjectsOf(siteId: string, cancerType: CancerType): SubjectRow[] {
  return db.prepare(`SELECT dataset_id AS dataset, MIN(sex) AS sex, MIN(age_at_diagnosis) AS age, COUNT(DISTINCT study_uid) AS studies, COUNT(*) AS series
    FROM series WHERE site_id = ? AND diagnosis = ? AND age_at_diagnosis IS NOT NULL GROUP BY dataset_id, patient_id`).all(siteId, cancerType) as SubjectRow[];
}

/** The raw counts an answer for `age <= maxAge` is made of: totals, per dataset, per sex, per age band. */
function rawCounts(subjects: readonly SubjectRow[], maxAge: number): Map<string, number> {
  const tally = new Map<string, number>();
  const add = (key: string, n = 1) => tally.set(key, (tally.get(key) ?? 0) + n);
  for (const row of subjects) {
    if (row.age > maxAge) continue;
    add('subjects'); add('studies', row.studies); add('series', row.series);
    add(`dataset:${row.dataset}`); add(`dataset-studies:${row.dataset}`, row.studies); add(`dataset-series:${row.dataset}`, row.series);
    add(`sex:${row.sex}`); add(`band:${toAgeBand(row.age)}`);
  }
  return tally;
}

describe('differencing', () => {
  it('two queries whose true counts differ by one subject inside the rounding step give identical answers', async () => {
    // Search the demo data for a site, cancer type and age where raising the age limit by one
    // year adds exactly one subject, and every protected count of the answer stays the same.
    let found: { siteId: string; cancerType: CancerType; age: number } | undefined;
    search: for (const site of registry.sites) {
      for (const cancerType of Object.keys(CANCER_TYPES) as CancerType[]) {
        const subjects = subjectsOf(site.id, cancerType);
        for (let age = 30; age < 85; age++) {
          if (subjects.filter((row) => row.age === age + 1).length !== 1) continue;
          const [before, after] = [rawCounts(subjects, age), rawCounts(subjects, age + 1)];
          if ((before.get('subjects') ?? 0) < site.privacy.minCount) continue;
          expect(after.get('subjects')! - before.get('subjects')!).toBe(1);
          const protectedValues = (tally: Map<string, number>) =>
            JSON.stringify([...tally].sort(([a], [b]) => a.localeCompare(b)).map(([key, n]) => [key, protectCount(n, site.privacy)]));
          if (protectedValues(before) === protectedValues(after)) {
            found = { siteId: site.id, cancerType, age };
            break search;
          }
        }
      }
    }
    expect(found, 'the demo data holds such a pair').toBeDefined();
    const { siteId, cancerType, age } = found!;
    const first = await siteAnswer(siteId, { cancerTypes: [cancerType], ageAtDiagnosis: { max: age } });
    const second = await siteAnswer(siteId, { cancerTypes: [cancerType], ageAtDiagnosis: { max: age + 1 } });
    expect((first.subjects as { precision: string }).precision).toBe('ROUNDED');
    expect(second).toEqual(first);
  });

  it('repeating a query, or adding a criterion that changes nothing, reveals nothing new', async () => {
    const plain = await siteAnswer('demo-nl', { cancerTypes: ['PROSTATE'] });
    expect(await siteAnswer('demo-nl', { cancerTypes: ['PROSTATE'] })).toEqual(plain);
    // Every prostate cancer subject is male: restricting to MALE changes no true count.
    expect(await siteAnswer('demo-nl', { cancerTypes: ['PROSTATE'], sex: ['MALE'] })).toEqual(plain);
  });
});

describe('suppression', () => {
  it('never lets a count below a site\'s threshold surface: totals, datasets, breakdowns or the SDK\'s total', async () => {
    const criteria = { cancerTypes: ['BREAST'], sex: ['MALE'] };
    const { body, text } = await postGraphQL(graph.url, SITE_COHORT, { c: criteria });
    expect(body.errors).toBeUndefined();
    const providers = body.data!.providers as { id: string; cohort: Record<string, any> }[];
    let suppressedSites = 0;
    for (const provider of providers) {
      const site = registry.sites.find((s) => s.id === provider.id)!;
      const raw = (db.prepare(`SELECT COUNT(DISTINCT dataset_id || char(0) || patient_id) AS n FROM series WHERE site_id = ? AND diagnosis = 'BREAST' AND sex = 'M'`).get(site.id) as { n: number }).n;
      const cohort = provider.cohort;
      if (raw > 0 && raw < site.privacy.minCount) {
        suppressedSites++;
        expect(cohort.subjects).toEqual({ value: null, precision: 'SUPPRESSED', adjustedTo: site.privacy.minCount });
      }
      // Whatever the totals, nothing listed below the threshold: datasets and buckets are left out.
      for (const count of [...cohort.datasets.map((d: any) => d.subjects), ...cohort.sex.map((b: any) => b.subjects), ...cohort.ageBand.map((b: any) => b.subjects), ...cohort.cancerType.map((b: any) => b.subjects)]) {
        expect(count.precision).toBe('ROUNDED');
        expect(count.value).toBeGreaterThanOrEqual(site.privacy.minCount);
      }
      const json = JSON.stringify(cohort);
      if (raw > 0 && raw < site.privacy.minCount) expect(json).not.toMatch(new RegExp(`"value":${raw}[,}]`));
    }
    expect(suppressedSites, 'the demo data has sites with a few male breast cancer subjects').toBeGreaterThan(0);
    const total = sumProtectedCounts(providers.map((p) => p.cohort.subjects));
    expect(total.isLowerBound).toBe(true);
    expect(total.value).toBe(providers.reduce((sum, p) => sum + (p.cohort.subjects.value ?? 0), 0));
    expect(text).not.toContain('"precision":"EXACT"');
  });
});
