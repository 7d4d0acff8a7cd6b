import { parse } from 'graphql';
import { describe, expect, it } from 'vitest';
import { operationTypeOf } from './operation-type.js';

describe('operationTypeOf', () => {
  it('reads the planner\'s documents from their first token', () => {
    expect(operationTypeOf('query Q__catalogue__0($a:Int){x}')).toBe('query');
    expect(operationTypeOf('{ __typename }')).toBe('query');
    expect(operationTypeOf('mutation M__catalogue__0{requestAccess{id}}')).toBe('mutation');
    expect(operationTypeOf('\uFEFF  # planned\n , mutation{x}')).toBe('mutation');
    expect(operationTypeOf('subscription S { x }')).toBe('subscription');
  });

  it('parses documents that start otherwise, and treats one that does not parse as no query', () => {
    expect(operationTypeOf('fragment F on Query { x } query { ...F }')).toBe('query');
    expect(operationTypeOf('fragment F on Mutation { x } mutation { ...F }')).toBe('mutation');
    expect(operationTypeOf('queryX { x }')).toBe('mutation');
  });

  it('takes the planner\'s document node when it is given', () => {
    expect(operationTypeOf('ignored', parse('mutation { x }'))).toBe('mutation');
  });
});
