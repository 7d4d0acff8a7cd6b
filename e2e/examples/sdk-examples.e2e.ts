import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { generate } from '@graphql-codegen/cli';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import codegenConfig from '../../examples/sdk/codegen.ts';
import { repoPath } from '../../scripts/generate/paths.js';
import { startInProcessGraph, type InProcessGraph } from '../support/in-process-graph.js';

// Each SDK example (examples/sdk) run as a user runs it, `node --conditions=development
// --import tsx examples/sdk/<name>.ts`, against a live in-process graph whose gateway is in
// development, with tokens from `npm run dev-token`. Every figure the output shows is
// checked against the graph asked directly over plain HTTP (not through the SDK).

const run = promisify(execFile);
let graph: InProcessGraph;
let keysDir: string;

beforeAll(async () => {
  keysDir = await mkdtemp(path.join(tmpdir(), 'cig-sdk-examples-'));
  graph = await startInProcessGraph({
    gatewayEnv: { CIG_GATEWAY_ENV: 'development', CIG_GATEWAY_DEV_KEYS_DIR: keysDir, CIG_GATEWAY_RATE_LIMIT: '0' },
  });
}, 120_000);

afterAll(async () => {
  await graph?.stop();
  if (keysDir) await rm(keysDir, { recursive: true, force: true });
});

/** Environment of a child: the graph's URL, development, and the test's key directory. */
function childEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return { ...process.env, NODE_ENV: 'development', CIG_GATEWAY_ENV: 'development', CIG_GATEWAY_DEV_KEYS_DIR: keysDir, CIG_GRAPH_URL: graph.url, ...extra };
}

async function runExample(name: string, args: string[] = [], env: Record<string, string> = {}): Promise<string> {
  const { stdout } = await run(process.execPath, ['--conditions=development', '--import', 'tsx', repoPath(`examples/sdk/${name}.ts`), ...args], {
    cwd: repoPath('.'), env: childEnv(env), timeout: 60_000, maxBuffer: 16 * 1024 * 1024,
  });
  return stdout;
}

/** `npm run dev-token` as the README shows it. */
async function devToken(role: string, sub: string): Promise<string> {
  const { stdout } = await run(process.execPath, ['--conditions=development', '--import', 'tsx', repoPath('scripts/dev-token.ts'), '--role', role, '--sub', sub], {
    cwd: repoPath('.'), env: childEnv(), timeout: 30_000,
  });
  return stdout.trim();
}

/** Asks the graph directly, with no SDK in between. */
async function ask<T = any>(query: string, variables: Record<string, unknown> = {}, token?: string): Promise<T> {
  const response = await fetch(graph.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token && { authorization: `Bearer ${token}` }) },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as { data: T; errors?: unknown[] };
  expect(body.errors).toBeUndefined();
  return body.data;
}

interface RawCount { value: number | null; precision: string; adjustedTo: number | null }

/** A count as the examples print it, written out here independently of the SDK's formatter. */
function shown(count: RawCount): string {
  const n = (value: number) => value.toLocaleString('en');
  if (count.precision === 'EXACT') return n(count.value!);
  if (count.precision === 'ROUNDED') return `≈ ${n(count.value!)}`;
  if (count.precision === 'SUPPRESSED') return `< ${n(count.adjustedTo!)}`;
  return 'n/a';
}

/** The output's line that starts with `key` (a site id, a dataset id, "total"). */
function lineOf(output: string, key: string): string {
  const line = output.split('\n').find((l) => l.trimStart().startsWith(`${key} `));
  expect(line, `a line for ${key} in:\n${output}`).toBeDefined();
  return line!;
}

const COUNT = '{ value precision adjustedTo }';

