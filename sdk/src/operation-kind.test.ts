import { describe, expect, it } from 'vitest';
import { CohortBySiteDocument, RequestAccessDocument, SaveCohortDocument, SearchDatasetsDocument } from './__generated__/graphql.js';
import { isQueryOnly } from './operation-kind.js';

describe('isQueryOnly', () => {
  it('accepts named queries, the query shorthand and queries with fragments', () => {
    expect(isQueryOnly('query Providers { providers { id } }')).toBe(true);
    expect(isQueryOnly('{ providers { id } }')).toBe(true);
    expect(isQueryOnly('fragment F on Provider { id }\nquery Q { providers { ...F } }')).toBe(true);
    expect(isQueryOnly(CohortBySiteDocument.toString())).toBe(true);
    expect(isQueryOnly(SearchDatasetsDocument.toString())).toBe(true);
  });

  it('refuses any document with a mutation or subscription, wherever it stands', () => {
    expect(isQueryOnly(SaveCohortDocument.toString())).toBe(false);
    expect(isQueryOnly(RequestAccessDocument.toString())).toBe(false);
    expect(isQueryOnly('query A { providers { id } }\nmutation B { saveCohort(criteria: {}) { id } }')).toBe(false);
    expect(isQueryOnly('subscription S { ticks }')).toBe(false);
    expect(isQueryOnly('  # leading comment\n  mutation { revokeGrant(id: "1") { id } }')).toBe(false);
  });

  it('is not fooled by the word mutation inside fields, arguments, strings or comments', () => {
    expect(isQueryOnly('query Q { mutation: providers { id } }')).toBe(true);
    expect(isQueryOnly('query Q($a: String = "mutation { x }") { providers { id } }')).toBe(true);
    expect(isQueryOnly('# mutation here\nquery Q { providers { id } }')).toBe(true);
    expect(isQueryOnly('query Q { datasets(filter: { text: """mutation\n { }""" }) { totalCount } }')).toBe(true);
  });

  it('is false for a document with no operation at all', () => {
    expect(isQueryOnly('')).toBe(false);
    expect(isQueryOnly('# only a comment')).toBe(false);
  });
});
