import { copyFile, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadRegistry, protectCount, type KindSubgraphOptions, type ProviderSubgraph, type Registry } from '@cancer-imaging/provider-kit';
import { describeProviderConformance } from '@cancer-imaging/provider-kit/testing';
import { createCustomSubgraph } from '@cancer-imaging/subgraph-custom';
import { repoPath } from '../../scripts/generate/paths.js';
import { composeForRoot } from '../../scripts/new-provider/compose-root.js';
import { withSite } from '../../scripts/new-provider/registry-site.js';
import { scaffoldProvider } from '../../scripts/new-provider/scaffold.js';
import { readSubgraphList } from '../../scripts/new-provider/subgraph-list.js';
import { createTempCheckout, type TempCheckout } from '../../scripts/new-provider/temp-checkout.js';
import { postGraphQL } from '../support/graphql.js';
import { buildSeriesExport, identifiersOf, type CollectionSpec, type SeriesExport } from './fixtures/series-export.js';
import { startGraph, type RunningGraph } from './running-graph.js';

// A repository kind the graph has never seen, plugged in the way docs/providers.md says:
// `npm run new-provider -- json-files --registry ...` (here into a temp copy of the
// checkout), the provider's adapter over JSON exports written into the scaffolded package
// (e2e/new-kind/fixtures/json-adapter.ts), the kit's conformance suite, composition, and
// a running gateway that swaps in the recomposed supergraph without a restart and answers
// the unchanged cohort query with the new kind's sites next to the custom ones.

const KIND = 'json-files';
const ADAPTER = fileURLToPath(new URL('./fixtures/json-adapter.ts', import.meta.url));
const PSEUDONYM_SECRET = 'new-kind-e2e-pseudonym-secret-0123456789';
const SITES: readonly { id: string; name: string; country: string; collections: CollectionSpec[] }[] = [
  {
    id: 'json-a', name: 'JSON export site Utrecht (synthetic)', country: 'NL',
    collections: [{ id: 'lung-ct', diagnosis: 'LUNG', patients: 32 }, { id: 'prostate-mr', diagnosis: 'PROSTATE', patients: 21 }, { id: 'glioma-mr', diagnosis: 'GLIOMA', patients: 6 }],
  },
  { id: 'json-b', name: 'JSON export site Porto (synthetic)', country: 'PT', collections: [{ id: 'breast-mg', diagnosis: 'BREAST', patients: 27 }] },
];

/** What the scaffolded package's src/index.ts exports. */
interface ScaffoldedKind {
  typeDefs: string;
  createJsonFilesSubgraph(options: KindSubgraphOptions): Promise<ProviderSubgraph>;
}

interface Prepared {
  readonly checkout: TempCheckout;
  readonly exports: ReadonlyMap<string, SeriesExport>;
  /** The temp checkout's demo registry: the five custom sites and the two json-files sites. */
  readonly registry: Registry;
  readonly kind: ScaffoldedKind;
}

/** Dataset metadata the provider adds for its sites (docs/providers.md, step 4). */
function curatedDatasets(): string {
  const lines = ['datasets:'];
  for (const site of SITES) {
    for (const collection of site.collections) {
      lines.push(`  - { site: ${site.id}, localId: ${collection.id}, title: "${collection.id} (synthetic)", cancerTypes: [${collection.diagnosis}], publisher: { name: "${site.name}" } }`);
    }
  }
  return `${lines.join('\n')}\n`;
}

