import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  buildProviderTypeDefs, loadRegistry, parseRegistry, ProviderError, type CreateAdapter, type KindSubgraphOptions, type ProviderAdapter, type ProviderSubgraph,
} from '@cancer-imaging/provider-kit';
import { HeaderMap } from '@apollo/server';
import { execute, parse } from 'graphql';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { composeGraph } from '../generate/compose.js';
import { repoPath } from '../generate/paths.js';
import { composeForRoot } from './compose-root.js';
import { scaffoldProvider, type ScaffoldResult } from './scaffold.js';
import { readSubgraphList } from './subgraph-list.js';
import { createTempCheckout, type TempCheckout } from './temp-checkout.js';

const SITE = { id: 'json-a', name: 'JSON site A', country: 'NL', baseUrl: 'file:/data/series.json' };
const node = (...args: string[]) => spawnSync(process.execPath, args, { encoding: 'utf8', timeout: 60_000 });

/** What the scaffolded src/index.ts exports. */
interface ScaffoldedKind {
  typeDefs: string;
  createJsonFilesSubgraph(options: KindSubgraphOptions): Promise<ProviderSubgraph>;
  createJsonFilesAdapter: CreateAdapter;
}

describe('scaffoldProvider into a checkout (json-files, with a site in the demo registry)', () => {
  let checkout: TempCheckout;
  let result: ScaffoldResult;
  const inCheckout = (relative: string) => path.join(checkout.root, relative);

  beforeAll(async () => {
    checkout = await createTempCheckout();
    result = await scaffoldProvider({ kind: 'json-files', root: checkout.root, registry: { file: 'config/demo/registry.yaml', site: SITE } });
  });

  afterAll(async () => {
    await checkout?.remove();
  });

  it('writes the kind package, then registers it, adds the site and recomposes that registry\'s supergraph', () => {
    const sources = ['package.json', 'README.md', 'src/adapter.ts', 'src/config.ts', 'src/index.ts', 'src/main.ts', 'src/schema.ts', 'src/server.ts', 'test/conformance.test.ts', 'tsconfig.build.json'];
    expect(result.written).toEqual([
      ...sources.map((file) => `subgraphs/json-files/${file}`),
      'schema/subgraphs.json', 'package.json', 'config/demo/registry.yaml', 'schema/supergraph.graphql', 'schema/api.graphql',
    ]);
    expect(result).toMatchObject({ port: 4005, url: 'http://127.0.0.1:4005/graphql', composed: ['schema/supergraph.graphql'], workspaceAdded: true });
  });

  it('gives the package the layout and pins of the other kinds', async () => {
    const manifest = JSON.parse(await readFile(inCheckout('subgraphs/json-files/package.json'), 'utf8'));
    const kit = JSON.parse(await readFile(repoPath('subgraphs/kit/package.json'), 'utf8'));
    expect(manifest).toMatchObject({
      name: '@cancer-imaging/subgraph-json-files', private: true, type: 'module',
      exports: { '.': { types: './src/index.ts', development: './src/index.ts', default: './dist/index.js' } },
      dependencies: { '@cancer-imaging/provider-kit': kit.version, zod: kit.dependencies.zod },
    });
    const main = await readFile(inCheckout('subgraphs/json-files/src/main.ts'), 'utf8');
    expect(main).toContain("loadProviderProcessConfig('json-files', process.env, { port: 4005, registryPath: DEFAULT_JSON_FILES_REGISTRY })");
    expect(await readFile(inCheckout('subgraphs/json-files/src/config.ts'), 'utf8')).toContain("new URL('../../../config/demo/registry.yaml', import.meta.url)");
  });

  it('registers the kind and its workspace, changing nothing else in those files', async () => {
    const before = JSON.parse(await readFile(repoPath('schema/subgraphs.json'), 'utf8'));
    const after = JSON.parse(await readFile(inCheckout('schema/subgraphs.json'), 'utf8'));
    expect(after).toEqual({ ...before, kinds: { ...before.kinds, 'json-files': { package: '@cancer-imaging/subgraph-json-files', url: 'http://127.0.0.1:4005/graphql' } } });
    expect(Object.keys(after)).toEqual(Object.keys(before));
    const workspaces = JSON.parse(await readFile(inCheckout('package.json'), 'utf8')).workspaces as string[];
    const original = JSON.parse(await readFile(repoPath('package.json'), 'utf8')).workspaces as string[];
    expect(workspaces.filter((folder) => folder !== 'subgraphs/json-files')).toEqual(original);
    expect(workspaces.indexOf('subgraphs/json-files')).toBe(original.indexOf('subgraphs/xnat') + 1);
  });

  it('appends the site to the registry, keeping every line of it, comments included', async () => {
    const original = (await readFile(repoPath('config/demo/registry.yaml'), 'utf8')).split('\n');
    const edited = (await readFile(inCheckout('config/demo/registry.yaml'), 'utf8')).split('\n');
    const start = edited.findIndex((line, index) => line !== original[index]);
    const added = edited.slice(start, start + edited.length - original.length);
    expect(added).toEqual([
      '  # Added by `npm run new-provider -- json-files`: describe its datasets in the registry\'s dataset file.',
      '  - id: json-a', '    name: JSON site A', '    country: NL', '    kind: json-files', '    baseUrl: file:/data/series.json',
    ]);
    expect([...edited.slice(0, start), ...edited.slice(start + added.length)]).toEqual(original);
    const registry = await loadRegistry(inCheckout('config/demo/registry.yaml'));
    expect(registry.sites.at(-1)).toMatchObject({ ...SITE, kind: 'json-files' });
  });

  it('recomposes only the supergraphs whose registry has a site of the kind, as `npm run generate` would', async () => {
    const supergraph = await readFile(inCheckout('schema/supergraph.graphql'), 'utf8');
    expect(supergraph).toContain('JSON_FILES @join__graph(name: "json-files", url: "http://127.0.0.1:4005/graphql")');
    expect(await readFile(inCheckout('schema/api.graphql'), 'utf8')).toMatch(/type JsonFilesProvider implements Provider/);
    // The same bytes the generator's composer gives once the package is linked.
    const { list } = await readSubgraphList(checkout.root);
    const registry = await loadRegistry(inCheckout('config/demo/registry.yaml'));
    expect(supergraph).toBe((await composeForRoot({ root: checkout.root, list, registry, typeDefsOf: { 'json-files': buildProviderTypeDefs('json-files') } })).supergraphSdl);
    for (const untouched of ['config/demo-orthanc/__generated__/supergraph.graphql', 'config/demo-full/__generated__/supergraph.graphql']) {
      expect(await readFile(inCheckout(untouched), 'utf8'), untouched).toBe(await readFile(repoPath(untouched), 'utf8'));
    }
  });

  it('writes sources that typecheck under the repository\'s strict settings', async () => {
    await writeFile(inCheckout('tsconfig.json'), JSON.stringify({
      extends: './tsconfig.base.json', compilerOptions: { noEmit: true }, include: ['subgraphs/json-files/src', 'subgraphs/json-files/test'],
    }));
    const tsc = node(repoPath('node_modules/typescript/bin/tsc'), '-p', inCheckout('tsconfig.json'));
    expect(tsc.stdout + tsc.stderr).toBe('');
    expect(tsc.status).toBe(0);
  }, 60_000);

  it('writes a conformance test that fails, naming the adapter method still to write', () => {
    const vitest = node(repoPath('node_modules/vitest/vitest.mjs'), 'run', '--root', checkout.root, '--config', repoPath('vitest.config.ts'), 'subgraphs/json-files');
    const output = vitest.stdout + vitest.stderr;
    expect(vitest.status, output).toBe(1);
    expect(output).toContain('provider contract conformance: json-files kind');
    expect(output).toMatch(/The json-files adapter does not implement listDatasets yet \(subgraphs\/json-files\/src\/adapter\.ts\)/);
  }, 60_000);

  it('writes an adapter skeleton whose every method throws a ProviderError, so its sites answer ERROR', async () => {
    const scaffolded = (await import(pathToFileURL(inCheckout('subgraphs/json-files/src/index.ts')).href)) as ScaffoldedKind;
    // Not exported from index.ts: it goes away with the skeleton once the adapter is written.
    const { NotImplementedError } = (await import(pathToFileURL(inCheckout('subgraphs/json-files/src/adapter.ts')).href)) as { NotImplementedError: typeof ProviderError };
    expect(scaffolded.typeDefs).toBe(buildProviderTypeDefs('json-files'));
    const registry = await parseRegistry(`sites:\n  - { id: json-a, name: A, country: NL, kind: json-files, baseUrl: "file:/x.json" }\n`, '/virtual/registry.yaml');
    const adapter: ProviderAdapter = await scaffolded.createJsonFilesAdapter(registry.sites[0]!, {
      logger: pino({ level: 'silent' }), datasets: [], env: {}, fetch: globalThis.fetch,
    });
    const ctx = { signal: new AbortController().signal, logger: pino({ level: 'silent' }) };
    const calls: [keyof ProviderAdapter, () => Promise<unknown>][] = [
      ['describe', () => adapter.describe(ctx)],
      ['listDatasets', () => adapter.listDatasets(ctx)],
      ['countCohort', () => adapter.countCohort({}, ctx)],
      ['breakdownCohort', () => adapter.breakdownCohort({}, 'SEX', ctx)],
      ['listSubjects', () => adapter.listSubjects('d', { offset: 0, limit: 10 }, ctx)],
      ['listStudies', () => adapter.listStudies([], ctx)],
      ['listSeries', () => adapter.listSeries([], ctx)],
      ['listSegmentations', () => adapter.listSegmentations([], ctx)],
    ];
    for (const [method, call] of calls) {
      const error = await call().then(() => undefined, (thrown: unknown) => thrown);
      expect(error, method).toBeInstanceOf(ProviderError);
      expect(error, method).toBeInstanceOf(NotImplementedError);
      expect((error as ProviderError).message).toContain(`does not implement ${method} yet`);
    }

    const subgraph = await scaffolded.createJsonFilesSubgraph({ registry, pseudonymSecret: 'scaffold-test-secret-0123456789' });
    const result = await execute({
      schema: subgraph.schema,
      document: parse('query($r: [_Any!]!) { _entities(representations: $r) { ... on JsonFilesProvider { id cohort(criteria: {}) { status errorCode subjects { value precision } } } } }'),
      variableValues: { r: [{ __typename: 'JsonFilesProvider', id: 'json-a' }] },
      contextValue: await subgraph.createContext({ headers: new HeaderMap(), requestId: 'scaffold-test' }),
    });
    expect(result.errors).toBeUndefined();
    expect(result.data).toEqual({ _entities: [{ id: 'json-a', cohort: { status: 'ERROR', errorCode: 'PROVIDER_BAD_RESPONSE', subjects: { value: null, precision: 'UNAVAILABLE' } } }] });
    await subgraph.close();
  });
});

