import { ERROR_CODES } from '@cancer-imaging/schema';
import type { ApolloServerPlugin } from '@apollo/server';
import type { GraphQLError, GraphQLFormattedError } from 'graphql';
import type { GatewayContext } from '../context.js';

/**
 * Codes whose messages are written by us (the catalogue in subgraphs/kit/src/errors.ts,
 * the gateway's SUBGRAPH_UNAVAILABLE) or by graphql-js/Apollo Server about the request
 * itself, so they are safe to show. Any other code is an unexpected failure.
 */
/** Every catalogued code but INTERNAL carries our own, safe message (schema/src/errors.ts). */
export const SAFE_ERROR_CODES: readonly string[] = Object.keys(ERROR_CODES).filter((code) => code !== 'INTERNAL');

export const INTERNAL_CODE = 'INTERNAL';

export interface UseErrorMaskingOptions {
  /**
   * Show upstream messages, stack traces and every extension: for development only.
   * @default false
   */
  readonly development?: boolean;
  /**
   * Codes whose messages are kept (URLs still stripped). Other errors leave as
   * `{ message: internalMessage, extensions: { code: 'INTERNAL' } }`.
   * @default SAFE_ERROR_CODES
   */
  readonly safeCodes?: readonly string[];
  /**
   * Extensions kept outside development besides `code`; everything else (serviceName,
   * stacktrace, upstream response with its URL) is dropped.
   * @default ['subgraph', 'argument', 'variable', 'site', 'limit', 'maximum', 'actual', 'retryAfter']
   */
  readonly keepExtensions?: readonly string[];
  /**
   * Message of a masked error.
   * @default 'Internal error.'
   */
  readonly internalMessage?: string;
}

/** `limit`, `maximum`, `actual`: which operation limit a refusal names; `retryAfter`: RATE_LIMITED's wait. */
const DEFAULT_KEEP_EXTENSIONS = ['subgraph', 'circuit', 'argument', 'variable', 'site', 'limit', 'maximum', 'actual', 'retryAfter'];

/** Anything like `http://host:port/path`, and bare `10.0.0.1:5000` addresses. */
const URL_LIKE = /\b[a-z][a-z0-9+.-]*:\/\/[^\s"'<>()]+|\b\d{1,3}(?:\.\d{1,3}){3}(?::\d{1,5})?\b/gi;

/** Removes internal addresses from a message that is otherwise safe to show. */
export function stripInternalAddresses(message: string): string {
  return message.replace(URL_LIKE, '[redacted]');
}

function codeOf(extensions: Readonly<Record<string, unknown>> | undefined): string | undefined {
  const code = extensions?.['code'];
  return typeof code === 'string' ? code : undefined;
}

/** The subgraph an error came from: ours (`subgraph`) or the one @apollo/gateway stamps (`serviceName`). */
function subgraphOf(extensions: Readonly<Record<string, unknown>> | undefined): string | undefined {
  const name = extensions?.['subgraph'] ?? extensions?.['serviceName'];
  return typeof name === 'string' ? name : undefined;
}

/**
 * Client errors Apollo Server raises without a code, by their exact message: they are the
 * client's fault, so they keep their message under a client code instead of becoming INTERNAL.
 */
const UNCODED_CLIENT_ERRORS: ReadonlyMap<string, string> = new Map([
  // APQ: the document sent with a hash is not that hash's document.
  ['provided sha does not match query', 'BAD_REQUEST'],
]);

/**
 * Apollo Server's `formatError`: every error leaves with a catalogued `extensions.code`;
 * outside development unknown errors become "Internal error." (code INTERNAL), safe
 * messages lose internal URLs, and only allow-listed extensions remain (the originating
 * subgraph is kept as `subgraph`). In development the upstream message, the stack trace
 * and all extensions stay, but the code is still normalised so clients behave the same.
 */
export function createErrorFormatter(
  options: UseErrorMaskingOptions = {},
): (formatted: GraphQLFormattedError, error: unknown) => GraphQLFormattedError {
  const safeCodes = new Set(options.safeCodes ?? SAFE_ERROR_CODES);
  const keep = options.keepExtensions ?? DEFAULT_KEEP_EXTENSIONS;
  const internalMessage = options.internalMessage ?? 'Internal error.';

  return (formatted) => {
    const extensions = formatted.extensions;
    // Apollo gives an uncoded error INTERNAL_SERVER_ERROR before formatError sees it.
    const given = codeOf(extensions);
    const originalCode = (given === undefined || given === 'INTERNAL_SERVER_ERROR' ? UNCODED_CLIENT_ERRORS.get(formatted.message) : undefined) ?? given;
    const safe = originalCode !== undefined && safeCodes.has(originalCode);
    const code = safe ? originalCode : INTERNAL_CODE;
    const subgraph = subgraphOf(extensions);

    if (options.development) {
      const { serviceName: _serviceName, ...rest } = extensions ?? {};
      return {
        ...formatted,
        extensions: {
          ...rest,
          code,
          ...(subgraph !== undefined ? { subgraph } : {}),
          ...(code !== originalCode ? { originalCode: originalCode ?? null } : {}),
        },
      };
    }

    const kept: Record<string, unknown> = { code };
    for (const key of keep) {
      const value = extensions?.[key];
      if (value !== undefined && key !== 'code') kept[key] = value;
    }
    if (subgraph !== undefined) kept['subgraph'] = subgraph;
    return {
      message: safe ? stripInternalAddresses(formatted.message) : internalMessage,
      ...(formatted.locations ? { locations: formatted.locations } : {}),
      ...(formatted.path ? { path: formatted.path } : {}),
      extensions: kept,
    };
  };
}

/**
 * Logs, under the request id, the errors that the formatter hides from the client (with
 * their stack and upstream details), so "Internal error." can always be traced.
 * Pair it with `createErrorFormatter` (Apollo Server's `formatError`) using the same options.
 */
export function useErrorMasking(options: UseErrorMaskingOptions = {}): ApolloServerPlugin<GatewayContext> {
  const safeCodes = new Set(options.safeCodes ?? SAFE_ERROR_CODES);
  return {
    async requestDidStart() {
      return {
        async didEncounterErrors({ errors, contextValue }) {
          for (const error of errors as readonly GraphQLError[]) {
            const code = codeOf(error.extensions);
            const details = {
              code: code ?? null,
              subgraph: subgraphOf(error.extensions) ?? null,
              path: error.path ?? null,
              err: error.originalError ?? error,
            };
            if (code !== undefined && safeCodes.has(code)) {
              contextValue.logger.debug(details, `graphql error: ${error.message}`);
            } else {
              contextValue.logger.error(details, 'unexpected error, masked for the client');
            }
          }
        },
      };
    },
  };
}
