import { fileURLToPath } from 'node:url';
import path from 'node:path';

/** The repository root, whatever the working directory. */
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export function repoPath(relative: string): string {
  return path.join(REPO_ROOT, relative);
}
