import type { IncomingMessage } from 'node:http';
import type { ApolloServer } from '@apollo/server';
import type { GraphQLFormattedError } from 'graphql';
import type { GatewayContext } from './context.js';
import { toHeaderMap } from './http.js';

/** What an operation run through the gateway answers: `data` and the already masked `errors`. */
export interface GraphExecution<TData> {
  readonly data?: TData | null;
  readonly errors?: readonly GraphQLFormattedError[];
}

/**
 * Runs one operation through the gateway's own GraphQL pipeline as the caller of an HTTP
 * request: what the gateway's document endpoints (EUCAIM search, cohort reports) are built on.
 */
export type GraphExecutor = <TData>(operation: { readonly query: string; readonly variables: Record<string, unknown> }) => Promise<GraphExecution<TData>>;

/**
 * An executor that runs an operation through the gateway's Apollo Server as the caller of
 * `req`: the request's own context (request id, logger, and whatever identity the gateway
 * derives for it) and its headers as `request.http`, so plugins and error masking treat it
 * exactly as a POST to /graphql. It never goes over the network.
 */
export function executeAsCaller(apollo: ApolloServer<GatewayContext>, req: IncomingMessage, url: URL, context: GatewayContext): GraphExecutor {
  return async <TData>(operation: { readonly query: string; readonly variables: Record<string, unknown> }) => {
    const response = await apollo.executeOperation<TData & Record<string, unknown>>(
      {
        query: operation.query,
        variables: operation.variables,
        http: { method: req.method ?? 'GET', headers: toHeaderMap(req.headers), search: url.search, body: undefined },
      },
      { contextValue: context },
    );
    // Incremental delivery needs @defer/@stream, which the gateway's own operations do not use.
    if (response.body.kind !== 'single') throw new Error('An operation of the gateway answered incrementally.');
    const { data, errors } = response.body.singleResult;
    return { data: (data ?? null) as TData | null, ...(errors && { errors }) };
  };
}
