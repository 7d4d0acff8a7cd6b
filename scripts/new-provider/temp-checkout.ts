import { cp, mkdir, mkdtemp, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { repoPath } from '../generate/paths.js';

export interface TempCheckout {
  readonly root: string;
  remove(): Promise<void>;
}

/**
 * A throw-away checkout for scaffolding tests: the files the scaffold reads and edits
 * (root package.json and tsconfig.base.json, schema/subgraphs.json, config/ with the
 * registries and their supergraphs) copied into a temp dir, and node_modules linked to the repository's, as
 * `npm install` would, so sources scaffolded there import the kit and run under vitest or
 * tsx. The repository itself is never written.
 */
export async function createTempCheckout(prefix = 'cig-new-provider-'): Promise<TempCheckout> {
  const root = await mkdtemp(path.join(tmpdir(), prefix));
  try {
    await cp(repoPath('package.json'), path.join(root, 'package.json'));
    await cp(repoPath('tsconfig.base.json'), path.join(root, 'tsconfig.base.json'));
    await mkdir(path.join(root, 'schema'));
    await cp(repoPath('schema/subgraphs.json'), path.join(root, 'schema/subgraphs.json'));
    await cp(repoPath('config'), path.join(root, 'config'), { recursive: true });
    await symlink(repoPath('node_modules'), path.join(root, 'node_modules'), 'dir');
  } catch (error) {
    await rm(root, { recursive: true, force: true });
    throw error;
  }
  return { root, remove: () => rm(root, { recursive: true, force: true }) };
}
