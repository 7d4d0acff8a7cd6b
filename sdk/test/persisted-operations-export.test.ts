import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';

describe('the package export ./persisted-operations.json', () => {
  it('resolves to the manifest a gateway or an operator registers: hash → document', () => {
    const require = createRequire(import.meta.url);
    const manifest = require('@cancer-imaging/sdk/persisted-operations.json') as Record<string, string>;
    const entries = Object.entries(manifest);
    expect(entries.length).toBeGreaterThan(10);
    for (const [hash, document] of entries) {
      expect(hash).toMatch(/^[0-9a-f]{64}$/);
      expect(document.trimStart()).toMatch(/^(query|mutation)\b/);
    }
  });
});
