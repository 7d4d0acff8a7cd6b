import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

// Proves types.typecheck.ts means what it says: compiled with the repository's settings it
// has no error; with its `@ts-expect-error` directives blanked out, every marked line (and
// no other) fails, with the message its directive names. So the SDK's types reject a wrong
// enum or a missing argument for the stated reason, not by accident.

const root = fileURLToPath(new URL('../..', import.meta.url));
const file = path.join(root, 'sdk/test/types.typecheck.ts');
const DIRECTIVE = /^(\s*)\/\/ @ts-expect-error (.+)$/;

function compilerOptions(): ts.CompilerOptions {
  const parsed = ts.getParsedCommandLineOfConfigFile(path.join(root, 'tsconfig.json'), {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => {} });
  if (!parsed) throw new Error('tsconfig.json did not parse');
  return { ...parsed.options, noEmit: true };
}

/** Diagnostics of the file by 0-based line, with `source` standing in for its text. */
function diagnose(source: string): Map<number, string[]> {
  const options = compilerOptions();
  const host = ts.createCompilerHost(options);
  const readFile = host.readFile.bind(host);
  host.readFile = (name) => (path.resolve(name) === file ? source : readFile(name));
  const getSourceFile = host.getSourceFile.bind(host);
  host.getSourceFile = (name, language, onError, fresh) =>
    path.resolve(name) === file ? ts.createSourceFile(name, source, language, true) : getSourceFile(name, language, onError, fresh);
  const program = ts.createProgram([file], options, host);
  const byLine = new Map<number, string[]>();
  for (const diagnostic of ts.getPreEmitDiagnostics(program)) {
    if (!diagnostic.file || path.resolve(diagnostic.file.fileName) !== file) {
      throw new Error(`unexpected error outside the type tests: ${ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n')}`);
    }
    const { line } = diagnostic.file.getLineAndCharacterOfPosition(diagnostic.start ?? 0);
    byLine.set(line, [...(byLine.get(line) ?? []), ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n')]);
  }
  return byLine;
}

describe('the SDK\'s compile-time guarantees (sdk/test/types.typecheck.ts)', () => {
  const original = ts.sys.readFile(file)!;
  const lines = original.split('\n');
  const expectations = lines.flatMap((line, index) => {
    const match = DIRECTIVE.exec(line);
    return match ? [{ line: index + 1, message: match[2]! }] : [];
  });

  it('has enough expectations to mean something', () => {
    expect(expectations.length).toBeGreaterThanOrEqual(15);
  });

  it('compiles as written, every expected error consumed', () => {
    expect(Object.fromEntries(diagnose(original))).toEqual({});
  }, 60_000);

  it('fails on each marked line, and only there, with the message its directive names', () => {
    const stripped = lines.map((line) => line.replace(DIRECTIVE, '$1//')).join('\n');
    const errors = diagnose(stripped);
    const mismatches = expectations
      .map(({ line, message }) => ({ line: line + 1, expected: message, got: (errors.get(line) ?? []).join('\n') }))
      .filter(({ expected, got }) => !got.includes(expected));
    expect(mismatches).toEqual([]);
    expect([...errors.keys()].sort((a, b) => a - b).map((l) => l + 1)).toEqual(expectations.map((e) => e.line + 1));
  }, 60_000);
});
