import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SDK_PERSISTED_OPERATIONS } from '../__generated__/persisted-operations.js';
import { COHORT_REPORT_OPERATION } from '../cohort-report/report-operation.js';
import { EUCAIM_SEARCH_OPERATION } from '../eucaim/eucaim-operation.js';
import { loadPersistedOperations, sha256Hex } from './persisted-operations.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'cig-persisted-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function manifestFile(name: string, content: unknown): Promise<string> {
  const file = path.join(dir, name);
  await writeFile(file, typeof content === 'string' ? content : JSON.stringify(content));
  return file;
}

describe('the persisted operations', () => {
  it('are the SDK\'s manifest, the gateway\'s own documents (EUCAIM search, cohort report) and the operator\'s manifests', async () => {
    const notebook = '{ providers { id name } }';
    const operations = await loadPersistedOperations([await manifestFile('notebook.json', { [sha256Hex(notebook)]: notebook })]);
    const sdk = Object.keys(SDK_PERSISTED_OPERATIONS);
    expect(sdk.length).toBeGreaterThanOrEqual(20);
    for (const hash of sdk) expect(operations.get(hash)).toBe(SDK_PERSISTED_OPERATIONS[hash]);
    for (const text of [EUCAIM_SEARCH_OPERATION, COHORT_REPORT_OPERATION, notebook]) expect(operations.get(sha256Hex(text))).toBe(text);
    expect(operations.size).toBe(sdk.length + 3);
  });

  it('refuse to load a manifest whose hash is not its text\'s, or that is not a manifest, naming the file', async () => {
    const wrong = await manifestFile('wrong.json', { [sha256Hex('{ a }')]: '{ b }' });
    await expect(loadPersistedOperations([wrong])).rejects.toThrow(`${wrong}: the entry ${sha256Hex('{ a }')} is not the SHA-256 of its text`);
    const list = await manifestFile('list.json', ['{ a }']);
    await expect(loadPersistedOperations([list])).rejects.toThrow(`${list}: not a persisted-operation manifest`);
    const upper = await manifestFile('upper.json', { [sha256Hex('{ a }').toUpperCase()]: '{ a }' });
    await expect(loadPersistedOperations([upper])).rejects.toThrow(`${upper}: the key ${sha256Hex('{ a }').toUpperCase()} is not a lower-case hex SHA-256`);
    await expect(loadPersistedOperations([path.join(dir, 'missing.json')])).rejects.toThrow('missing.json: cannot read the persisted-operation manifest');
    await expect(loadPersistedOperations([await manifestFile('broken.json', '{')])).rejects.toThrow('broken.json: cannot read');
  });
});
