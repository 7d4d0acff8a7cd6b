import { describe, expect, it } from 'vitest';
import { applySubgraphUrlOverrides, readSubgraphEndpoints, resolveSubgraphUrl } from './supergraph.js';

const SUPERGRAPH = /* GraphQL */ `
  schema @link(url: "https://specs.apollo.dev/link/v1.0") @link(url: "https://specs.apollo.dev/join/v0.3", for: EXECUTION) {
    query: Query
  }
  directive @join__graph(name: String!, url: String!) on ENUM_VALUE
  enum join__Graph {
    CATALOGUE @join__graph(name: "catalogue", url: "http://catalogue:4001/graphql")
    XNAT_EU @join__graph(name: "xnat-eu", url: "http://xnat:4002/graphql")
  }
  type Query { ok: Boolean }
`;

describe('readSubgraphEndpoints', () => {
  it('lists the subgraphs of the join__Graph enum with their URLs, in order', () => {
    expect(readSubgraphEndpoints(SUPERGRAPH)).toEqual([
      { name: 'catalogue', url: 'http://catalogue:4001/graphql' },
      { name: 'xnat-eu', url: 'http://xnat:4002/graphql' },
    ]);
  });

  it('refuses an SDL that is not a composed supergraph', () => {
    expect(() => readSubgraphEndpoints('type Query { ok: Boolean }')).toThrow(/no subgraph/);
  });
});

describe('applySubgraphUrlOverrides', () => {
  it('replaces the URL of an overridden subgraph by its env NAME and reports overrides that match nothing', () => {
    const { endpoints, unmatched } = applySubgraphUrlOverrides(readSubgraphEndpoints(SUPERGRAPH), {
      XNAT_EU: 'http://10.1.1.1:9000/graphql',
      CUSTM: 'http://typo/graphql',
    });
    expect(endpoints).toEqual([
      { name: 'catalogue', url: 'http://catalogue:4001/graphql' },
      { name: 'xnat-eu', url: 'http://10.1.1.1:9000/graphql' },
    ]);
    expect(unmatched).toEqual(['CUSTM']);
    expect(resolveSubgraphUrl('xnat-eu', 'http://x', { XNAT_EU: 'http://y' })).toBe('http://y');
  });

  it('refuses a subgraph left without any URL', () => {
    expect(() => applySubgraphUrlOverrides([{ name: 'custom', url: '' }], {})).toThrow(/CIG_GATEWAY_SUBGRAPH_CUSTOM_URL/);
  });
});