/** Everything a provider does before the graph runs it; once, shared by both suites below. */
let checkoutCreated: Promise<TempCheckout> | undefined;
let preparing: Promise<Prepared> | undefined;
function prepare(): Promise<Prepared> {
  preparing ??= (async () => {
    checkoutCreated = createTempCheckout('cig-new-kind-e2e-');
    const checkout = await checkoutCreated;
    const inCheckout = (relative: string) => path.join(checkout.root, relative);
    const exports = new Map<string, SeriesExport>();
    const exportUrls = new Map<string, string>();
    await mkdir(inCheckout('exports'));
    for (const [index, site] of SITES.entries()) {
      const file = inCheckout(`exports/${site.id}.json`);
      exports.set(site.id, buildSeriesExport(index + 1, site.collections));
      await writeFile(file, JSON.stringify(exports.get(site.id)));
      exportUrls.set(site.id, pathToFileURL(file).href);
    }

    // 1. The scaffold, with the first site in the demo registry.
    const [first, second] = SITES as [typeof SITES[0], typeof SITES[0]];
    const scaffolded = await scaffoldProvider({
      kind: KIND, root: checkout.root,
      registry: { file: 'config/demo/registry.yaml', site: { id: first.id, name: first.name, country: first.country, baseUrl: exportUrls.get(first.id)! } },
    });
    expect(scaffolded.composed).toEqual(['schema/supergraph.graphql']);

    // 2. A second site of the kind, and the sites' datasets described.
    const registryFile = inCheckout('config/demo/registry.yaml');
    const withSecond = await withSite(await readFile(registryFile, 'utf8'), registryFile, KIND, { id: second.id, name: second.name, country: second.country, baseUrl: exportUrls.get(second.id)! });
    expect(withSecond.text).toContain('datasets: ./datasets.yaml');
    await writeFile(registryFile, withSecond.text.replace('datasets: ./datasets.yaml', 'datasets: [./datasets.yaml, ./json-files-datasets.yaml]'));
    await writeFile(inCheckout('config/demo/json-files-datasets.yaml'), curatedDatasets());

    // 3. The adapter, written over the skeleton.
    await copyFile(ADAPTER, inCheckout('subgraphs/json-files/src/adapter.ts'));
    const kind = (await import(pathToFileURL(inCheckout('subgraphs/json-files/src/index.ts')).href)) as ScaffoldedKind;
    return { checkout, exports, registry: await loadRegistry(registryFile), kind };
  })();
  return preparing;
}

afterAll(async () => {
  await preparing?.catch(() => undefined);
  const checkout = await checkoutCreated?.catch(() => undefined);
  await checkout?.remove();
});

// 4. The kit's contract suite against the scaffolded kind with the provider's adapter.
describeProviderConformance('json-files kind, scaffolded, over JSON series exports', async () => {
  const { kind, registry, exports } = await prepare();
  return {
    createSubgraph: (overrides) => kind.createJsonFilesSubgraph({ registry, pseudonymSecret: PSEUDONYM_SECRET, ...overrides }),
    forbiddenValues: async () => [...exports.values()].flatMap(identifiersOf),
  };
});

// 5. Composition and the running graph.
const COHORT_QUERY = /* GraphQL */ `
  query Cohort($criteria: CohortCriteria!) {
    providers { id kind cohort(criteria: $criteria) { status subjects { value precision } } }
  }
`;
type Answer = { id: string; kind: string; cohort: { status: string; subjects: { value: number | null; precision: string } } };
const CRITERIA = [
  { cancerTypes: ['LUNG', 'PROSTATE', 'BREAST'], modalities: ['CT', 'MR', 'MG'] },
  { sex: ['FEMALE'], ageAtDiagnosis: { min: 50 } },
  { cancerTypes: ['GLIOMA'] },
] as const;

/** Distinct patients of an export with a series matching the criteria: counted on the file, not through the adapter. */
function subjectsInExport(file: SeriesExport, criteria: typeof CRITERIA[number]): number {
  const rows = file.series.filter((row) => {
    if ('cancerTypes' in criteria && !(criteria.cancerTypes as readonly string[]).includes(row.diagnosis)) return false;
    if ('modalities' in criteria && !(criteria.modalities as readonly string[]).includes(row.Modality)) return false;
    if ('sex' in criteria && row.PatientSex !== 'F') return false;
    if ('ageAtDiagnosis' in criteria && (row.ageAtDiagnosis === null || row.ageAtDiagnosis < criteria.ageAtDiagnosis.min)) return false;
    return true;
  });
  return new Set(rows.map((row) => row.PatientID)).size;
}

/** Writes a file as deploy tools do: a temporary file renamed over it. */
async function replaceFile(file: string, text: string): Promise<void> {
  await writeFile(`${file}.next`, text);
  await rename(`${file}.next`, file);
}

