import { mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { watchSupergraphFile, type SupergraphFileWatch } from './supergraph-file-watch.js';

describe('watchSupergraphFile', () => {
  let dir: string;
  let file: string;
  let watch: SupergraphFileWatch | undefined;
  const seen: string[] = [];
  // A poll can land between the truncation and the write of an in-place write and read an
  // empty file (the gateway refuses it and reads the full one next); the tests look past it.
  const texts = () => seen.filter((text) => text !== '');

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cig-supergraph-watch-'));
    file = join(dir, 'supergraph.graphql');
    await writeFile(file, 'A');
    seen.length = 0;
  });

  afterEach(async () => {
    watch?.close();
    await rm(dir, { recursive: true, force: true });
  });

  // A long interval and no reliance on fs.watch timing: check() is what both call.
  const start = async () => {
    watch = await watchSupergraphFile({ path: file, intervalMs: 60_000, logger: pino({ level: 'silent' }), onChange: (sdl) => void seen.push(sdl) });
    return watch;
  };

  it('reports nothing until the file changes, then its new text once', async () => {
    const w = await start();
    await w.check();
    expect(seen).toEqual([]);
    await writeFile(file, 'B (written in place)');
    await w.check();
    await w.check();
    expect(texts()).toEqual(['B (written in place)']);
  });

  it('follows a file replaced by a rename, and keeps going when it is missing for a while', async () => {
    const w = await start();
    await writeFile(`${file}.tmp`, 'C (renamed over)');
    await rename(`${file}.tmp`, file);
    await w.check();
    await rm(file);
    await w.check();
    await writeFile(file, 'D (back)');
    await w.check();
    expect(texts()).toEqual(['C (renamed over)', 'D (back)']);
  });

  it('reports changes without any explicit check when polling', async () => {
    watch = await watchSupergraphFile({ path: file, intervalMs: 20, logger: pino({ level: 'silent' }), onChange: (sdl) => void seen.push(sdl) });
    await writeFile(file, 'E');
    await expect.poll(texts, { timeout: 2_000 }).toEqual(['E']);
  });

  it('reports nothing after close()', async () => {
    const w = await start();
    w.close();
    await writeFile(file, 'F');
    await w.check();
    expect(seen).toEqual([]);
  });
});
