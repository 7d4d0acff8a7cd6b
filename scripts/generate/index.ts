import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { buildGeneratedFiles } from './generated-files.js';
import { repoPath } from './paths.js';

// `npm run generate`: composes the supergraph, regenerates enums, SDK types and docs.
const files = await buildGeneratedFiles();
for (const [relative, content] of files) {
  const target = repoPath(relative);
  await mkdir(path.dirname(target), { recursive: true });
  await writeFile(target, content);
  console.log(`wrote ${relative}`);
}
