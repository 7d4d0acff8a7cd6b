import type { ApolloServerPlugin } from '@apollo/server';
import { GraphQLError } from 'graphql';
import type { GatewayContext } from '../context.js';

const BAD_REQUEST_HTTP = { status: 400 };

/**
 * Refuses, as the client's error, a document whose operation cannot be run: no operation of
 * that name, several operations and no name, or a subscription (the graph has none).
 * @apollo/gateway would reach the same verdict later with its own code INVALID_GRAPHQL,
 * which no client can act on and masking turns into an HTTP 500 INTERNAL.
 */
export function useOperationResolution(): ApolloServerPlugin<GatewayContext> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ operation, request, document }) {
          if (!operation) {
            const named = request.operationName;
            const operations = document.definitions.filter((definition) => definition.kind === 'OperationDefinition').length;
            const message = named
              ? `The document has no operation named "${named.slice(0, 100)}".`
              : operations === 0
                ? 'The document has no operation to run.'
                : 'The document has several operations: name the one to run in operationName.';
            throw new GraphQLError(message, { extensions: { code: 'OPERATION_RESOLUTION_FAILURE', http: BAD_REQUEST_HTTP } });
          }
          if (operation.operation === 'subscription') {
            throw new GraphQLError('Subscriptions are not supported: the graph has no Subscription type.', {
              extensions: { code: 'GRAPHQL_VALIDATION_FAILED', http: BAD_REQUEST_HTTP },
            });
          }
        },
      };
    },
  };
}
