import { readdir, readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestIdentityProvider, type TestIdentityProvider } from '../../gateway/src/testing/identity-provider.js';
import { repoPath } from '../../scripts/generate/paths.js';
import { startInProcessGraph, type InProcessGraph } from '../support/in-process-graph.js';
import { allText, executeNotebook, findNotebookRunner, imageCount, sourceOf, textOf, type Notebook } from './jupyter.js';

// Issue 7's notebooks, run as a researcher runs them: executed headless by `jupyter nbconvert
// --execute` against a live in-process graph (gateway, catalogue, custom kind on the demo),
// their printed tables checked against the graph's own answers to the same questions. The
// committed notebooks carry no outputs, so they never carry data.

const NOTEBOOKS_DIR = repoPath('examples/notebooks');
const COHORT = 'cohort-search.ipynb';
const BROWSE = 'browse-granted-data.ipynb';
const DEMO_SITES = ['demo-de', 'demo-es', 'demo-gr', 'demo-it', 'demo-nl'];
/** What the notebooks may import: the standard library they use and three well-known packages, nothing of ours. */
const ALLOWED_IMPORTS = new Set(['json', 'os', 'matplotlib', 'pandas', 'requests']);

interface Count {
  value: number | null;
  precision: 'EXACT' | 'ROUNDED' | 'SUPPRESSED' | 'UNAVAILABLE';
  adjustedTo: number | null;
}

async function ask<T>(graph: InProcessGraph, query: string, variables: Record<string, unknown> = {}, token?: string): Promise<T> {
  const response = await fetch(graph.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token && { authorization: `Bearer ${token}` }) },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as { data?: T; errors?: unknown[] };
  if (body.errors || !body.data) throw new Error(`the graph answered with errors: ${JSON.stringify(body.errors)}`);
  return body.data;
}

async function committedNotebooks(): Promise<Record<string, Notebook>> {
  const names = (await readdir(NOTEBOOKS_DIR)).filter((name) => name.endsWith('.ipynb')).sort();
  return Object.fromEntries(await Promise.all(names.map(async (name) => [name, JSON.parse(await readFile(`${NOTEBOOKS_DIR}/${name}`, 'utf8')) as Notebook] as const)));
}

/**
 * The rows of a table a notebook printed with `to_string()`: the output block whose first
 * line starts with `header`, each later line split on whitespace, keyed by its first cell.
 */
function tableRows(notebook: Notebook, header: readonly string[]): Map<string, string[]> {
  for (const cell of notebook.cells) {
    const lines = textOf(cell).split('\n');
    const start = lines.findIndex((line) => header.every((word, i) => line.trim().split(/\s+/)[i] === word));
    if (start < 0) continue;
    const rows = new Map<string, string[]>();
    for (const line of lines.slice(start + 1)) {
      const cells = line.trim().split(/\s+/);
      if (cells[0]) rows.set(cells[0], cells);
    }
    return rows;
  }
  throw new Error(`no printed table with the header ${header.join(' ')}`);
}

interface Connection<T> {
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
  nodes: T[];
}
type SubjectsPage = {
  dataset: { subjects: Connection<{ id: string; studies: Connection<{ series: Connection<{ seriesInstanceUid: string; modality: string; retrieveUrl: string | null }> }> }> };
};
const SUBJECTS_PAGE = `query($d: ID!, $after: String) { dataset(id: $d) { subjects(first: 50, after: $after) {
  pageInfo { hasNextPage endCursor }
  nodes { id studies(first: 20) { pageInfo { hasNextPage endCursor } nodes {
    series(first: 50) { pageInfo { hasNextPage endCursor } nodes { seriesInstanceUid modality retrieveUrl } } } } } } } }`;

/** A number as the notebooks print one: whole numbers without a decimal point. */
const number = (value: number) => (Number.isInteger(value) ? String(value) : value.toFixed(1));

describe('the committed notebooks', () => {
  it('carry no outputs and no execution counts, so they never carry data', async () => {
    const notebooks = await committedNotebooks();
    expect(Object.keys(notebooks)).toEqual(expect.arrayContaining([COHORT, BROWSE]));
    for (const [name, notebook] of Object.entries(notebooks)) {
      expect(notebook.nbformat, name).toBe(4);
      for (const cell of notebook.cells.filter((c) => c.cell_type === 'code')) {
        expect(cell.outputs, `${name}: a code cell has outputs; clear them before committing`).toEqual([]);
        expect(cell.execution_count, `${name}: a code cell has an execution count`).toBeNull();
      }
    }
  });

  it('run on the python3 kernel and import nothing but the standard library, requests, pandas and matplotlib', async () => {
    for (const [name, notebook] of Object.entries(await committedNotebooks())) {
      expect(notebook.metadata.kernelspec?.name, name).toBe('python3');
      const code = notebook.cells.filter((c) => c.cell_type === 'code').map(sourceOf).join('\n');
      const imported = [...code.matchAll(/^\s*(?:import|from)\s+([A-Za-z_][\w]*)/gm)].map((match) => match[1]!);
      expect(imported.length, name).toBeGreaterThan(0);
      for (const module of imported) expect(ALLOWED_IMPORTS.has(module), `${name} imports ${module}`).toBe(true);
    }
  });
});

