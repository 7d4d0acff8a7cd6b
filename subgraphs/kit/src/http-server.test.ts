import { describe, expect, it } from 'vitest';
import { operationNameOf } from './http-server.js';

describe('operationNameOf', () => {
  it('reads the operation name of a POST body, or of a GET query string', () => {
    expect(operationNameOf({ query: '{ a }', operationName: 'Browse' }, new URLSearchParams())).toBe('Browse');
    expect(operationNameOf('', new URLSearchParams('query=%7Ba%7D&operationName=Find_2'))).toBe('Find_2');
  });

  it('gives nothing for a missing name, or one that is not a GraphQL name, so the audit log never records arbitrary text', () => {
    expect(operationNameOf({ query: '{ a }' }, new URLSearchParams())).toBeUndefined();
    expect(operationNameOf({ operationName: null }, new URLSearchParams())).toBeUndefined();
    expect(operationNameOf({ operationName: 'Browse\n{"forged":true}' }, new URLSearchParams())).toBeUndefined();
    expect(operationNameOf({ operationName: `A${'b'.repeat(200)}` }, new URLSearchParams())).toBeUndefined();
    expect(operationNameOf({ operationName: 'Browse' }, new URLSearchParams('operationName=Other'))).toBe('Browse');
  });
});
