import { describe, expect, it } from 'vitest';
import { buildCacheKey, toCanonicalJson } from './cache-key.js';
import type { SubgraphFetchDescription } from './types.js';

const base: SubgraphFetchDescription = {
  subgraph: 'catalogue',
  query: 'query($id:ID!){dataset(id:$id){id}}',
  variables: { id: 'demo-nl:custom:a', filter: { modalities: ['CT', 'MR'], cancerTypes: ['LUNG'] } },
  operationType: 'query',
  callerKey: undefined,
};

describe('toCanonicalJson', () => {
  it('sorts object keys at every depth and keeps array order', () => {
    expect(toCanonicalJson({ b: 1, a: { d: [2, 1], c: null } })).toBe('{"a":{"c":null,"d":[2,1]},"b":1}');
    expect(toCanonicalJson({ a: undefined, b: 1 })).toBe('{"b":1}');
  });
});

describe('buildCacheKey', () => {
  it('is one key for the same variables in another key order', () => {
    const reordered = { ...base, variables: { filter: { cancerTypes: ['LUNG'], modalities: ['CT', 'MR'] }, id: 'demo-nl:custom:a' } };
    expect(buildCacheKey(reordered)).toBe(buildCacheKey(base));
  });

  it('differs with the subgraph, the query, any variable and the caller', () => {
    const keys = new Set([
      buildCacheKey(base),
      buildCacheKey({ ...base, subgraph: 'custom' }),
      buildCacheKey({ ...base, query: `${base.query} ` }),
      buildCacheKey({ ...base, variables: { ...base.variables, id: 'demo-nl:custom:b' } }),
      buildCacheKey({ ...base, variables: { ...base.variables, filter: { modalities: ['MR', 'CT'], cancerTypes: ['LUNG'] } } }),
      buildCacheKey({ ...base, callerKey: 'caller-a' }),
      buildCacheKey({ ...base, callerKey: 'caller-b' }),
      // A caller whose key happened to read "anonymous" is still not the anonymous caller.
      buildCacheKey({ ...base, callerKey: 'anonymous' }),
    ]);
    expect(keys.size).toBe(8);
  });

  it('treats absent variables as empty ones', () => {
    expect(buildCacheKey({ ...base, variables: undefined })).toBe(buildCacheKey({ ...base, variables: {} }));
  });
});
