import { composeServices } from '@apollo/composition';
import { HeaderMap } from '@apollo/server';
import { FEDERATION_LINK, sharedTypeDefs } from '@cancer-imaging/schema';
import { execute, parse, type ExecutionResult } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatasetRecord } from '../adapter.js';
import type { ProviderSubgraph } from '../create-provider-subgraph.js';
import type { AccessPolicy, Caller } from '../privacy/access-policy.js';
import { kindTypeNames } from '../schema.js';
import { toGraphId } from '../ids.js';

/** What a kind hands the conformance suite. */
export interface ConformanceTarget {
  /** Builds the kind subgraph under test, serving at least one site with at least one dataset. */
  createSubgraph(overrides: { accessPolicy?: AccessPolicy; resolveCaller?: () => Caller }): Promise<ProviderSubgraph>;
  /** Direct identifiers in the source data (PatientIDs, names, birth dates): none may appear in any response. */
  forbiddenValues?(): Promise<readonly string[]>;
  teardown?(): Promise<void>;
}

const RESEARCHER: Caller = { id: 'conformance-researcher', roles: ['researcher'], grants: [] };
const ALLOW_ALL: AccessPolicy = { canReadRecords: () => true, canSeeExactCounts: () => true };

/** A catalogue SDL of the minimal shape, to prove the kind composes with an entity-interface owner. */
function catalogueStub(kind: string): string {
  const t = kindTypeNames(kind);
  return `${FEDERATION_LINK}${sharedTypeDefs()}
interface Provider @key(fields: "id") { id: ID! name: String! }
interface Dataset @key(fields: "id") { id: ID! title: String! }
type ${t.provider} implements Provider @key(fields: "id") { id: ID! name: String! }
type ${t.dataset} implements Dataset @key(fields: "id") { id: ID! title: String! }
interface CohortSite @key(fields: "id") { id: ID! criteria: SavedCriteria! }
type ${t.cohortSite} implements CohortSite @key(fields: "id") { id: ID! criteria: SavedCriteria! }
type Query { providers: [Provider!]! }
`;
}

/**
 * The provider-contract conformance suite: registers vitest tests proving that a kind
 * subgraph composes, answers the contract on every site, protects counts, pages stably,
 * refuses record-level access without a grant, and leaks no direct identifier.
 */
