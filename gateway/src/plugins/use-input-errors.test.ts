import { buildSchema, parse, validate, GraphQLError, Kind, type DocumentNode } from 'graphql';
import { describe, expect, it } from 'vitest';
import { findArgumentPath, locateInputError, toInputError } from './use-input-errors.js';

const schema = buildSchema(/* GraphQL */ `
  enum CancerType { BREAST LUNG }
  input IntRange { min: Int max: Int }
  input CohortCriteria { cancerTypes: [CancerType!] ageAtDiagnosis: IntRange }
  type Query { count(criteria: CohortCriteria!, first: Int): Int other: Int }
`);

/** Validation errors wrapped as Apollo Server does (code GRAPHQL_VALIDATION_FAILED). */
function validationErrors(document: DocumentNode): GraphQLError[] {
  return validate(schema, document).map(
    (error) => new GraphQLError(error.message, { nodes: error.nodes, extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } }),
  );
}

describe('locateInputError', () => {
  it('finds the argument path of a bad literal, however deep', () => {
    const cases: Array<[string, string]> = [
      ['{ count(criteria: { cancerTypes: [BREAST, FOO] }) }', 'criteria.cancerTypes'],
      ['{ count(criteria: { ageAtDiagnosis: { min: "ten" } }) }', 'criteria.ageAtDiagnosis.min'],
      ['{ count(criteria: {}, first: 1.5) }', 'first'],
      ['{ count(criteria: { nope: 1 }) }', 'criteria.nope'],
      ['{ count(criteria: null) }', 'criteria'],
    ];
    for (const [query, argument] of cases) {
      const document = parse(query);
      const [error] = validationErrors(document);
      expect(error, query).toBeDefined();
      expect(locateInputError(error as GraphQLError, document), query).toEqual({ kind: 'argument', argument });
    }
  });

  it('leaves other validation errors alone', () => {
    for (const query of [
      '{ nope }',
      '{ count(criteria: {}, unknownArg: 1) }',
      '{ count }',
      'query ($f: String) { count(criteria: {}, first: $f) }',
    ]) {
      const document = parse(query);
      const errors = validationErrors(document);
      expect(errors.length, query).toBeGreaterThan(0);
      for (const error of errors) expect(locateInputError(error, document), query).toBeUndefined();
    }
  });

  it('names the variable of a variable coercion error', () => {
    const document = parse('query ($c: CohortCriteria!) { count(criteria: $c) }');
    const definition = document.definitions[0];
    if (definition?.kind !== Kind.OPERATION_DEFINITION) throw new Error('no operation');
    const variableNode = definition.variableDefinitions?.[0];
    const error = new GraphQLError('Variable "$c" got invalid value "FOO" at "c.cancerTypes[0]"; Value "FOO" does not exist in "CancerType" enum.', {
      nodes: variableNode ? [variableNode] : [],
      extensions: { code: 'BAD_USER_INPUT' },
    });
    expect(locateInputError(error, document)).toEqual({ kind: 'variable', variable: 'c' });
  });

  it('matches a node of a re-parsed copy of the document by location', () => {
    const query = '{ count(criteria: { cancerTypes: [FOO] }) }';
    const [error] = validationErrors(parse(query));
    expect(findArgumentPath(parse(query), error?.nodes?.[0] as never)).toBe('criteria.cancerTypes');
  });
});

describe('toInputError', () => {
  it('rewrites a literal error into BAD_USER_INPUT naming the argument, keeping locations', () => {
    const document = parse('{ count(criteria: { cancerTypes: [FOO] }) }');
    const [error] = validationErrors(document);
    if (!error) throw new Error('expected an error');
    const location = locateInputError(error, document);
    if (!location) throw new Error('expected a location');
    expect(toInputError({ message: error.message, locations: [{ line: 1, column: 36 }], extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } }, error, location, 'BAD_USER_INPUT')).toEqual({
      message: 'Argument "criteria.cancerTypes" has an invalid value: Value "FOO" does not exist in "CancerType" enum.',
      locations: [{ line: 1, column: 36 }],
      extensions: { code: 'BAD_USER_INPUT', argument: 'criteria.cancerTypes' },
    });
  });
});
