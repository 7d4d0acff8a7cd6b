import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// The SDK's browser path: everything sdk/src/index.ts reaches must run in a browser. Two
// independent checks, each shown to catch a Node-only import by a fixture that has one:
// - esbuild bundles it for `platform: 'browser'`: no error, no warning, every input a
//   file of sdk/src (no package, no Node builtin), and the bundle imports nothing;
// - TypeScript checks it against the DOM library with no Node types: `process`, `Buffer`,
//   `require`, `__dirname` or a `node:` import do not compile.

const sdkSource = fileURLToPath(new URL('../src/', import.meta.url));

async function bundleProblems(entry: string, allowedRoot: string): Promise<string[]> {
  const problems: string[] = [];
  try {
    const result = await build({
      entryPoints: [entry], bundle: true, platform: 'browser', format: 'esm', target: 'es2022',
      write: false, metafile: true, logLevel: 'silent', conditions: ['browser', 'import'],
    });
    for (const warning of result.warnings) problems.push(`esbuild warning: ${warning.text}`);
    for (const input of Object.keys(result.metafile.inputs)) {
      const absolute = path.resolve(input);
      if (!absolute.startsWith(allowedRoot) || absolute.includes(`${path.sep}node_modules${path.sep}`)) problems.push(`bundles ${input}`);
    }
    for (const output of Object.values(result.metafile.outputs)) {
      for (const imported of output.imports) problems.push(`the bundle imports ${imported.path}`);
    }
  } catch (error) {
    const failure = error as { errors?: { text: string }[] };
    for (const e of failure.errors ?? [{ text: String(error) }]) problems.push(`esbuild error: ${e.text}`);
  }
  return problems;
}

function typeProblems(entry: string): string[] {
  const options: ts.CompilerOptions = {
    target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext,
    lib: ['lib.es2023.d.ts', 'lib.dom.d.ts', 'lib.dom.iterable.d.ts'], types: [], strict: true, noEmit: true, skipLibCheck: true,
    allowImportingTsExtensions: true, verbatimModuleSyntax: true,
  };
  const program = ts.createProgram([entry], options);
  const problems = ts.getPreEmitDiagnostics(program).map((d) => {
    const where = d.file ? `${path.relative(process.cwd(), d.file.fileName)}:${d.file.getLineAndCharacterOfPosition(d.start ?? 0).line + 1}` : '';
    return `tsc ${where}: ${ts.flattenDiagnosticMessageText(d.messageText, ' ')}`;
  });
  // A library that references Node's types would define Buffer and process for everyone.
  for (const file of program.getSourceFiles()) {
    if (file.fileName.includes('/@types/node/')) problems.push(`Node's types are reachable through ${file.fileName}`);
  }
  return problems;
}

describe('the SDK in a browser', () => {
  it('bundles for platform browser from sdk/src alone, importing no package and no Node builtin', async () => {
    expect(await bundleProblems(path.join(sdkSource, 'index.ts'), sdkSource)).toEqual([]);
  });

  it('compiles against the DOM library without Node\'s types', () => {
    expect(typeProblems(path.join(sdkSource, 'index.ts'))).toEqual([]);
  }, 60_000);
});

describe('the browser checks catch Node-only code (fixtures)', () => {
  let dir: string;
  const fixtures: Record<string, string> = {
    'node-import.ts': `import { readFile } from 'node:fs/promises';\nexport const read = () => readFile('x');\n`,
    'bare-builtin.ts': `import { createHash } from 'crypto';\nexport const hash = () => createHash('sha256');\n`,
    'package-import.ts': `import { parse } from 'graphql';\nexport const ast = () => parse('{ a }');\n`,
    'buffer-global.ts': `export const encode = (text: string) => Buffer.from(text).toString('base64');\n`,
    'process-global.ts': `export const url = () => process.env['CIG_GRAPH_URL'];\n`,
    'clean.ts': `export const encode = (text: string) => btoa(text);\n`,
    // ESM, as the SDK is, so a fixture fails for what it imports and nothing else.
    'package.json': '{ "type": "module" }\n',
  };

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'sdk-browser-check-'));
    for (const [name, text] of Object.entries(fixtures)) await writeFile(path.join(dir, name), text);
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it.each([
    ['node-import.ts', 'node:fs/promises'],
    ['bare-builtin.ts', 'crypto'],
    ['package-import.ts', 'graphql'],
  ])('the bundle check refuses %s, naming %s', async (name, culprit) => {
    expect((await bundleProblems(path.join(dir, name), dir)).join('\n')).toContain(culprit);
  });

  it.each([
    ['node-import.ts', 'node:fs/promises'],
    ['bare-builtin.ts', 'crypto'],
    ['buffer-global.ts', 'Buffer'],
    ['process-global.ts', 'process'],
  ])('the type check refuses %s, naming %s', (name, culprit) => {
    expect(typeProblems(path.join(dir, name)).join('\n')).toContain(culprit);
  }, 60_000);

  it('both pass browser-safe code', async () => {
    expect(await bundleProblems(path.join(dir, 'clean.ts'), dir)).toEqual([]);
    expect(typeProblems(path.join(dir, 'clean.ts'))).toEqual([]);
  });
});