describe('scaffoldProvider refusals', () => {
  let checkout: TempCheckout;
  const snapshot = async () => Promise.all(['schema/subgraphs.json', 'package.json', 'config/demo/registry.yaml'].map((file) => readFile(path.join(checkout.root, file), 'utf8')));

  beforeAll(async () => {
    checkout = await createTempCheckout();
  });

  afterAll(async () => {
    await checkout?.remove();
  });

  it('refuses an existing kind, a bad name, an existing folder and a bad site, and writes nothing then', async () => {
    const before = await snapshot();
    await expect(scaffoldProvider({ kind: 'custom', root: checkout.root })).rejects.toThrow('exists already (schema/subgraphs.json)');
    await expect(scaffoldProvider({ kind: 'Json_Files', root: checkout.root })).rejects.toThrow('is not a kind name');
    await mkdir(path.join(checkout.root, 'subgraphs/pacs'), { recursive: true });
    await expect(scaffoldProvider({ kind: 'pacs', root: checkout.root })).rejects.toThrow('subgraphs/pacs exists already');
    const registry = { file: 'config/demo/registry.yaml' };
    await expect(scaffoldProvider({ kind: 'json-files', root: checkout.root, registry: { ...registry, site: { ...SITE, id: 'demo-nl' } } }))
      .rejects.toThrow('a site with id "demo-nl" exists already');
    await expect(scaffoldProvider({ kind: 'json-files', root: checkout.root, registry: { ...registry, site: { ...SITE, country: 'Netherlands' } } }))
      .rejects.toThrow(/country/);
    expect(existsSync(path.join(checkout.root, 'subgraphs/json-files'))).toBe(false);
    expect(existsSync(path.join(checkout.root, 'schema/supergraph.graphql'))).toBe(false);
    expect(await snapshot()).toEqual(before);
  });
});