describe('the unchanged cohort query through the running gateway, before and after the json-files kind plugs in', () => {
  let prepared: Prepared;
  let oldRegistry: Registry;
  let newSupergraph: string;
  let supergraphPath: string;
  let graph: RunningGraph;
  const subgraphs: ProviderSubgraph[] = [];
  const before = new Map<string, Answer[]>();

  const ask = async (criteria: typeof CRITERIA[number]) => {
    const { status, body } = await postGraphQL(graph.url, COHORT_QUERY, { criteria });
    expect(status).toBe(200);
    expect(body.errors).toBeUndefined();
    return body.data!['providers'] as Answer[];
  };

  beforeAll(async () => {
    prepared = await prepare();
    const { root } = prepared.checkout;
    oldRegistry = await loadRegistry(repoPath('config/demo/registry.yaml'));

    // `npm run generate` once the package is linked: the kind's typeDefs imported from its
    // workspace, not given. It must match what the scaffold composed before the adapter existed.
    const { list } = await readSubgraphList(root);
    newSupergraph = (await composeForRoot({ root, list, registry: prepared.registry })).supergraphSdl;
    expect(newSupergraph).toBe(await readFile(path.join(root, 'schema/supergraph.graphql'), 'utf8'));
    expect(newSupergraph).toContain('JSON_FILES @join__graph(name: "json-files"');

    // The deployment before the provider: the committed supergraph (custom only). The
    // json-files subgraph is started first, as its operator would, and not called yet.
    supergraphPath = path.join(root, 'deployed-supergraph.graphql');
    await writeFile(supergraphPath, await readFile(repoPath('schema/supergraph.graphql'), 'utf8'));
    subgraphs.push(await createCustomSubgraph({ registry: oldRegistry, pseudonymSecret: PSEUDONYM_SECRET, logger: pino({ level: 'silent' }) }));
    subgraphs.push(await prepared.kind.createJsonFilesSubgraph({ registry: prepared.registry, pseudonymSecret: PSEUDONYM_SECRET }));
    graph = await startGraph({ registry: oldRegistry, kinds: subgraphs, supergraphPath, pollMs: 100 });
  }, 120_000);

  afterAll(async () => {
    await graph?.stop();
    await Promise.all(subgraphs.map((subgraph) => subgraph.close()));
  });

  it('answers with the custom sites only while the supergraph has no json-files kind', async () => {
    for (const criteria of CRITERIA) {
      const providers = await ask(criteria);
      expect(providers.map((p) => p.id)).toEqual(oldRegistry.sites.map((site) => site.id).sort());
      for (const provider of providers) {
        expect(provider.kind).toBe('custom');
        expect(provider.cohort.status).toBe('OK');
      }
      before.set(JSON.stringify(criteria), providers);
    }
  });

  it('answers the same query with the json-files sites beside them once the catalogue restarts and the gateway reloads the recomposed supergraph', async () => {
    const url = graph.url;
    // The catalogue's types and the gateway's supergraph change together: between the two
    // steps the providers query fails (see docs/providers.md), so the supergraph is written
    // as soon as the catalogue is back, and the gateway picks it up within its poll interval.
    await graph.restartCatalogue(prepared.registry);
    await replaceFile(supergraphPath, newSupergraph);
    await expect.poll(async () => (await ask(CRITERIA[0])).map((p) => p.id), { timeout: 3_000, interval: 50 }).toContain('json-b');
    expect(graph.url).toBe(url);

    for (const criteria of CRITERIA) {
      const providers = await ask(criteria);
      expect(providers.map((p) => p.id)).toEqual(prepared.registry.sites.map((site) => site.id).sort());
      // The existing kind's answers are exactly what they were before the reload.
      expect(providers.filter((p) => p.kind === 'custom')).toEqual(before.get(JSON.stringify(criteria)));
      for (const site of prepared.registry.sites.filter((s) => s.kind === KIND)) {
        const expected = protectCount(subjectsInExport(prepared.exports.get(site.id)!, criteria), site.privacy);
        expect(providers.find((p) => p.id === site.id), `${site.id} ${JSON.stringify(criteria)}`).toEqual({
          id: site.id, kind: KIND, cohort: { status: 'OK', subjects: { value: expected.value, precision: expected.precision } },
        });
      }
    }
    // The suppressed and rounded cases both occurred, so the comparison above meant something.
    const precisions = new Set((await Promise.all(CRITERIA.map(ask))).flat().filter((p) => p.kind === KIND).map((p) => p.cohort.subjects.precision));
    expect(precisions).toEqual(new Set(['ROUNDED', 'SUPPRESSED']));
  });
});
