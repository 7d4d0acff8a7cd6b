import { describe, expect, it } from 'vitest';
import { ProvidersDocument } from './__generated__/graphql.js';
import { documentText } from './typed-document.js';

describe('documentText', () => {
  it('reads the text of a generated TypedDocumentString and of a plain string', () => {
    expect(documentText(ProvidersDocument)).toMatch(/^\s*query Providers/);
    expect(documentText('{ providers { id } }')).toBe('{ providers { id } }');
  });

  it('refuses a parsed DocumentNode, saying how to generate string documents', () => {
    const ast = { kind: 'Document', definitions: [] };
    expect(() => documentText(ast)).toThrow(/documentMode: 'string'/);
  });
});