describe('the new-provider command', () => {
  let checkout: TempCheckout;
  const run = (...args: string[]) => node('--conditions=development', '--import', 'tsx', repoPath('scripts/new-provider.ts'), ...args, '--root', checkout.root);

  beforeAll(async () => {
    checkout = await createTempCheckout();
  });

  afterAll(async () => {
    await checkout?.remove();
  });

  it('scaffolds a kind without a registry, recomposing nothing, and prints the next steps', () => {
    const result = run('my-pacs');
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('Scaffolded the my-pacs kind (@cancer-imaging/subgraph-my-pacs, port 4005)');
    expect(result.stdout).not.toContain('supergraph.graphql');
    const steps = result.stdout.slice(result.stdout.indexOf('Next steps:'));
    expect(steps).toMatch(/1\. npm install/);
    expect(steps).toContain('Add a site with `kind: my-pacs` to a registry');
    expect(steps).toContain('CIG_MY_PACS_PORT=4005 node --conditions=development --import tsx subgraphs/my-pacs/src/main.ts');
  }, 60_000);

  it('exits 1 with the reason and the usage for a refused kind or incomplete options', () => {
    const again = run('my-pacs');
    expect(again.status).toBe(1);
    expect(again.stderr).toContain('new-provider: The kind "my-pacs" exists already');
    const incomplete = run('other-pacs', '--registry', 'config/demo/registry.yaml');
    expect(incomplete.status).toBe(1);
    expect(incomplete.stderr).toContain('--registry needs --country and --base-url');
    expect(incomplete.stderr).toContain('Usage: npm run new-provider -- <kind>');
  }, 60_000);
});

describe('composeForRoot', () => {
  it('composes the repository\'s demo registry exactly as `npm run generate` does', async () => {
    const { list } = await readSubgraphList(repoPath('.'));
    const ours = await composeForRoot({ root: repoPath('.'), list, registry: await loadRegistry(repoPath('config/demo-full/registry.yaml')) });
    const generator = await composeGraph(repoPath('config/demo-full/registry.yaml'));
    expect(ours.supergraphSdl).toBe(generator.supergraphSdl);
    expect(ours.apiSdl).toBe(generator.apiSdl);
  }, 60_000);
});
