import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient, type CohortCriteria } from '@cancer-imaging/sdk';
import { postGraphQL } from '../support/graphql.js';
import { startInProcessGraph, type InProcessGraph } from '../support/in-process-graph.js';

// Saved cohorts and their reports through the whole graph: the catalogue keeps the
// criteria, each site's kind subgraph counts them (federated through @requires), and the
// gateway renders the document as JSON and CSV. Checked against the live cohort search
// for the same criteria, which is what the report must agree with.

let graph: InProcessGraph;
let base: string;

beforeAll(async () => {
  graph = await startInProcessGraph();
  base = graph.url.replace(/\/graphql$/, '');
}, 180_000);

afterAll(async () => {
  await graph?.stop();
});

const CRITERIA: CohortCriteria = { cancerTypes: ['PROSTATE', 'LUNG'], modalities: ['MR', 'CT'], ageAtDiagnosis: { min: 50, max: 79 } };

const SEARCH = `query($c: CohortCriteria!) { providers { id cohort(criteria: $c) {
  status subjects { value precision adjustedTo } studies { value precision adjustedTo } series { value precision adjustedTo }
  datasets { dataset { id } subjects { value precision adjustedTo } studies { value precision adjustedTo } series { value precision adjustedTo } }
} } }`;

interface Count { value: number | null; precision: string; adjustedTo: number | null }
interface Site { provider: { id: string }; status: string; subjects: Count; studies: Count; series: Count; datasets: { dataset: { id: string }; subjects: Count; studies: Count; series: Count }[] }
interface Document { cohort: { id: string; createdAt: string; criteria: Record<string, unknown> }; generatedAt: string; sites: Site[]; totals: Record<'subjects' | 'studies' | 'series', { value: number; isLowerBound: boolean }> }

async function getReport(id: string, format: 'json' | 'csv') {
  const response = await fetch(`${base}/cohorts/${id}/report.${format}`);
  return { status: response.status, headers: response.headers, text: await response.text() };
}

/** A minimal RFC 4180 reader: enough for the report, which quotes commas, quotes and newlines. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') { cell += '"'; i++; } else if (c === '"') quoted = false; else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') { row.push(cell); cell = ''; } else if (c === '\r' && text[i + 1] === '\n') { row.push(cell); rows.push(row); row = []; cell = ''; i++; } else cell += c;
  }
  return rows;
}

describe('a saved cohort\'s report', () => {
  let id: string;
  let document: Document;

  beforeAll(async () => {
    const client = createClient({ url: graph.url });
    const saved = await client.saveCohort(CRITERIA);
    id = saved.id;
    const json = await getReport(id, 'json');
    expect(json.status).toBe(200);
    expect(json.headers.get('content-disposition')).toBe(`attachment; filename="cohort-${id}.json"`);
    document = JSON.parse(json.text) as Document;
  });

  it('is bound to the criteria and the time it was saved', async () => {
    expect(document.cohort.id).toBe(id);
    expect(document.cohort.criteria).toMatchObject({ cancerTypes: ['PROSTATE', 'LUNG'], modalities: ['MR', 'CT'], ageAtDiagnosis: { min: 50, max: 79 } });
    expect(Date.parse(document.cohort.createdAt)).toBeLessThanOrEqual(Date.parse(document.generatedAt));
  });

  it('gives every site\'s and dataset\'s protected counts exactly as the cohort search does for the same criteria', async () => {
    const { body } = await postGraphQL(graph.url, SEARCH, { c: CRITERIA });
    expect(body.errors).toBeUndefined();
    const live = (body.data!.providers as { id: string; cohort: Omit<Site, 'provider'> }[]).map((p) => ({ provider: { id: p.id }, ...p.cohort }));
    expect(document.sites.map((s) => s.provider.id)).toEqual(live.map((s) => s.provider.id));
    for (const [index, site] of document.sites.entries()) {
      const expected = live[index]!;
      expect(site.status).toBe('OK');
      expect({ subjects: site.subjects, studies: site.studies, series: site.series }).toEqual({ subjects: expected.subjects, studies: expected.studies, series: expected.series });
      expect(site.datasets.map(({ dataset, ...counts }) => ({ dataset: { id: dataset.id }, ...counts }))).toEqual(expected.datasets);
      expect(site.datasets.length).toBeGreaterThan(0);
      for (const count of [site.subjects, ...site.datasets.map((d) => d.subjects)]) expect(count.precision).toBe('ROUNDED');
    }
    expect(document.totals.subjects).toEqual({ value: live.reduce((sum, s) => sum + (s.subjects.value ?? 0), 0), isLowerBound: false });
  });

  it('renders the same counts as CSV: a row per site, per dataset, and the totals', async () => {
    const csv = await getReport(id, 'csv');
    expect(csv.status).toBe(200);
    expect(csv.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    const [header, ...rows] = parseCsv(csv.text);
    const at = (name: string) => header!.indexOf(name);
    expect(rows.filter((r) => r[at('level')] === 'site').map((r) => [r[at('provider_id')], Number(r[at('subjects')]), r[at('subjects_precision')]]))
      .toEqual(document.sites.map((s) => [s.provider.id, s.subjects.value, s.subjects.precision]));
    const datasetRows = rows.filter((r) => r[at('level')] === 'dataset');
    expect(datasetRows.map((r) => [r[at('dataset_id')], Number(r[at('series')])]))
      .toEqual(document.sites.flatMap((s) => s.datasets.map((d) => [d.dataset.id, d.series.value])));
    expect(datasetRows.every((r) => r[at('dataset_title')]!.length > 0)).toBe(true);
    const totals = rows.find((r) => r[at('level')] === 'total')!;
    expect(Number(totals[at('subjects')])).toBe(document.totals.subjects.value);
    expect(rows.every((r) => r[at('cohort_id')] === id)).toBe(true);
  });

  it('answers 404 for an unknown cohort and 400 for a malformed id, with coded errors', async () => {
    const unknown = await getReport('00000000-0000-4000-8000-000000000000', 'json');
    expect(unknown.status).toBe(404);
    expect(JSON.parse(unknown.text).errors[0].extensions.code).toBe('NOT_FOUND');
    const malformed = await getReport('not-a-cohort', 'csv');
    expect(malformed.status).toBe(400);
    expect(JSON.parse(malformed.text).errors[0].extensions.code).toBe('BAD_USER_INPUT');
  });

  it('is still given, marked partial, while the sites\' kind subgraph is down', async () => {
    await graph.stopSubgraph('custom');
    const json = await getReport(id, 'json');
    expect(json.status).toBe(200);
    const partial = JSON.parse(json.text) as Document;
    expect(partial.sites.map((s) => s.status)).toEqual(document.sites.map(() => 'UNREACHABLE'));
    expect(partial.sites.every((s) => s.subjects.precision === 'UNAVAILABLE' && s.subjects.value === null)).toBe(true);
    expect(partial.totals.subjects).toEqual({ value: 0, isLowerBound: true });
  });
});
