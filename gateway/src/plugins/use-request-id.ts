import { randomUUID } from 'node:crypto';
import type { ApolloServerPlugin } from '@apollo/server';
import type { Logger } from 'pino';
import type { GatewayContext } from '../context.js';

export interface UseRequestIdOptions {
  /**
   * Header read from the request, forwarded to subgraphs and echoed on the response.
   * @default 'x-request-id'
   */
  readonly header?: string;
  /**
   * A caller's id is kept only if it matches, so log lines cannot be forged or flooded
   * (no spaces, quotes or newlines, at most 128 characters).
   * @default /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/
   */
  readonly pattern?: RegExp;
  /**
   * Makes an id when the caller sent none or an invalid one.
   * @default crypto.randomUUID
   */
  readonly generate?: () => string;
}

export const DEFAULT_REQUEST_ID_HEADER = 'x-request-id';
const DEFAULT_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;

/** The caller's id if it is valid, else a new one. */
export function resolveRequestId(candidate: string | null | undefined, options: UseRequestIdOptions = {}): string {
  const pattern = options.pattern ?? DEFAULT_PATTERN;
  const value = candidate?.trim();
  return value !== undefined && pattern.test(value) ? value : (options.generate ?? randomUUID)();
}

/**
 * The per-request context: the resolved id and a child logger carrying it, so that every
 * line logged while serving the request (HTTP layer, plugins, subgraph calls) has it.
 * The HTTP layer calls this once, before Apollo Server runs, so the responses Apollo gives
 * before any plugin hook (malformed body, CSRF refusal) carry the same id.
 */
export function createRequestContext(
  candidate: string | null | undefined,
  logger: Logger,
  options: UseRequestIdOptions = {},
): GatewayContext {
  const requestId = resolveRequestId(candidate, options);
  return { requestId, logger: logger.child({ requestId }) };
}

/**
 * Echoes the request id on every GraphQL response and logs, through the request's child
 * logger, one line per operation (name, duration, error count), so an id quoted by a user
 * leads to the log lines of that request.
 */
export function useRequestId(options: UseRequestIdOptions = {}): ApolloServerPlugin<GatewayContext> {
  const header = (options.header ?? DEFAULT_REQUEST_ID_HEADER).toLowerCase();
  return {
    async requestDidStart({ contextValue }) {
      const startedAt = performance.now();
      let errorCount = 0;
      return {
        async didEncounterErrors({ errors }) {
          errorCount += errors.length;
        },
        async willSendResponse({ response, operationName }) {
          response.http.headers.set(header, contextValue.requestId);
          contextValue.logger.info(
            { operationName: operationName ?? null, durationMs: Math.round(performance.now() - startedAt), errors: errorCount },
            'graphql operation',
          );
        },
      };
    },
  };
}