export function describeProviderConformance(name: string, loadTarget: () => Promise<ConformanceTarget>): void {
  describe(`provider contract conformance: ${name}`, () => {
    let target: ConformanceTarget;
    let open: ProviderSubgraph;
    let anonymous: ProviderSubgraph;
    let kind: string;
    const bodies: string[] = [];
    const datasetsBySite = new Map<string, DatasetRecord[]>();

    async function run(subgraph: ProviderSubgraph, query: string, variables: Record<string, unknown> = {}): Promise<ExecutionResult> {
      const contextValue = await subgraph.createContext({ headers: new HeaderMap(), requestId: 'conformance' });
      const result = (await execute({ schema: subgraph.schema, document: parse(query), variableValues: variables, contextValue })) as ExecutionResult;
      bodies.push(JSON.stringify(result));
      return result;
    }

    const entity = (typename: string, id: string) => [{ __typename: typename, id }];

    beforeAll(async () => {
      target = await loadTarget();
      open = await target.createSubgraph({ accessPolicy: ALLOW_ALL, resolveCaller: () => RESEARCHER });
      anonymous = await target.createSubgraph({});
      kind = open.kind;
      expect(open.sites.size).toBeGreaterThan(0);
      for (const site of open.sites.values()) {
        datasetsBySite.set(site.id, [...(await site.datasetTotals()).values()]);
      }
    });

    afterAll(async () => {
      await open?.close();
      await anonymous?.close();
      await target?.teardown?.();
    });

    it('composes with a catalogue that owns the Provider and Dataset entity interfaces', () => {
      const result = composeServices([
        { name: 'catalogue', typeDefs: parse(catalogueStub(kind)), url: 'http://catalogue.invalid/graphql' },
        { name: kind, typeDefs: parse(open.typeDefs), url: `http://${kind}.invalid/graphql` },
      ]);
      expect(result.errors?.map((e) => e.message) ?? []).toEqual([]);
    });

    it('serves at least one dataset on every site', () => {
      for (const [site, datasets] of datasetsBySite) expect(datasets.length, site).toBeGreaterThan(0);
    });

    it('reports every site as OK with the criteria it answers exactly', async () => {
      const t = kindTypeNames(kind);
      for (const site of open.sites.values()) {
        const result = await run(open, `query($r: [_Any!]!) { _entities(representations: $r) { ... on ${t.provider} { id status { status exactCriteria } } } }`, { r: entity(t.provider, site.id) });
        expect(result.errors).toBeUndefined();
        const status = (result.data?._entities as [{ status: { status: string; exactCriteria: string[] } }])[0].status;
        expect(status.status).toBe('OK');
        for (const field of status.exactCriteria) {
          expect(['cancerTypes', 'modalities', 'bodyParts', 'manufacturers', 'sex', 'ageAtDiagnosis', 'yearOfDiagnosis', 'datasetIds', 'providerIds']).toContain(field);
        }
      }
    });

    it('resolves unknown provider and dataset references to null', async () => {
      const t = kindTypeNames(kind);
      const result = await run(open, `query($r: [_Any!]!) { _entities(representations: $r) { __typename } }`, {
        r: [{ __typename: t.provider, id: 'no-such-site' }, { __typename: t.dataset, id: toGraphId('no-such-site', kind, 'x') }],
      });
      expect(result.errors).toBeUndefined();
      expect(result.data?._entities).toEqual([null, null]);
    });

    it('counts an unrestricted cohort per dataset exactly as the dataset totals, under a grant', async () => {
      const t = kindTypeNames(kind);
      for (const site of open.sites.values()) {
        const result = await run(open, `query($r: [_Any!]!) { _entities(representations: $r) { ... on ${t.provider} { cohort(criteria: {}) { status series { value precision } datasets { dataset { id } subjects { value precision } series { value } } } } } }`, { r: entity(t.provider, site.id) });
        expect(result.errors).toBeUndefined();
        const cohort = (result.data?._entities as [{ cohort: { status: string; series: { value: number; precision: string }; datasets: { dataset: { id: string }; subjects: { value: number; precision: string }; series: { value: number } }[] } }])[0].cohort;
        expect(cohort.status).toBe('OK');
        expect(cohort.series.precision).toBe('EXACT');
        const totals = datasetsBySite.get(site.id)!;
        expect(cohort.series.value).toBe(totals.reduce((sum, d) => sum + d.series, 0));
        for (const row of cohort.datasets) {
          const localId = row.dataset.id.split(':').slice(2).join(':');
          const expected = totals.find((d) => d.localId === localId)!;
          expect(row.subjects).toEqual({ value: expected.subjects, precision: 'EXACT' });
          expect(row.series.value).toBe(expected.series);
        }
      }
    });

    it('gives anonymous callers only rounded or suppressed counts', async () => {
      const t = kindTypeNames(kind);
      for (const site of anonymous.sites.values()) {
        const result = await run(anonymous, `query($r: [_Any!]!) { _entities(representations: $r) { ... on ${t.provider} { cohort(criteria: {}) { subjects { value precision adjustedTo } studies { value precision adjustedTo } series { value precision adjustedTo } datasets { subjects { value precision adjustedTo } } } } } }`, { r: entity(t.provider, site.id) });
        expect(result.errors).toBeUndefined();
        const cohort = (result.data?._entities as [{ cohort: Record<string, unknown> & { datasets: { subjects: unknown }[] } }])[0].cohort;
        const counts = [cohort.subjects, cohort.studies, cohort.series, ...cohort.datasets.map((d) => d.subjects)] as { value: number | null; precision: string; adjustedTo: number }[];
        for (const count of counts) {
          expect(['ROUNDED', 'SUPPRESSED']).toContain(count.precision);
          if (count.precision === 'ROUNDED') expect(count.value! % count.adjustedTo).toBe(0);
          else expect(count.value).toBeNull();
        }
      }
    });

    it('breaks a cohort down by every dimension, consistent with its counts, under a grant', async () => {
      const t = kindTypeNames(kind);
      const query = `query($r: [_Any!]!, $c: CohortCriteria!) { _entities(representations: $r) { ... on ${t.provider} { cohort(criteria: $c) {
        status subjects { value precision }
        modality: breakdown(by: MODALITY) { key subjects { value precision } }
        bodyPart: breakdown(by: BODY_PART) { key subjects { value precision } }
        cancerType: breakdown(by: CANCER_TYPE) { key subjects { value precision } }
        sex: breakdown(by: SEX) { key subjects { value precision } }
        ageBand: breakdown(by: AGE_BAND) { key subjects { value precision } }
        manufacturer: breakdown(by: MANUFACTURER) { key subjects { value precision } }
      } } } }`;
      type Bucket = { key: string; subjects: { value: number; precision: string } };
      type Cohort = { status: string; subjects: { value: number } } & Record<'modality' | 'bodyPart' | 'cancerType' | 'sex' | 'ageBand' | 'manufacturer', Bucket[]>;
      const cohortOf = async (siteId: string, criteria: Record<string, unknown>) => {
        const result = await run(open, query, { r: entity(t.provider, siteId), c: criteria });
        expect(result.errors).toBeUndefined();
        return (result.data?._entities as [{ cohort: Cohort }])[0].cohort;
      };
      const sum = (buckets: Bucket[]) => buckets.reduce((total, bucket) => total + bucket.subjects.value, 0);
      for (const site of open.sites.values()) {
        const cohort = await cohortOf(site.id, {});
        expect(['OK', 'PARTIAL']).toContain(cohort.status);
        expect(cohort.modality.length, `${site.id} modality buckets`).toBeGreaterThan(0);
        for (const buckets of [cohort.modality, cohort.bodyPart, cohort.cancerType, cohort.sex, cohort.ageBand, cohort.manufacturer]) {
          for (const bucket of buckets) {
            expect(bucket.subjects.precision).toBe('EXACT');
            expect(bucket.subjects.value).toBeGreaterThan(0);
          }
          expect(new Set(buckets.map((b) => b.key)).size).toBe(buckets.length);
        }
        // Subject-level dimensions put each subject in exactly one bucket.
        expect(sum(cohort.sex), `${site.id} SEX`).toBe(cohort.subjects.value);
        expect(sum(cohort.cancerType), `${site.id} CANCER_TYPE`).toBe(cohort.subjects.value);
        expect(sum(cohort.ageBand), `${site.id} AGE_BAND`).toBe(cohort.subjects.value);
        // Series-level ones count a subject once per key: each bucket is that key's cohort.
        expect(sum(cohort.modality)).toBeGreaterThanOrEqual(cohort.subjects.value);
        for (const bucket of cohort.modality.filter((b) => b.key !== 'UNKNOWN').slice(0, 3)) {
          const narrowed = await cohortOf(site.id, { modalities: [bucket.key] });
          expect(narrowed.subjects.value, `${site.id} ${bucket.key}`).toBe(bucket.subjects.value);
        }
      }
    });

    it('gives anonymous callers rounded breakdown buckets and leaves out small ones', async () => {
      const t = kindTypeNames(kind);
      for (const site of anonymous.sites.values()) {
        const result = await run(anonymous, `query($r: [_Any!]!) { _entities(representations: $r) { ... on ${t.provider} { cohort(criteria: {}) { breakdown(by: MODALITY) { key subjects { value precision adjustedTo } } } } } }`, { r: entity(t.provider, site.id) });
        expect(result.errors).toBeUndefined();
        const buckets = (result.data?._entities as [{ cohort: { breakdown: { subjects: { value: number; precision: string; adjustedTo: number } }[] } }])[0].cohort.breakdown;
        for (const bucket of buckets) {
          expect(bucket.subjects.precision).toBe('ROUNDED');
          expect(bucket.subjects.value % bucket.subjects.adjustedTo).toBe(0);
        }
      }
    });

    it('refuses record-level fields to an anonymous caller', async () => {
      const t = kindTypeNames(kind);
      const [siteId, datasets] = [...datasetsBySite][0]!;
      const result = await run(anonymous, `query($r: [_Any!]!) { _entities(representations: $r) { ... on ${t.dataset} { subjects(first: 1) { totalCount nodes { id } } } } }`, { r: entity(t.dataset, toGraphId(siteId, kind, datasets[0]!.localId)) });
      expect(result.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
      expect(JSON.stringify(result.data)).not.toContain('nodes');
    });

    it('pages through a dataset\'s subjects in a stable order, each exactly once', async () => {
      const t = kindTypeNames(kind);
      const [siteId, datasets] = [...datasetsBySite][0]!;
      const smallest = [...datasets].sort((a, b) => a.subjects - b.subjects)[0]!;
      const id = toGraphId(siteId, kind, smallest.localId);
      const seen: string[] = [];
      let after: string | null = null;
      let totalCount = -1;
      for (let guard = 0; guard < 10_000; guard++) {
        const result = await run(open, `query($r: [_Any!]!, $after: String) { _entities(representations: $r) { ... on ${t.dataset} { subjects(first: 7, after: $after) { totalCount nodes { id } pageInfo { hasNextPage endCursor } } } } }`, { r: entity(t.dataset, id), after });
        expect(result.errors).toBeUndefined();
        const page = (result.data?._entities as [{ subjects: { totalCount: number; nodes: { id: string }[]; pageInfo: { hasNextPage: boolean; endCursor: string | null } } }])[0].subjects;
        totalCount = page.totalCount;
        seen.push(...page.nodes.map((n) => n.id));
        if (!page.pageInfo.hasNextPage) break;
        after = page.pageInfo.endCursor;
      }
      expect(seen.length).toBe(totalCount);
      expect(new Set(seen).size).toBe(totalCount);
      expect(totalCount).toBe(smallest.subjects);
    });

    it('browses subjects to studies to series, with DICOM UIDs and modalities', async () => {
      const t = kindTypeNames(kind);
      const [siteId, datasets] = [...datasetsBySite][0]!;
      const id = toGraphId(siteId, kind, datasets[0]!.localId);
      const result = await run(open, `query($r: [_Any!]!) { _entities(representations: $r) { ... on ${t.dataset} { subjects(first: 5) { nodes { id sex studies { totalCount nodes { studyInstanceUid modalities series(first: 100) { totalCount nodes { seriesInstanceUid modality segmentations { format } } } } } } } } } }`, { r: entity(t.dataset, id) });
      expect(result.errors).toBeUndefined();
      const subjects = (result.data?._entities as [{ subjects: { nodes: { studies: { totalCount: number; nodes: { studyInstanceUid: string; series: { totalCount: number; nodes: { seriesInstanceUid: string; modality: string }[] } }[] } }[] } }])[0].subjects.nodes;
      expect(subjects.length).toBeGreaterThan(0);
      for (const subject of subjects) {
        expect(subject.studies.totalCount).toBeGreaterThan(0);
        for (const study of subject.studies.nodes) {
          expect(study.studyInstanceUid).toMatch(/^[0-9.]+$/);
          expect(study.series.nodes.length).toBe(Math.min(100, study.series.totalCount));
          for (const series of study.series.nodes) expect(series.seriesInstanceUid).toMatch(/^[0-9.]+$/);
        }
      }
    });

    it('refuses bad input with BAD_USER_INPUT naming the argument', async () => {
      const t = kindTypeNames(kind);
      const [siteId, datasets] = [...datasetsBySite][0]!;
      const inverted = await run(open, `query($r: [_Any!]!) { _entities(representations: $r) { ... on ${t.provider} { cohort(criteria: { ageAtDiagnosis: { min: 70, max: 20 } }) { status } } } }`, { r: entity(t.provider, siteId) });
      expect(inverted.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
      expect(inverted.errors?.[0]?.message).toContain('criteria.ageAtDiagnosis');
      const datasetRef = entity(t.dataset, toGraphId(siteId, kind, datasets[0]!.localId));
      const tooMany = await run(open, `query($r: [_Any!]!) { _entities(representations: $r) { ... on ${t.dataset} { subjects(first: 101) { totalCount } } } }`, { r: datasetRef });
      expect(tooMany.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
      expect(tooMany.errors?.[0]?.message).toContain('"first"');
      const badCursor = await run(open, `query($r: [_Any!]!) { _entities(representations: $r) { ... on ${t.dataset} { subjects(after: "not-a-cursor!") { totalCount } } } }`, { r: datasetRef });
      expect(badCursor.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
      expect(badCursor.errors?.[0]?.message).toContain('"after"');
    });

    it('leaks no direct identifier of the source data in any response', async () => {
      const forbidden = (await target.forbiddenValues?.()) ?? [];
      const all = bodies.join('\n');
      for (const value of forbidden.filter((v) => v.length >= 4)) {
        expect(all.includes(`"${value}"`) || all.includes(`:${value}"`), `response contains ${value}`).toBe(false);
      }
    });
  });
}
