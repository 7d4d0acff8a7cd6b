import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import * as generated from './__generated__/graphql.js';
import { sha256Hex } from './persisted-query.js';
import { documentText } from './typed-document.js';

// The manifest the gateway is seeded with must hold exactly the texts the SDK sends, keyed
// by their SHA-256: a whitespace apart and APQ's hash-only requests, the safelist and the
// plan warm-up would all miss. Recomputed here from the SDK's own document objects, with
// node:crypto, independently of the generator that wrote the manifest.

const manifest = JSON.parse(await readFile(new URL('./__generated__/persisted-operations.json', import.meta.url), 'utf8')) as Record<string, string>;

const operations = Object.entries(generated).filter(([name, value]) => name.endsWith('Document') && value instanceof String);

describe('the persisted-operation manifest', () => {
  it('holds every operation of the SDK, keyed by the SHA-256 of the exact text the transport sends, and nothing else', () => {
    expect(operations.length).toBeGreaterThanOrEqual(20);
    const expected = Object.fromEntries(
      operations.map(([, document]) => {
        const text = documentText(document as { toString(): string });
        return [createHash('sha256').update(text, 'utf8').digest('hex'), text];
      }),
    );
    expect(manifest).toEqual(expected);
  });

  it('uses the hash the SDK computes itself (Web Crypto) for APQ', async () => {
    for (const [, document] of operations.slice(0, 3)) {
      const text = documentText(document as { toString(): string });
      expect(manifest[(await sha256Hex(text))!]).toBe(text);
    }
  });
});
