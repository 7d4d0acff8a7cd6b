import { readFile } from 'node:fs/promises';
import { repoPath } from '../generate/paths.js';

type Manifest = { version: string; dependencies?: Record<string, string> };

async function manifestOf(relative: string): Promise<Manifest> {
  return JSON.parse(await readFile(repoPath(relative), 'utf8')) as Manifest;
}

/**
 * package.json of a new kind, laid out as the other kinds' (private, ESM, a development
 * export of the TypeScript source). Versions are read from the provider kit's own
 * manifest rather than written into the template, so a new kind gets today's pins.
 */
export async function buildKindPackageJson(packageName: string): Promise<string> {
  const kit = await manifestOf('subgraphs/kit/package.json');
  const schema = await manifestOf('schema/package.json');
  const pin = (name: string) => {
    const version = kit.dependencies?.[name];
    if (!version) throw new Error(`subgraphs/kit/package.json does not pin ${name}`);
    return version;
  };
  const manifest = {
    name: packageName,
    version: '0.1.0',
    private: true,
    type: 'module',
    license: 'Apache-2.0',
    engines: { node: '>=20.19' },
    exports: {
      '.': { types: './src/index.ts', development: './src/index.ts', default: './dist/index.js' },
    },
    scripts: { build: 'tsc -p tsconfig.build.json' },
    dependencies: {
      '@cancer-imaging/provider-kit': kit.version,
      '@cancer-imaging/schema': schema.version,
      zod: pin('zod'),
    },
  };
  return `${JSON.stringify(manifest, null, 2)}\n`;
}
