import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGateway, loadGatewayConfig, type Gateway } from '@cancer-imaging/gateway';
import {
  ANONYMOUS, loadRegistry, missingTestTool, protectCount, startSubgraphServer, type Caller, type ProviderSubgraph, type Registry, type RunningSubgraph,
} from '@cancer-imaging/provider-kit';
import { createCatalogueSubgraph } from '@cancer-imaging/subgraph-catalogue';
import {
  buildSampleDicom, createOrthancSubgraph, expectedCohort, filesOfSite, forbiddenIdentifierValues, orthancTestsEnabled,
  sampleDicomAvailable, startLocalOrthanc, uploadDicomFiles, type LocalOrthanc, type SampleDicomManifest,
} from '@cancer-imaging/subgraph-orthanc';
import { composeGraph } from '../../scripts/generate/compose.js';
import { postGraphQL } from '../support/graphql.js';

// Issue 3's acceptance through the whole graph: two real Orthanc servers (Debian's
// orthanc 1.10.1 + DICOMweb plugin) loaded with sample DICOM derived from pydicom's test
// files, plus three faulty sites (wrong password, malformed JSON, and later a frozen and a
// stopped Orthanc). The Orthanc subgraph grants every caller here (authentication arrives
// with the identity issue; what this proves is counting, browsing, retrieval and privacy),
// except requests whose x-request-id (forwarded by the gateway) starts with
// ANONYMOUS_REQUEST: those stand for a caller without a grant, who sees protected counts.
const enabled = orthancTestsEnabled() && (sampleDicomAvailable() || missingTestTool('pydicom (python3-pydicom) is missing: the Orthanc e2e tests cannot run.'));

const DEADLINE_MS = 1_500;
const ANONYMOUS_REQUEST = 'e2e-anonymous-';
const RESEARCHER: Caller = { id: 'e2e-researcher', roles: ['researcher'], grants: [] };
let dir: string;
let registry: Registry;
let manifest: SampleDicomManifest;
const orthancs: Record<string, LocalOrthanc> = {};
let badJson: Server;
let catalogueServer: RunningSubgraph;
let orthancSubgraph: ProviderSubgraph;
let orthancServer: RunningSubgraph;
let gateway: Gateway;
let graphql: string;
const bodies: string[] = [];
/** Per site, the sample set as read back straight from Orthanc's own tags. */
const readBack: Record<string, SampleDicomManifest> = {};

/**
 * Reads every instance's tags straight from an Orthanc (REST, not through the graph) into
 * the manifest's shape, so the expected counts come from what Orthanc holds.
 */
async function readBackFromOrthanc(orthanc: LocalOrthanc, site: string): Promise<SampleDicomManifest> {
  const auth = { authorization: `Basic ${Buffer.from(`${orthanc.username}:${orthanc.password}`).toString('base64')}` };
  const ids = (await (await fetch(`${orthanc.url}/instances`, { headers: auth })).json()) as string[];
  const files = [];
  for (const id of ids) {
    const tags = (await (await fetch(`${orthanc.url}/instances/${id}/simplified-tags`, { headers: auth })).json()) as Record<string, string | undefined>;
    files.push({
      site, dataset: tags.ClinicalTrialProtocolID ?? '', sex: (tags.PatientSex ?? '').trim(),
      identifiers: { PatientID: tags.PatientID ?? '', PatientBirthDate: tags.PatientBirthDate ?? '' },
      patientAge: tags.PatientAge ? tags.PatientAge : null, studyDate: tags.StudyDate ?? '', studyTime: (tags.StudyTime ?? '').slice(0, 6),
      studyInstanceUid: tags.StudyInstanceUID ?? '', seriesInstanceUid: tags.SeriesInstanceUID ?? '',
      modality: tags.Modality ?? '', bodyPart: tags.BodyPartExamined ?? '', manufacturer: tags.Manufacturer ?? '',
    });
  }
  return { ...manifest, files: files as unknown as SampleDicomManifest['files'] };
}

async function query(text: string, variables: Record<string, unknown> = {}) {
  const result = await postGraphQL(graphql, text, variables);
  bodies.push(result.text);
  return result;
}

