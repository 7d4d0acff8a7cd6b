import type { ApolloServerPlugin } from '@apollo/server';
import {
  Kind,
  visit,
  BREAK,
  type ASTNode,
  type DocumentNode,
  type GraphQLError,
  type GraphQLFormattedError,
} from 'graphql';
import type { GatewayContext } from '../context.js';

export interface UseInputErrorsOptions {
  /**
   * Code given to invalid argument literals and invalid variables.
   * @default 'BAD_USER_INPUT'
   */
  readonly code?: string;
}

/** Where a bad input was written: a literal under an argument, or a variable. */
export type InputErrorLocation =
  | { readonly kind: 'argument'; readonly argument: string }
  | { readonly kind: 'variable'; readonly variable: string };

/** Value kinds a literal can have; a Variable is not one (its type mismatch is a query error). */
const LITERAL_KINDS: ReadonlySet<string> = new Set([
  Kind.INT, Kind.FLOAT, Kind.STRING, Kind.BOOLEAN, Kind.NULL, Kind.ENUM, Kind.LIST, Kind.OBJECT, Kind.OBJECT_FIELD,
]);

function sameNode(a: ASTNode, b: ASTNode): boolean {
  // Validation errors point at nodes of the very document Apollo parsed; comparing the
  // location as well keeps this working if a plugin ever hands us a re-parsed copy.
  return a === b || (a.kind === b.kind && a.loc !== undefined && a.loc.start === b.loc?.start && a.loc.end === b.loc.end);
}

/**
 * The argument path enclosing a literal (`criteria.cancerTypes` for the FOO in
 * `cohort(criteria: { cancerTypes: [FOO] })`): the Argument's name followed by the names of
 * the ObjectFields on the way down; list positions are left out.
 */
export function findArgumentPath(document: DocumentNode, target: ASTNode): string | undefined {
  let found: string | undefined;
  visit(document, {
    enter(node, _key, parent, _path, ancestors) {
      if (!sameNode(node, target)) return undefined;
      const names: string[] = [];
      let inArgument = false;
      // graphql-js leaves the parent out of `ancestors`, so the chain is ancestors + parent + node.
      for (const ancestor of [...ancestors, parent, node]) {
        if (ancestor === undefined || ancestor === null) continue;
        if (Array.isArray(ancestor) || !('kind' in ancestor)) continue;
        const astNode = ancestor as ASTNode;
        if (astNode.kind === Kind.ARGUMENT) {
          names.length = 0;
          names.push(astNode.name.value);
          inArgument = true;
        } else if (astNode.kind === Kind.OBJECT_FIELD && inArgument) {
          names.push(astNode.name.value);
        }
      }
      found = inArgument ? names.join('.') : undefined;
      return BREAK;
    },
  });
  return found;
}

/**
 * Says whether an error is about a bad input value and where it was written: graphql-js
 * reports a bad literal (unknown enum value, a string for an Int) as a validation error
 * whose message does not name the argument, and a bad variable as a coercion error
 * pointing at the variable definition. Other errors (unknown field, ...) give undefined.
 */
export function locateInputError(error: GraphQLError, document: DocumentNode | undefined): InputErrorLocation | undefined {
  const nodes = error.nodes ?? [];
  const first = nodes[0];
  if (!first) return undefined;
  if (nodes.length === 1 && first.kind === Kind.VARIABLE_DEFINITION && error.extensions['code'] === 'BAD_USER_INPUT') {
    return { kind: 'variable', variable: first.variable.name.value };
  }
  if (error.extensions['code'] !== 'GRAPHQL_VALIDATION_FAILED' || !document) return undefined;
  if (!nodes.every((node) => LITERAL_KINDS.has(node.kind))) return undefined;
  const argument = findArgumentPath(document, first);
  return argument === undefined ? undefined : { kind: 'argument', argument };
}

/** The client-facing form of an input error, built from the formatted (already masked) one. */
export function toInputError(
  formatted: GraphQLFormattedError,
  error: GraphQLError,
  location: InputErrorLocation,
  code: string,
): GraphQLFormattedError {
  if (location.kind === 'variable') {
    // graphql-js already names the variable: `Variable "$c" got invalid value ...`.
    return { ...formatted, extensions: { ...formatted.extensions, code, variable: location.variable } };
  }
  return {
    ...formatted,
    message: `Argument "${location.argument}" has an invalid value: ${error.message}`,
    extensions: { ...formatted.extensions, code, argument: location.argument },
  };
}

/**
 * Makes bad argument literals and bad variables leave as `BAD_USER_INPUT` with a message
 * naming the argument path or the variable, with HTTP status 400. Other validation errors
 * keep GRAPHQL_VALIDATION_FAILED. Runs in willSendResponse, where the parsed document,
 * the original errors and their formatted forms (same order) are all at hand.
 */
export function useInputErrors(options: UseInputErrorsOptions = {}): ApolloServerPlugin<GatewayContext> {
  const code = options.code ?? 'BAD_USER_INPUT';
  return {
    async requestDidStart() {
      return {
        async willSendResponse({ response, errors, document }) {
          if (response.body.kind !== 'single' || !errors?.length) return;
          const result = response.body.singleResult;
          const formattedErrors = result.errors;
          // Apollo formats `errors` one to one; anything else means another plugin
          // reshaped the list and we cannot pair them safely.
          if (!formattedErrors || formattedErrors.length !== errors.length) return;
          let rewritten = 0;
          result.errors = formattedErrors.map((formatted, index) => {
            const error = errors[index];
            const location = error ? locateInputError(error, document) : undefined;
            if (!error || !location) return formatted;
            rewritten += 1;
            return toInputError(formatted, error, location, code);
          });
          if (rewritten > 0 && (response.http.status === undefined || response.http.status >= 500)) {
            response.http.status = 400;
          }
        },
      };
    },
  };
}
