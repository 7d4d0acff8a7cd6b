import type { ApolloServerPlugin } from '@apollo/server';
import { GraphQLError, Kind, type DocumentNode, type OperationDefinitionNode, type SelectionSetNode } from 'graphql';
import type { GatewayContext } from '../context.js';
import type { PersistedOperations } from './persisted-operations.js';

export const OPERATION_NOT_PERSISTED = 'OPERATION_NOT_PERSISTED';

export interface UseOperationSafelistOptions {
  /** The operations that may run, by the SHA-256 of their exact text. */
  readonly operations: PersistedOperations;
}

/**
 * Whether an operation only reads the schema (`__schema`, `__type`, `__typename` at its
 * root, fragments followed): the gateway answers it itself, no subgraph is called.
 */
export function isIntrospectionOnly(operation: OperationDefinitionNode, document: DocumentNode): boolean {
  if (operation.operation !== 'query') return false;
  const fragments = new Map(document.definitions.flatMap((d) => (d.kind === Kind.FRAGMENT_DEFINITION ? [[d.name.value, d] as const] : [])));
  const seen = new Set<string>();
  const only = (selectionSet: SelectionSetNode): boolean =>
    selectionSet.selections.every((selection) => {
      if (selection.kind === Kind.FIELD) return selection.name.value.startsWith('__');
      if (selection.kind === Kind.INLINE_FRAGMENT) return only(selection.selectionSet);
      const name = selection.name.value;
      if (seen.has(name)) return true;
      seen.add(name);
      const fragment = fragments.get(name);
      return fragment !== undefined && only(fragment.selectionSet);
    });
  return only(operation.selectionSet);
}

/**
 * Safelist mode: only persisted operations run. Apollo Server has already turned the
 * request into a hash by then (the one sent with the APQ extension, checked against the
 * text when both came, or the text's own), so a persisted operation passes whether sent
 * by hash or as its exact text; anything else is refused with OPERATION_NOT_PERSISTED
 * (HTTP 400), before planning, so no subgraph is called. Checked in didResolveOperation,
 * where Apollo's operation registry checked too: a plugin cannot answer earlier (a throw
 * in didResolveSource becomes a 500), and parsing is bounded by the token limit.
 *
 * Introspection-only operations pass: whether they may run is CIG_GATEWAY_INTROSPECTION's
 * decision (Apollo refuses them in validation when it is off), and they call no subgraph.
 */
export function useOperationSafelist(options: UseOperationSafelistOptions): ApolloServerPlugin<GatewayContext> {
  const { operations } = options;
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ queryHash, operation, document }) {
          if (operations.has(queryHash)) return;
          if (operation && isIntrospectionOnly(operation, document)) return;
          throw new GraphQLError(
            'This gateway runs only its persisted operations, and this document is not one of them. Send a persisted operation by its hash or exact text (docs/persisted-operations.md).',
            { extensions: { code: OPERATION_NOT_PERSISTED, http: { status: 400 } } },
          );
        },
      };
    },
  };
}
