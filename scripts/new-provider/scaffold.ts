import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { buildProviderTypeDefs, kindsOf, loadRegistry, type Registry } from '@cancer-imaging/provider-kit';
import { composeForRoot } from './compose-root.js';
import { validateKindName, type KindNames } from './kind-name.js';
import { buildKindPackageJson } from './package-manifest.js';
import { withSite, type NewSite } from './registry-site.js';
import { readSubgraphList, SUBGRAPH_LIST_PATH, nextFreePort, withKind } from './subgraph-list.js';
import { renderKindPackage } from './template.js';
import { withWorkspace } from './workspaces.js';

export interface ScaffoldOptions {
  /** The new kind, e.g. `json-files`. */
  readonly kind: string;
  /** The checkout to scaffold into: the repository, or a copy of its config in a temp dir (tests). */
  readonly root: string;
  /** Adds a first site of the kind to this registry (absolute, or relative to `root`). */
  readonly registry?: { readonly file: string; readonly site: NewSite };
  /**
   * Where the supergraph of `registry` goes when schema/subgraphs.json does not list that
   * registry (the listed ones are recomposed in place, as `npm run generate` would).
   */
  readonly supergraphOut?: string;
}

export interface ScaffoldResult {
  readonly names: KindNames;
  /** The kind's default local port and the URL registered for it. */
  readonly port: number;
  readonly url: string;
  /** Every file created or changed, relative to `root`, in the order written. */
  readonly written: readonly string[];
  /** The supergraphs recomposed (relative to `root`): those of registries with a site of the kind. */
  readonly composed: readonly string[];
  /** Whether the root package.json gained the workspace (then `npm install` must link it). */
  readonly workspaceAdded: boolean;
}

const relative = (root: string, file: string) => path.relative(root, file).split(path.sep).join('/');

/**
 * Creates `subgraphs/<kind>` from the template, registers the kind in
 * schema/subgraphs.json and the root workspaces, optionally adds a site of it to a
 * registry, and recomposes every supergraph whose registry now has a site of the kind.
 *
 * Everything is computed (and composed) in memory first and written only when all of it
 * succeeded, so a refused name or a composition error leaves the checkout untouched.
 * Nothing is installed: the new package is linked by the `npm install` it prints.
 */
export async function scaffoldProvider(options: ScaffoldOptions): Promise<ScaffoldResult> {
  const root = path.resolve(options.root);
  const { list, text: listText } = await readSubgraphList(root);
  const names = validateKindName(options.kind, Object.keys(list.kinds));
  const { kind } = names;
  const packageDir = path.join(root, 'subgraphs', kind);
  if (existsSync(packageDir)) throw new Error(`${relative(root, packageDir)} exists already: remove it or pick another kind name.`);

  const port = nextFreePort(list);
  const url = `http://127.0.0.1:${port}/graphql`;
  const registered = withKind(listText, kind, { package: names.packageName, url });
  const workspace = withWorkspace(await readFile(path.join(root, 'package.json'), 'utf8'), `subgraphs/${kind}`);
  const files = new Map<string, string>();

  let registryFile: string | undefined;
  let edited: Registry | undefined;
  if (options.registry) {
    registryFile = path.resolve(root, options.registry.file);
    const next = await withSite(await readFile(registryFile, 'utf8'), registryFile, kind, options.registry.site);
    files.set(registryFile, next.text);
    edited = next.registry;
  }

  // Compose before writing anything. The new kind's SDL is what its schema.ts will export.
  const typeDefsOf = { [kind]: buildProviderTypeDefs(kind) };
  const composed: string[] = [];
  const targets = registered.list.supergraphs.map((target) => ({ ...target, registryFile: path.resolve(root, target.registry) }));
  for (const target of targets) {
    const registry = target.registryFile === registryFile ? edited : existsSync(target.registryFile) ? await loadRegistry(target.registryFile) : undefined;
    if (!registry || !kindsOf(registry).includes(kind)) continue;
    const graph = await composeForRoot({ root, list: registered.list, registry, typeDefsOf });
    files.set(path.resolve(root, target.supergraph), graph.supergraphSdl);
    if (target.api) files.set(path.resolve(root, target.api), graph.apiSdl);
    composed.push(target.supergraph);
  }
  if (edited && registryFile && !targets.some((target) => target.registryFile === registryFile)) {
    if (options.supergraphOut) {
      const out = path.resolve(root, options.supergraphOut);
      files.set(out, (await composeForRoot({ root, list: registered.list, registry: edited, typeDefsOf })).supergraphSdl);
      composed.push(relative(root, out));
    }
  }

  const camelKind = names.typePrefix.charAt(0).toLowerCase() + names.typePrefix.slice(1);
  const defaultRegistry = registryFile ? relative(root, registryFile) : registered.list.supergraphs[0]!.registry;
  const rendered = await renderKindPackage({ kind, Kind: names.typePrefix, KIND: names.envName, camelKind, port: String(port), registry: defaultRegistry });
  rendered.set('package.json', await buildKindPackageJson(names.packageName));

  // Writing: the package first (never over an existing file), then the registrations.
  const written: string[] = [];
  for (const [file, text] of [...rendered].sort(([a], [b]) => a.localeCompare(b))) {
    const target = path.join(packageDir, file);
    await mkdir(path.dirname(target), { recursive: true });
    await writeFile(target, text, { flag: 'wx' });
    written.push(relative(root, target));
  }
  await writeFile(path.join(root, SUBGRAPH_LIST_PATH), registered.text);
  written.push(SUBGRAPH_LIST_PATH);
  if (workspace.changed) {
    await writeFile(path.join(root, 'package.json'), workspace.text);
    written.push('package.json');
  }
  for (const [file, text] of files) {
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, text);
    written.push(relative(root, file));
  }
  return { names, port, url, written, composed, workspaceAdded: workspace.changed };
}