describe('the SDK examples against a live graph', () => {
  it('providers-and-datasets lists every site with its status, and every lung CT dataset', async () => {
    const output = await runExample('providers-and-datasets');
    const { providers } = await ask<{ providers: { id: string; name: string; country: string }[] }>('{ providers { id name country } }');
    expect(providers.length).toBe(5);
    expect(output).toContain(`Sites (${providers.length}):`);
    for (const site of providers) {
      expect(lineOf(output, site.id)).toMatch(new RegExp(`${site.country}\\s+custom\\s+OK \\d+ ms\\s+${site.name.replace(/[()]/g, '\\$&')}`));
    }
    const { datasets } = await ask('{ datasets(first: 100, filter: { cancerTypes: [LUNG], modalities: [CT] }) { totalCount nodes { id subjectCount provider { id } } } }');
    expect(datasets.totalCount).toBeGreaterThan(1);
    expect(output).toContain(`Lung cancer CT datasets (${datasets.totalCount}):`);
    for (const d of datasets.nodes) expect(lineOf(output, d.id)).toMatch(new RegExp(`^${d.id}\\s+${d.provider.id}\\s+${d.subjectCount}\\s`));
  }, 60_000);

  it('cohort-by-site shows each site\'s protected counts, a lower-bound total where a site suppressed, and the breakdown', async () => {
    const output = await runExample('cohort-by-site');
    const criteria = { cancerTypes: ['PROSTATE'], modalities: ['MR'], ageAtDiagnosis: { min: 80 } };
    const { providers } = await ask(
      `query($c: CohortCriteria!) { providers { id cohort(criteria: $c) { status subjects ${COUNT} studies ${COUNT} series ${COUNT} breakdown(by: AGE_BAND) { key subjects ${COUNT} } } } }`,
      { c: criteria },
    );
    for (const site of providers) {
      const { status, subjects, studies, series } = site.cohort;
      expect(lineOf(output, site.id)).toMatch(new RegExp(`^${site.id}\\s+${status}\\s+${[subjects, studies, series].map(shown).join('\\s+')}$`));
    }
    // demo-de suppresses below 20 subjects, and with them its studies and series: every
    // total is then a lower bound.
    const de = providers.find((p: any) => p.id === 'demo-de').cohort;
    expect([de.subjects.precision, de.studies.precision, de.series.precision]).toEqual(['SUPPRESSED', 'SUPPRESSED', 'SUPPRESSED']);
    expect(lineOf(output, 'total')).toMatch(/^total\s+≥ [\d,]+\s+≥ [\d,]+\s+≥ [\d,]+$/);
    expect(output).toContain('The subject total is a lower bound: 1 site(s) suppressed');
    const nl = providers.find((p: any) => p.id === 'demo-nl').cohort.breakdown as { key: string; subjects: RawCount }[];
    const breakdownLine = output.split('Subjects by AGE_BAND:')[1]!.split('\n').find((l) => l.startsWith('demo-nl '))!;
    for (const bucket of nl) expect(breakdownLine).toContain(shown(bucket.subjects));
  }, 60_000);

  it('cohort-report saves a cohort, prints its report per site and dataset, and links the CSV the gateway serves', async () => {
    const output = await runExample('cohort-report');
    const id = /Saved cohort ([0-9a-f-]{36}) at /.exec(output)?.[1];
    expect(id).toBeDefined();
    const { cohortReport } = await ask(
      `query($id: ID!) { cohortReport(id: $id) { sites { provider { id } cohort { subjects ${COUNT} datasets { dataset { id } subjects ${COUNT} } } } } }`,
      { id },
    );
    expect(cohortReport.sites).toHaveLength(5);
    for (const site of cohortReport.sites) {
      expect(lineOf(output, site.provider.id)).toContain(shown(site.cohort.subjects));
      for (const row of site.cohort.datasets) expect(lineOf(output, row.dataset.id)).toContain(shown(row.subjects));
    }
    expect(output).toContain('over 5 sites');
    const csvUrl = /As CSV: (\S+)/.exec(output)![1]!;
    const csv = await fetch(csvUrl);
    expect(csv.status).toBe(200);
    expect(await csv.text()).toContain('demo-nl');
  }, 60_000);

  it('own-documents runs a .graphql document and an inline graphql() one with their generated types', async () => {
    const output = await runExample('own-documents', ['demo-es']);
    const { provider, providers } = await ask(
      `{ provider(id: "demo-es") { name country datasets { id subjectCount } } providers { id cohort(criteria: { cancerTypes: [LUNG], providerIds: ["demo-es"] }) { subjects ${COUNT} } } }`,
    );
    expect(output).toContain(`${provider.name} (${provider.country}): ${provider.datasets.length} datasets`);
    for (const d of provider.datasets) expect(lineOf(output, d.id)).toContain(String(d.subjectCount));
    const es = providers.find((p: any) => p.id === 'demo-es');
    expect(output).toContain(`Lung cancer subjects at demo-es: ${shown(es.cohort.subjects)}`);
  }, 60_000);

  it('access-and-browse without tokens says how to make them, and stops', async () => {
    const failure = await runExample('access-and-browse', [], { CIG_RESEARCHER_TOKEN: '', CIG_COMMITTEE_TOKEN: '' }).catch((e: unknown) => e as { code: number; stderr: string });
    expect(failure).toMatchObject({ code: 2 });
    expect((failure as { stderr: string }).stderr).toContain('npm run -s dev-token -- --role researcher');
  }, 60_000);

  it('access-and-browse: a researcher requests, the committee approves, the researcher browses every series, the audit log shows it', async () => {
    const rita = await devToken('researcher', 'rita');
    const dac = await devToken('committee', 'dac');
    const output = await runExample('access-and-browse', [], { CIG_RESEARCHER_TOKEN: rita, CIG_COMMITTEE_TOKEN: dac });
    const datasetId = /Dataset: (\S+)/.exec(output)![1]!;
    expect(output).toContain('Before approval, browsing is refused: FORBIDDEN');
    expect(output).toMatch(/Researcher rita requested access: [0-9a-f-]{36} \(SUBMITTED\)/);
    expect(output).toContain('Committee: SUBMITTED by rita → UNDER_REVIEW by dac → APPROVED by dac');
    // Now granted, the researcher's counts for the dataset are exact: the walk must match them.
    const site = datasetId.split(':')[0];
    const { providers } = await ask(
      `query($d: ID!) { providers { id cohort(criteria: { datasetIds: [$d] }) { datasets { dataset { id } subjects ${COUNT} series ${COUNT} } } } }`,
      { d: datasetId },
      rita,
    );
    const row = providers.find((p: any) => p.id === site).cohort.datasets[0];
    expect(row.series.precision).toBe('EXACT');
    expect(output).toContain(`Browsed ${row.series.value} series of ${row.subjects.value} subjects.`);
    expect(output).toMatch(/2\.25\.\d+\s+2\.25\.\d+\s+CT\s+\(no retrieve link at this site\)/);
    for (const entry of ['dac GRANT_CREATED', 'rita READ_SUBJECTS', 'rita READ_STUDIES', 'rita READ_SERIES']) {
      expect(lineOf(output.split('Audit log of the dataset:')[1]!, entry)).toMatch(/\s\d+$/);
    }
  }, 90_000);
});

describe('the own-documents example\'s generated types', () => {
  it('are committed exactly as `npx graphql-codegen --config examples/sdk/codegen.ts` makes them', async () => {
    const outputs = (await generate({ ...codegenConfig, cwd: repoPath('.'), silent: true, verbose: false }, false)) as { filename: string; content: string }[];
    expect(outputs.length).toBe(3);
    const stale: string[] = [];
    for (const output of outputs) {
      const file = path.resolve(repoPath('.'), output.filename);
      const committed = await readFile(file, 'utf8').catch(() => '<missing>');
      if (committed !== output.content) stale.push(path.relative(repoPath('.'), file));
    }
    expect(stale).toEqual([]);
  }, 60_000);
});