const runner = findNotebookRunner();

describe.skipIf(!runner)('the notebooks, executed headless against a live graph', () => {
  let idp: TestIdentityProvider;
  let graph: InProcessGraph;

  beforeAll(async () => {
    idp = await startTestIdentityProvider();
    graph = await startInProcessGraph({
      gatewayEnv: { CIG_GATEWAY_AUTH_JWKS_URL: idp.jwksUrl, CIG_GATEWAY_AUTH_ISSUER: idp.issuer, CIG_GATEWAY_AUTH_AUDIENCE: idp.audience },
    });
  });

  afterAll(async () => {
    await graph?.stop();
    await idp?.close();
  });

  it('every notebook in examples/notebooks is executed here', async () => {
    expect(Object.keys(await committedNotebooks())).toEqual([BROWSE, COHORT]);
  });

  it('cohort-search prints every site with the counts the graph gives for its criteria, sums them honestly and draws both charts', async () => {
    const executed = await executeNotebook(runner!, `${NOTEBOOKS_DIR}/${COHORT}`, { env: { CIG_GRAPH_URL: graph.url } });
    const text = allText(executed);
    for (const site of DEMO_SITES) expect(text).toContain(site);

    // The criteria the notebook printed, asked again here, straight from the graph.
    const printed = /^Criteria: (.+)$/m.exec(text);
    expect(printed, 'the notebook prints its criteria').not.toBeNull();
    const criteria = JSON.parse(printed![1]!) as Record<string, unknown>;
    const { providers } = await ask<{ providers: { id: string; cohort: { status: string; subjects: Count; byModality: { key: string; subjects: Count }[] } }[] }>(
      graph,
      `query($c: CohortCriteria!) { providers { id cohort(criteria: $c) { status subjects { value precision adjustedTo } byModality: breakdown(by: MODALITY) { key subjects { value precision adjustedTo } } } } }`,
      { c: criteria },
    );
    expect(providers.map((p) => p.id)).toEqual(DEMO_SITES);
    // The demo cohort shows both kinds of protection: rounded sites and a suppressed one.
    expect(new Set(providers.map((p) => p.cohort.subjects.precision))).toEqual(new Set(['ROUNDED', 'SUPPRESSED']));

    const bySite = tableRows(executed, ['site', 'status', 'subjects', 'precision']);
    expect([...bySite.keys()]).toEqual(DEMO_SITES);
    for (const { id, cohort } of providers) {
      const [, status, subjects, precision] = bySite.get(id)!;
      expect({ status, subjects, precision }, id).toEqual({ status: cohort.status, subjects: cohort.subjects.value === null ? '<NA>' : String(cohort.subjects.value), precision: cohort.subjects.precision });
    }

    const given = providers.map((p) => p.cohort.subjects).filter((c) => c.precision === 'ROUNDED' || c.precision === 'EXACT');
    const total = given.reduce((sum, c) => sum + c.value!, 0);
    const error = given.reduce((sum, c) => sum + (c.precision === 'ROUNDED' ? c.adjustedTo! / 2 : 0), 0);
    expect(text).toContain(`Subjects over all sites: at least ${number(total - error)} (the sites that gave a count add up to ${total} ± ${number(error)})`);

    // Modality buckets: per site as the graph gives them, and summed over sites, a lower
    // bound wherever a site left its bucket out.
    const perSite = tableRows(executed, ['site', ...DEMO_SITES]);
    const modalities = [...new Set(providers.flatMap((p) => p.cohort.byModality.map((b) => b.key)))].sort();
    expect(modalities.length).toBeGreaterThan(1);
    const byModality = tableRows(executed, ['modality', 'subjects', 'plus_minus', 'sites_reporting', 'lower_bound']);
    expect([...byModality.keys()].sort()).toEqual(modalities);
    for (const modality of modalities) {
      const cells = providers.map((p) => p.cohort.byModality.find((b) => b.key === modality)?.subjects.value ?? null);
      expect(perSite.get(modality), modality).toEqual([modality, ...cells.map((v) => (v === null ? '<NA>' : String(v)))]);
      const reported = cells.filter((v): v is number => v !== null);
      const [, subjects, , sitesReporting, lowerBound] = byModality.get(modality)!;
      expect({ subjects, sitesReporting, lowerBound }, modality).toEqual({
        subjects: String(reported.reduce((a, b) => a + b, 0)),
        sitesReporting: String(reported.length),
        lowerBound: reported.length < DEMO_SITES.length ? 'True' : 'False',
      });
    }
    expect(imageCount(executed), 'a bar chart by site and one by modality').toBe(2);
  }, 90_000);

  it('browse-granted-data shows the coded refusals, then pages the granted dataset into every one of its series', async () => {
    // The smallest demo dataset, granted in the token as a researcher's identity provider would claim it.
    const { datasets } = await ask<{ datasets: { nodes: { id: string; seriesCount: number | null }[] } }>(graph, `{ datasets(first: 100) { nodes { id seriesCount } } }`);
    const dataset = datasets.nodes.filter((d) => d.seriesCount !== null).sort((a, b) => a.seriesCount! - b.seriesCount!)[0]!.id;
    const token = await idp.sign({ roles: ['researcher'], grants: [{ datasetId: dataset, expiresAt: new Date(Date.now() + 3_600_000).toISOString() }] }, { sub: 'nora', expiresIn: 600 });

    // The dataset's series, paged here the same way (the demo's studies fit in one page).
    const series: { uid: string; modality: string; retrieveUrl: string | null }[] = [];
    const subjects = new Set<string>();
    let studies = 0;
    for (let after: string | null = null; ;) {
      const page: SubjectsPage = await ask<SubjectsPage>(graph, SUBJECTS_PAGE, { d: dataset, after }, token);
      for (const subject of page.dataset.subjects.nodes) {
        subjects.add(subject.id);
        expect(subject.studies.pageInfo.hasNextPage).toBe(false);
        for (const study of subject.studies.nodes) {
          studies += 1;
          expect(study.series.pageInfo.hasNextPage).toBe(false);
          for (const s of study.series.nodes) series.push({ uid: s.seriesInstanceUid, modality: s.modality, retrieveUrl: s.retrieveUrl });
        }
      }
      if (!page.dataset.subjects.pageInfo.hasNextPage) break;
      after = page.dataset.subjects.pageInfo.endCursor;
    }
    expect(series.length).toBeGreaterThan(100);

    const executed = await executeNotebook(runner!, `${NOTEBOOKS_DIR}/${BROWSE}`, { env: { CIG_GRAPH_URL: graph.url, CIG_TOKEN: token, CIG_DATASET_ID: dataset } });
    const text = allText(executed);

    // Before the grant: the coded errors, and no record in the answer.
    const refusals = executed.cells.map(textOf).find((t) => t.includes('without a token'));
    expect(refusals).toMatch(/without a token \(.+\): HTTP 200\n\s+error: UNAUTHENTICATED:/);
    expect(refusals).toMatch(/with your token, another dataset \(.+\): HTTP 200\n\s+error: FORBIDDEN:/);
    expect(refusals).toContain("'subjects': None");
    expect(refusals).not.toMatch(/\d+\.\d+\.\d+\.\d+/);

    // With it: every series, in the graph's order, counted as the graph counts them.
    expect(text).toContain(`${subjects.size} subjects, ${studies} studies, ${series.length} series`);
    const uids = series.map((s) => s.uid);
    const table = executed.cells.map(textOf).find((t) => t.includes('series_uid')) ?? '';
    const printedUids = [...table.matchAll(/\b\d+(?:\.\d+){2,}\b/g)].map((match) => match[0]);
    expect(printedUids).toEqual([...uids.slice(0, 10), ...uids.slice(-5)]);
    const modalityCounts = tableRows(executed, ['body_part']);
    expect(modalityCounts.get('all')?.at(-1), 'every series is in the modality × body part table').toBe(String(series.length));
    for (const modality of new Set(series.map((s) => s.modality))) {
      expect(modalityCounts.get(modality)?.at(-1), modality).toBe(String(series.filter((s) => s.modality === modality).length));
    }
    expect(text).toContain(`${series.filter((s) => s.retrieveUrl !== null).length} of ${series.length} series have a retrieve link.`);
    expect(imageCount(executed), 'a bar chart of series by modality').toBe(1);
  }, 90_000);
});
