import { execFile } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openIndexFile } from '../src/index.js';

const run = promisify(execFile);
const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const CHILD = fileURLToPath(new URL('./fixtures/ensure-demo-index-child.ts', import.meta.url));

describe('demo index start-up race', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'cig-demo-race-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('gives processes that start together one complete index and leaves no temporary file', async () => {
    const start = () => run(process.execPath, ['--conditions=development', '--import', 'tsx', CHILD, dir], { cwd: REPO_ROOT });
    const results = await Promise.all([start(), start(), start()]);
    const paths = new Set(results.map((r) => r.stdout.trim()));
    expect(paths.size).toBe(1);
    const [file] = [...paths];
    expect(await readdir(dir)).toEqual([path.basename(file!)]);
    const db = openIndexFile(file!);
    try {
      expect(db.prepare('SELECT COUNT(DISTINCT site_id || dataset_id || patient_id) FROM series').pluck().get()).toBe(550);
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    } finally {
      db.close();
    }
  });
});