/** A query as a caller without a grant (see ANONYMOUS_REQUEST). */
async function queryAnonymously(text: string, variables: Record<string, unknown> = {}) {
  const response = await fetch(graphql, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-request-id': `${ANONYMOUS_REQUEST}${bodies.length}` },
    body: JSON.stringify({ query: text, variables }),
  });
  const body = await response.text();
  bodies.push(body);
  return JSON.parse(body) as { data?: Record<string, any> | null; errors?: unknown[] };
}

describe.skipIf(!enabled)('Orthanc sites through the gateway', () => {
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'cig-orthanc-e2e-'));
    manifest = await buildSampleDicom({ outDir: path.join(dir, 'dicom') });
    for (const site of ['orthanc-a', 'orthanc-b']) {
      orthancs[site] = await startLocalOrthanc({ name: site });
      await uploadDicomFiles(orthancs[site]!, filesOfSite(manifest, site).map((file) => file.path));
      readBack[site] = await readBackFromOrthanc(orthancs[site]!, site);
    }
    // A site that answers 200 with truncated JSON: a proxy cutting a response short.
    badJson = createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{"ApiVersion": 16, "Versi'));
    await new Promise<void>((resolve) => badJson.listen(0, '127.0.0.1', resolve));
    const badJsonUrl = `http://127.0.0.1:${(badJson.address() as AddressInfo).port}`;

    const a = orthancs['orthanc-a']!;
    const b = orthancs['orthanc-b']!;
    const site = (id: string, url: string, user: string) => `  - id: ${id}
    name: ${id} (synthetic)
    country: BE
    kind: orthanc
    baseUrl: ${url}
    deadlineMs: ${DEADLINE_MS}
    credentials: { username: ${user}_USER, password: ${user}_PASSWORD }
    options: { grouping: { by: tag, tag: ClinicalTrialProtocolID } }
`;
    const datasets = manifest.sites.flatMap((s) => s.datasets.map((d) => `  - { site: ${s.id}, localId: ${d.id}, title: "${d.id} (synthetic)", cancerTypes: [${d.cancerType}], publisher: { name: Demo } }\n`));
    await writeFile(path.join(dir, 'datasets.yaml'), `datasets:\n${datasets.join('')}`);
    await writeFile(path.join(dir, 'registry.yaml'), `sites:\n${site('orthanc-a', a.url, 'CIG_SITE_A')}${site('orthanc-b', b.url, 'CIG_SITE_B')}${site('orthanc-badauth', a.url, 'CIG_SITE_BADAUTH')}${site('orthanc-badjson', badJsonUrl, 'CIG_SITE_A')}datasets: ./datasets.yaml\n`);
    const env = {
      CIG_SITE_A_USER: a.username, CIG_SITE_A_PASSWORD: a.password,
      CIG_SITE_B_USER: b.username, CIG_SITE_B_PASSWORD: b.password,
      CIG_SITE_BADAUTH_USER: a.username, CIG_SITE_BADAUTH_PASSWORD: 'not-the-password',
    };
    registry = await loadRegistry(path.join(dir, 'registry.yaml'));
    const logger = pino({ level: 'silent' });
    const catalogue = createCatalogueSubgraph({ registry, logger });
    catalogueServer = await startSubgraphServer({ name: 'catalogue', schema: catalogue.schema, logger, context: () => ({}) });
    orthancSubgraph = await createOrthancSubgraph({
      registry, logger, env, pseudonymSecret: 'orthanc-e2e-secret-0123456789',
      accessPolicy: { canReadRecords: (caller) => caller.id === RESEARCHER.id, canSeeExactCounts: (caller) => caller.id === RESEARCHER.id },
      resolveCaller: (headers) => (headers.get('x-request-id')?.startsWith(ANONYMOUS_REQUEST) ? ANONYMOUS : RESEARCHER),
    });
    orthancServer = await orthancSubgraph.listen();
    const { supergraphSdl } = await composeGraph(path.join(dir, 'registry.yaml'));
    gateway = createGateway({
      config: loadGatewayConfig({
        CIG_GATEWAY_PORT: '0', CIG_LOG_LEVEL: 'silent',
        CIG_GATEWAY_SUBGRAPH_CATALOGUE_URL: catalogueServer.url, CIG_GATEWAY_SUBGRAPH_ORTHANC_URL: orthancServer.url,
      }),
      logger, supergraphSdl,
    });
    graphql = (await gateway.start()).url;
  }, 120_000);

  afterAll(async () => {
    await gateway?.stop();
    await orthancServer?.close();
    await orthancSubgraph?.close();
    await catalogueServer?.close();
    badJson?.close();
    await Promise.all(Object.values(orthancs).map((o) => o.stop()));
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const COHORT = `query($c: CohortCriteria!) { providers { id cohort(criteria: $c) { status errorCode unsupportedCriteria
    subjects { value precision } studies { value } series { value } datasets { dataset { id title } subjects { value } studies { value } series { value } } } } }`;
  const SEX = { FEMALE: 'F', MALE: 'M', OTHER: 'O', UNKNOWN: '' } as const;
  const criteriaCases: [string, Record<string, unknown>][] = [
    ['everything', {}],
    ['one cancer type', { cancerTypes: ['LUNG'] }],
    ['MR series', { modalities: ['MR'] }],
    ['CT or PT of the chest', { modalities: ['CT', 'PT'], bodyParts: ['CHEST'] }],
    ['female or unknown sex', { sex: ['FEMALE', 'UNKNOWN'] }],
    ['aged 65 and over', { ageAtDiagnosis: { min: 65 } }],
    ['aged 40 to 60 with SEG', { ageAtDiagnosis: { min: 40, max: 60 }, modalities: ['SEG'] }],
    ['a manufacturer, any case', { manufacturers: ['siemens'] }],
    ['prostate or breast MR by one of two manufacturers', { cancerTypes: ['PROSTATE', 'BREAST'], modalities: ['MR'], manufacturers: ['SIEMENS', 'philips'] }],
  ];

  it.each(criteriaCases)('counts %s at each Orthanc site as a count straight from Orthanc gives', async (_name, criteria) => {
    const { body } = await query(COHORT, { c: criteria });
    expect(body.errors).toBeUndefined();
    const providers = body.data!.providers as { id: string; cohort: { status: string; subjects: { value: number }; studies: { value: number }; series: { value: number }; datasets: { dataset: { id: string; title: string }; subjects: { value: number }; series: { value: number } }[] } }[];
    for (const site of ['orthanc-a', 'orthanc-b']) {
      const cohort = providers.find((p) => p.id === site)!.cohort;
      const oracleCriteria = {
        ...(criteria.cancerTypes !== undefined && { cancerTypes: criteria.cancerTypes as string[] }),
        ...(criteria.modalities !== undefined && { modalities: criteria.modalities as string[] }),
        ...(criteria.bodyParts !== undefined && { bodyParts: criteria.bodyParts as string[] }),
        ...(criteria.manufacturers !== undefined && { manufacturers: criteria.manufacturers as string[] }),
        ...(criteria.sex !== undefined && { sex: (criteria.sex as (keyof typeof SEX)[]).map((s) => SEX[s]) }),
        ...(criteria.ageAtDiagnosis !== undefined && { ageMin: (criteria.ageAtDiagnosis as { min?: number }).min, ageMax: (criteria.ageAtDiagnosis as { max?: number }).max }),
      };
      // Expected: computed from the tags read straight from this Orthanc, and equal to what
      // the sample set says it wrote.
      const expected = expectedCohort(readBack[site]!, site, oracleCriteria);
      expect(expected).toEqual(expectedCohort(manifest, site, oracleCriteria));
      expect(cohort.status, site).toBe('OK');
      expect({ subjects: cohort.subjects.value, studies: cohort.studies.value, series: cohort.series.value }, site)
        .toEqual({ subjects: expected.subjects, studies: expected.studies, series: expected.series });
      const perDataset = cohort.datasets.map((d) => ({ dataset: d.dataset.id.split(':').slice(2).join(':'), subjects: d.subjects.value, series: d.series.value }));
      expect(perDataset, site).toEqual(expected.byDataset.filter((d) => d.subjects > 0).map((d) => ({ dataset: d.dataset, subjects: d.subjects, series: d.series })));
    }
  });

  it('marks year of diagnosis as a criterion Orthanc cannot answer, never silently widening it', async () => {
    const { body } = await query(COHORT, { c: { yearOfDiagnosis: { min: 2015 } } });
    const cohort = (body.data!.providers as { id: string; cohort: { status: string; unsupportedCriteria: string[] } }[]).find((p) => p.id === 'orthanc-a')!.cohort;
    expect(cohort.status).toBe('PARTIAL');
    expect(cohort.unsupportedCriteria).toContain('yearOfDiagnosis');
  });

  it('breaks a cohort down by modality for a caller without a grant: each bucket rounded as the oracle\'s count rounds, small ones left out', async () => {
    const body = await queryAnonymously(`query($c: CohortCriteria!) { providers { id cohort(criteria: $c) { status
      subjects { precision } breakdown(by: MODALITY) { key subjects { value precision adjustedTo } } } } }`, { c: { sex: ['FEMALE', 'MALE'] } });
    expect(body.errors).toBeUndefined();
    const byId = new Map((body.data!.providers as { id: string; cohort: { status: string; subjects: { precision: string }; breakdown: unknown[] } }[]).map((p) => [p.id, p.cohort]));
    let rounded = 0;
    let leftOut = 0;
    for (const site of ['orthanc-a', 'orthanc-b']) {
      const cohort = byId.get(site)!;
      expect(cohort.status, site).toBe('OK');
      expect(cohort.subjects.precision, site).not.toBe('EXACT');
      const thresholds = registry.sites.find((s) => s.id === site)!.privacy;
      const expected = [...new Set(filesOfSite(manifest, site).map((file) => file.modality))].sort().flatMap((key) => {
        const protectedCount = protectCount(expectedCohort(manifest, site, { sex: ['F', 'M'], modalities: [key] }).subjects, thresholds);
        if (protectedCount.precision === 'SUPPRESSED') leftOut += 1;
        else rounded += 1;
        return protectedCount.precision === 'SUPPRESSED' ? [] : [{ key, subjects: protectedCount }];
      });
      expect(cohort.breakdown, site).toEqual(expected);
    }
    // The sample holds both kinds of bucket, so both rules were exercised.
    expect(rounded).toBeGreaterThan(0);
    expect(leftOut).toBeGreaterThan(0);
    // A site that fails has no breakdown at all.
    expect(byId.get('orthanc-badauth')).toMatchObject({ status: 'ERROR', breakdown: [] });
  });

  it('browses every uploaded series exactly once across pages, dataset by dataset', async () => {
    for (const site of ['orthanc-a', 'orthanc-b']) {
      const seen: string[] = [];
      for (const dataset of manifest.sites.find((s) => s.id === site)!.datasets) {
        let after: string | null = null;
        do {
          const { body } = await query(`query($id: ID!, $after: String) { dataset(id: $id) { subjects(first: 5, after: $after) {
            totalCount pageInfo { hasNextPage endCursor } nodes { id sex ageBand studies(first: 20) { totalCount nodes { studyInstanceUid series(first: 100) { totalCount nodes { seriesInstanceUid modality retrieveUrl } } } } } } } }`, { id: `${site}:orthanc:${dataset.id}`, after });
          expect(body.errors).toBeUndefined();
          const page = (body.data!.dataset as { subjects: { pageInfo: { hasNextPage: boolean; endCursor: string }; nodes: { studies: { nodes: { series: { totalCount: number; nodes: { seriesInstanceUid: string }[] } }[] } }[] } }).subjects;
          for (const subject of page.nodes) for (const study of subject.studies.nodes) seen.push(...study.series.nodes.map((s) => s.seriesInstanceUid));
          after = page.pageInfo.hasNextPage ? page.pageInfo.endCursor : null;
        } while (after);
      }
      const uploaded = new Set(filesOfSite(manifest, site).map((file) => file.seriesInstanceUid));
      expect(seen.length, site).toBe(uploaded.size);
      expect(new Set(seen), site).toEqual(uploaded);
    }
  });

  it('streams a series through the gateway by a retrieve link that names neither the site nor its credentials', async () => {
    const a = orthancs['orthanc-a']!;
    const { body } = await query(`{ dataset(id: "orthanc-a:orthanc:LUNG-CT-01") { subjects(first: 1) { nodes { studies(first: 1) { nodes { series(first: 1) { nodes { seriesInstanceUid retrieveUrl } } } } } } } }`);
    const series = (body.data!.dataset as { subjects: { nodes: { studies: { nodes: { series: { nodes: { seriesInstanceUid: string; retrieveUrl: string }[] } }[] } }[] } }).subjects.nodes[0]!.studies.nodes[0]!.series.nodes[0]!;
    expect(series.retrieveUrl.startsWith(graphql.replace(/\/graphql$/, '/retrieve/orthanc/'))).toBe(true);
    for (const secret of [a.url, String(a.port), a.username, a.password]) expect(series.retrieveUrl).not.toContain(secret);
    const response = await fetch(series.retrieveUrl);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('zip');
    const bytes = Buffer.from(await response.arrayBuffer());
    expect(bytes.subarray(0, 2).toString('latin1')).toBe('PK');
    expect(bytes.length).toBeGreaterThan(1_000);
    const forged = await fetch(series.retrieveUrl.replace(/.$/, (c) => (c === 'A' ? 'B' : 'A')));
    expect(forged.status).toBe(403);
  });

  it('gives wrong credentials PROVIDER_AUTH_FAILED and malformed JSON a coded error, while the good sites answer', async () => {
    const { body } = await query(COHORT, { c: {} });
    const byId = new Map((body.data!.providers as { id: string; cohort: { status: string; errorCode: string | null } }[]).map((p) => [p.id, p.cohort]));
    expect(byId.get('orthanc-badauth')).toMatchObject({ status: 'ERROR', errorCode: 'PROVIDER_AUTH_FAILED' });
    expect(byId.get('orthanc-badjson')).toMatchObject({ status: 'ERROR', errorCode: 'PROVIDER_BAD_RESPONSE' });
    expect(byId.get('orthanc-a')!.status).toBe('OK');
  });

  it('answers a frozen site with TIMEOUT within the deadline plus a small margin', async () => {
    const b = orthancs['orthanc-b']!;
    b.freeze();
    try {
      const started = performance.now();
      const { body } = await query(COHORT, { c: { modalities: ['CT'] } });
      const elapsed = performance.now() - started;
      const byId = new Map((body.data!.providers as { id: string; cohort: { status: string } }[]).map((p) => [p.id, p.cohort.status]));
      expect(byId.get('orthanc-b')).toBe('TIMEOUT');
      expect(byId.get('orthanc-a')).toBe('OK');
      expect(elapsed).toBeLessThan(DEADLINE_MS * 2 + 500);
    } finally {
      b.thaw();
    }
  });

  it('answers a stopped site with UNREACHABLE while the other still answers', async () => {
    await orthancs['orthanc-b']!.stop();
    const { body } = await query(COHORT, { c: { modalities: ['MR'] } });
    const byId = new Map((body.data!.providers as { id: string; cohort: { status: string; errorCode: string } }[]).map((p) => [p.id, p.cohort]));
    expect(byId.get('orthanc-b')).toMatchObject({ status: 'UNREACHABLE', errorCode: 'PROVIDER_UNAVAILABLE' });
    expect(byId.get('orthanc-a')!.status).toBe('OK');
  });

  it('let no direct identifier, site address or credential appear in any response of the run', () => {
    const all = bodies.join('\n');
    expect(bodies.length).toBeGreaterThan(10);
    for (const value of forbiddenIdentifierValues(manifest)) expect(all.includes(value), value).toBe(false);
    for (const o of Object.values(orthancs)) for (const secret of [o.url, `:${o.port}`, o.username, o.password]) expect(all.includes(secret), secret).toBe(false);
  });
});
