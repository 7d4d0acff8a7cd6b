import type { ApolloServerPlugin } from '@apollo/server';
import { GraphQLError, Lexer, Source, TokenKind, type GraphQLFormattedError } from 'graphql';
import type { GatewayContext } from '../context.js';
import { DEFAULT_FIELD_WEIGHTS, DEFAULT_LIST_SIZE, measureOperation } from '../limits/measure-operation.js';

export interface UseOperationLimitsOptions {
  /** Deepest field nesting allowed (`{ a { b } }` is 2). @default 15 (the standard introspection query is 15 deep) */
  readonly maxDepth?: number;
  /** Aliased fields allowed in one operation, fragments expanded. @default 30 */
  readonly maxAliases?: number;
  /**
   * Tokens allowed in a document. Enforced by graphql-js's parser itself (pass the same
   * number as Apollo Server's `parseOptions.maxTokens`, see `parseOptionsFor`): it stops
   * lexing at the limit, so a huge document costs no more than the limit to refuse. This
   * plugin gives that refusal its code.
   * @default 5000
   */
  readonly maxTokens?: number;
  /** Largest `first`/`last` allowed. @default 100 */
  readonly maxPageSize?: number;
  /** Highest estimated cost allowed (see limits/measure-operation.ts for the model). @default 1_000_000 */
  readonly maxCost?: number;
  /** Multiplier of a list of objects without a page size. @default 30 */
  readonly listSize?: number;
  /** Weights of expensive fields by name. @default { cohort: 10 } */
  readonly fieldWeights?: Readonly<Record<string, number>>;
}

export const DEFAULT_OPERATION_LIMITS = {
  maxDepth: 15,
  maxAliases: 30,
  maxTokens: 5_000,
  maxPageSize: 100,
  maxCost: 1_000_000,
} as const;

export const OPERATION_TOO_COMPLEX = 'OPERATION_TOO_COMPLEX';

/** The limit an operation broke, for clients that adapt (named in `extensions.limit`). */
export type OperationLimit = 'depth' | 'aliases' | 'tokens' | 'cost';

/**
 * Whether a document has more than `max` tokens, counted as graphql-js's parser counts
 * them (comments are not tokens). Only run after parse() failed, to tell the token limit
 * from a plain syntax error without relying on the wording of graphql-js's message; it
 * stops at max + 1 tokens, so it costs what the refused parse cost.
 */
export function exceedsTokenLimit(source: string, max: number): boolean {
  const lexer = new Lexer(new Source(source));
  try {
    for (let count = 0; count <= max; count += 1) {
      if (lexer.advance().kind === TokenKind.EOF) return false;
    }
    return true;
  } catch {
    // A lexing error before the limit: the document is malformed, not too long.
    return false;
  }
}

function tooComplex(limit: OperationLimit, actual: number, maximum: number, message: string): GraphQLError {
  return new GraphQLError(message, {
    extensions: { code: OPERATION_TOO_COMPLEX, limit, maximum, actual, http: { status: 400 } },
  });
}

/** Apollo Server's parseOptions that make parse() stop at the token limit. */
export function parseOptionsFor(options: UseOperationLimitsOptions = {}): { maxTokens: number } {
  return { maxTokens: options.maxTokens ?? DEFAULT_OPERATION_LIMITS.maxTokens };
}

/**
 * Refuses operations beyond the limits before the gateway plans them, so a refused
 * operation never reaches a subgraph: depth, aliases, page size and estimated cost in
 * didResolveOperation (after validation, on the selected operation with its variables);
 * tokens at parse time. Refusals are HTTP 400 with `OPERATION_TOO_COMPLEX` naming the
 * limit, its maximum and the operation's value. A page size above the maximum is a bad
 * argument instead (`BAD_USER_INPUT` naming it), as the subgraphs have always answered.
 */
export function useOperationLimits(options: UseOperationLimitsOptions = {}): ApolloServerPlugin<GatewayContext> {
  const maxDepth = options.maxDepth ?? DEFAULT_OPERATION_LIMITS.maxDepth;
  const maxAliases = options.maxAliases ?? DEFAULT_OPERATION_LIMITS.maxAliases;
  const maxPageSize = options.maxPageSize ?? DEFAULT_OPERATION_LIMITS.maxPageSize;
  const maxCost = options.maxCost ?? DEFAULT_OPERATION_LIMITS.maxCost;
  const maxTokens = options.maxTokens ?? DEFAULT_OPERATION_LIMITS.maxTokens;
  const model = {
    listSize: options.listSize ?? DEFAULT_LIST_SIZE,
    fieldWeights: options.fieldWeights ?? DEFAULT_FIELD_WEIGHTS,
    unknownPageSize: maxPageSize,
  };

  return {
    async requestDidStart() {
      let tokenLimitHit = false;
      return {
        async parsingDidStart({ source }) {
          return async (error?: Error) => {
            if (error && exceedsTokenLimit(source, maxTokens)) tokenLimitHit = true;
          };
        },

        async didResolveOperation({ schema, document, operation, request }) {
          if (!operation) return;
          const measure = measureOperation(schema, document, operation, request.variables ?? {}, model);
          if (measure.depth > maxDepth) {
            throw tooComplex('depth', measure.depth, maxDepth, `The operation is ${measure.depth} levels deep; the limit (depth) is ${maxDepth}.`);
          }
          if (measure.aliases > maxAliases) {
            throw tooComplex('aliases', measure.aliases, maxAliases, `The operation has ${measure.aliases} aliases; the limit (aliases) is ${maxAliases}.`);
          }
          const page = measure.largestPage;
          if (page && page.value > maxPageSize) {
            throw new GraphQLError(`Argument "${page.argument}" of ${page.field} is invalid: must be at most ${maxPageSize} (the page size limit), got ${page.value}.`, {
              extensions: { code: 'BAD_USER_INPUT', argument: page.argument, limit: 'pageSize', maximum: maxPageSize, actual: page.value, http: { status: 400 } },
            });
          }
          if (measure.cost > maxCost) {
            throw tooComplex('cost', measure.cost, maxCost, `The operation's estimated cost is ${measure.cost}; the limit (cost) is ${maxCost}. Ask for smaller pages or fewer nested lists.`);
          }
        },

        async willSendResponse({ response }) {
          if (!tokenLimitHit || response.body.kind !== 'single') return;
          // Parsing stopped at the limit, so the document's real size is unknown: "more than".
          const refused: GraphQLFormattedError = {
            message: `The operation has more than ${maxTokens} tokens; the limit (tokens) is ${maxTokens}.`,
            extensions: { code: OPERATION_TOO_COMPLEX, limit: 'tokens', maximum: maxTokens },
          };
          response.body.singleResult.errors = [refused];
          response.http.status = 400;
        },
      };
    },
  };
}
