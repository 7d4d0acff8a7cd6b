import { describe, expect, it } from 'vitest';
import { hasHeapLimit, workerExecArgv } from './heap-limit.js';

describe('the workers\' heap limit', () => {
  it('adds --max-old-space-size to the primary\'s own node options', () => {
    expect(workerExecArgv(['--conditions=development', '--import', 'tsx'], undefined, 256)).toEqual(['--conditions=development', '--import', 'tsx', '--max-old-space-size=256']);
  });

  it('keeps a limit the operator chose, on the command line or in NODE_OPTIONS', () => {
    expect(workerExecArgv(['--max-old-space-size=512'], undefined, 256)).toEqual(['--max-old-space-size=512']);
    expect(workerExecArgv([], '--enable-source-maps --max-old-space-size=1024', 256)).toEqual([]);
    expect(hasHeapLimit([], '--max-old-space-size-foo')).toBe(false);
  });

  it('adds nothing when the limit is 0 (V8 decides)', () => {
    expect(workerExecArgv(['--inspect'], undefined, 0)).toEqual(['--inspect']);
  });
});
