/**
 * npm links a workspace only when the root package.json lists it. The root lists each
 * package by path (no `subgraphs/*` glob, which would also catch half-made folders), so a
 * new kind's folder is added next to the other subgraphs.
 */
export function withWorkspace(packageJsonText: string, folder: string): { text: string; changed: boolean } {
  const manifest = JSON.parse(packageJsonText) as { workspaces?: unknown };
  const workspaces = manifest.workspaces;
  if (!Array.isArray(workspaces) || !workspaces.every((entry): entry is string => typeof entry === 'string')) {
    throw new Error('The root package.json has no "workspaces" list to add the new subgraph to.');
  }
  if (workspaces.some((pattern) => coveredBy(pattern, folder))) return { text: packageJsonText, changed: false };
  const parent = folder.slice(0, folder.lastIndexOf('/') + 1);
  const lastSibling = workspaces.findLastIndex((entry) => entry.startsWith(parent));
  const next = [...workspaces];
  next.splice(lastSibling < 0 ? next.length : lastSibling + 1, 0, folder);
  return { text: `${JSON.stringify({ ...manifest, workspaces: next }, null, 2)}\n`, changed: true };
}

/** Does a workspaces entry (a path, or a path ending in `/*`) name the folder? */
function coveredBy(pattern: string, folder: string): boolean {
  const clean = pattern.replace(/^\.\//, '').replace(/\/+$/, '');
  if (clean === folder) return true;
  if (clean.endsWith('/*')) return folder.startsWith(clean.slice(0, -1)) && !folder.slice(clean.length - 1).includes('/');
  return false;
}
