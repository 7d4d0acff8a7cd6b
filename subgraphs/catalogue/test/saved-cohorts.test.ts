import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CatalogueSubgraph } from '../src/index.js';
import { createFixtureSubgraph, json, run } from './helpers.js';

let subgraph: CatalogueSubgraph;

beforeAll(async () => { subgraph = await createFixtureSubgraph(); });
afterAll(async () => { await subgraph.close(); });

const SAVE = `mutation($c: CohortCriteria!) { saveCohort(criteria: $c) { id createdAt criteria {
  cancerTypes modalities bodyParts manufacturers sex ageAtDiagnosis { min max } yearOfDiagnosis { min max } datasetIds providerIds
} } }`;

type Saved = { id: string; createdAt: string; criteria: Record<string, unknown> };

async function save(criteria: Record<string, unknown>): Promise<Saved> {
  const result = await run<{ saveCohort: Saved }>(subgraph.schema, SAVE, { c: criteria });
  expect(result.errors).toBeUndefined();
  return json(result.data!.saveCohort);
}

describe('saveCohort', () => {
  it('saves the criteria normalised, under a new id, with the time of saving', async () => {
    const before = Date.now();
    const saved = await save({ cancerTypes: ['LUNG', 'LUNG', 'BREAST'], modalities: [], manufacturers: [' Siemens '], ageAtDiagnosis: { min: 40 }, yearOfDiagnosis: {} });
    expect(saved.criteria).toEqual({
      cancerTypes: ['LUNG', 'BREAST'], modalities: null, bodyParts: null, manufacturers: ['Siemens'], sex: null,
      ageAtDiagnosis: { min: 40, max: null }, yearOfDiagnosis: null, datasetIds: null, providerIds: null,
    });
    expect(Date.parse(saved.createdAt)).toBeGreaterThanOrEqual(before);
    expect(Date.parse(saved.createdAt)).toBeLessThanOrEqual(Date.now());
    const found = await run<{ savedCohort: Saved }>(subgraph.schema, `query($id: ID!) { savedCohort(id: $id) { id createdAt } }`, { id: saved.id });
    expect(json(found.data!.savedCohort)).toEqual({ id: saved.id, createdAt: saved.createdAt });
  });

  it('records who saved it when the request carries a verified caller, and no one for an anonymous caller', async () => {
    const owned = await run<{ saveCohort: Saved }>(subgraph.schema, SAVE, { c: { sex: ['MALE'] } }, { caller: { id: 'researcher-1', roles: ['researcher'], grants: [] } });
    expect(owned.errors).toBeUndefined();
    expect((await subgraph.store.findCohort(owned.data!.saveCohort.id))?.ownerId).toBe('researcher-1');
    for (const context of [undefined, {}, { caller: { roles: [], grants: [] } }]) {
      const anonymous = await run<{ saveCohort: Saved }>(subgraph.schema, SAVE, { c: { sex: ['MALE'] } }, context);
      expect(anonymous.errors).toBeUndefined();
      expect(await subgraph.store.findCohort(anonymous.data!.saveCohort.id)).not.toHaveProperty('ownerId');
    }
  });

  it('refuses criteria a cohort search would refuse, naming the argument, and saves nothing', async () => {
    const result = await run(subgraph.schema, SAVE, { c: { ageAtDiagnosis: { min: 70, max: 20 } } });
    expect(result.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(result.errors?.[0]?.message).toContain('criteria.ageAtDiagnosis');
    expect(result.data).toBeNull();
  });
});

describe('cohortReport', () => {
  const REPORT = `query($id: ID!) { cohortReport(id: $id) { generatedAt cohort { id } sites {
    __typename id provider { id kind } criteria { providerIds cancerTypes }
  } } }`;

  it('lists every site the criteria can reach, each typed for its kind and carrying the criteria', async () => {
    const all = await save({ cancerTypes: ['LUNG'] });
    const report = json((await run<{ cohortReport: { cohort: { id: string }; sites: { __typename: string; id: string; provider: { id: string; kind: string } }[] } }>(subgraph.schema, REPORT, { id: all.id })).data!.cohortReport);
    expect(report.cohort.id).toBe(all.id);
    expect(report.sites.map((s) => s.provider.id)).toEqual(subgraph.catalogue.providers.map((p) => p.id));
    for (const site of report.sites) {
      expect(site.id).toBe(`${all.id}@${site.provider.id}`);
      expect(site.__typename).toBe(site.provider.kind === 'xnat' ? 'XnatCohortSite' : 'CustomCohortSite');
    }
    const some = await save({ providerIds: ['xnat-it', 'demo-nl'] });
    const narrowed = json((await run<{ cohortReport: { sites: { provider: { id: string } }[] } }>(subgraph.schema, REPORT, { id: some.id })).data!.cohortReport);
    expect(narrowed.sites.map((s) => s.provider.id)).toEqual(['demo-nl', 'xnat-it']);
  });

  it('resolves a site reference with its criteria, as the router asks for them before a kind counts', async () => {
    const saved = await save({ sex: ['FEMALE'] });
    const result = await run<{ _entities: unknown[] }>(subgraph.schema, `query($r: [_Any!]!) { _entities(representations: $r) { ... on CohortSite { id criteria { sex } } } }`, {
      r: [
        { __typename: 'XnatCohortSite', id: `${saved.id}@xnat-it` },
        { __typename: 'CustomCohortSite', id: `${saved.id}@xnat-it` },
        { __typename: 'XnatCohortSite', id: `00000000-0000-4000-8000-000000000000@xnat-it` },
      ],
    });
    expect(json(result.data!._entities)).toEqual([{ id: `${saved.id}@xnat-it`, criteria: { sex: ['FEMALE'] } }, null, null]);
  });

  it('is null for an unknown cohort and BAD_USER_INPUT for a malformed id', async () => {
    const unknown = await run(subgraph.schema, REPORT, { id: '00000000-0000-4000-8000-000000000000' });
    expect(unknown.errors).toBeUndefined();
    expect(json(unknown.data)).toEqual({ cohortReport: null });
    const malformed = await run(subgraph.schema, REPORT, { id: 'report-1' });
    expect(malformed.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });
});
