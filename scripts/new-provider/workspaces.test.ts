import { describe, expect, it } from 'vitest';
import { withWorkspace } from './workspaces.js';

const manifest = (workspaces: unknown) => `${JSON.stringify({ name: 'root', private: true, workspaces, scripts: { test: 'vitest' } }, null, 2)}\n`;

describe('withWorkspace', () => {
  it('adds the folder after the last one beside it, keeping the file as formatted', () => {
    const { text, changed } = withWorkspace(manifest(['schema', 'subgraphs/kit', 'subgraphs/xnat', 'gateway']), 'subgraphs/json-files');
    expect(changed).toBe(true);
    expect(text).toBe(manifest(['schema', 'subgraphs/kit', 'subgraphs/xnat', 'subgraphs/json-files', 'gateway']));
  });

  it('leaves a list that already covers the folder, by name or by a one-level glob', () => {
    for (const workspaces of [['subgraphs/json-files'], ['./subgraphs/json-files/'], ['subgraphs/*']]) {
      expect(withWorkspace(manifest(workspaces), 'subgraphs/json-files')).toEqual({ text: manifest(workspaces), changed: false });
    }
    expect(withWorkspace(manifest(['subgraphs/*']), 'subgraphs/a/b').changed).toBe(true);
  });

  it('refuses a root without a workspaces list', () => {
    expect(() => withWorkspace('{ "name": "x" }', 'subgraphs/json-files')).toThrow('no "workspaces" list');
  });
});
