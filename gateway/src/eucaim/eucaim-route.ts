import type { IncomingMessage, ServerResponse } from 'node:http';
import type { GraphQLFormattedError } from 'graphql';
import type { Logger } from 'pino';
import { codeOf, errorsBody, httpStatusOf } from '../document-errors.js';
import { graphQLErrorBody, sendJson } from '../http.js';
import { toEucaimAnswer } from './eucaim-answer.js';
import { EUCAIM_SEARCH_OPERATION, type EucaimSearchData } from './eucaim-operation.js';
import { parameterOf, parseEucaimQuery, type EucaimCriteria, type ParameterProblem } from './eucaim-query.js';

/** Where the gateway answers EUCAIM's provider search (the node agent's ENDPOINT_URL). */
export const EUCAIM_SEARCH_PATH = '/eucaim/search';
/** Names the sites left out of an answer, for callers that read headers (the body says it too). */
export const UNAVAILABLE_PROVIDERS_HEADER = 'x-cig-unavailable-providers';

export interface EucaimOperation {
  readonly query: string;
  readonly variables: { readonly criteria: EucaimCriteria };
}

/** What the gateway's executor answers: `data` and the already masked `errors`. */
export interface EucaimExecution {
  readonly data?: Partial<EucaimSearchData> | null;
  readonly errors?: readonly GraphQLFormattedError[];
}

/**
 * Runs the operation through the gateway's own GraphQL pipeline, as the caller of this
 * HTTP request (same context, same headers), so every protection of /graphql applies.
 */
export type EucaimExecutor = (operation: EucaimOperation) => Promise<EucaimExecution>;

export interface CreateEucaimRouteOptions {
  /** The deployment's name as a EUCAIM provider (the answer's `provider`). */
  readonly providerName: string;
  /** @default EUCAIM_SEARCH_PATH */
  readonly path?: string;
}


function badParameters(problems: readonly ParameterProblem[]) {
  return { errors: problems.map(({ parameter, message }) => ({ message, extensions: { code: 'BAD_USER_INPUT', parameter } })) };
}

/**
 * The graph refused an argument (e.g. a criterion it validates further): answer 400 naming
 * the EUCAIM parameter behind the argument (`criteria.manufacturers` → `manufacturer`).
 */
function refusedArguments(errors: readonly GraphQLFormattedError[]): ParameterProblem[] {
  return errors
    .filter((error) => codeOf(error) === 'BAD_USER_INPUT')
    .map((error) => {
      const argument = error.extensions?.['argument'];
      const field = typeof argument === 'string' ? argument.replace(/^criteria\./, '').split('.')[0] ?? '' : '';
      return { parameter: parameterOf(field) ?? 'query', message: error.message };
    });
}

/**
 * `GET /eucaim/search?gender=&diagnosis=&modality=&bodyPart=&manufacturer=`: EUCAIM's
 * provider search contract over the graph (docs/eucaim.md). Returns false for other paths.
 */
export function createEucaimRoute(options: CreateEucaimRouteOptions) {
  const path = options.path ?? EUCAIM_SEARCH_PATH;
  return async (req: IncomingMessage, res: ServerResponse, url: URL, execute: EucaimExecutor, logger: Logger): Promise<boolean> => {
    // EUCAIM's node agent appends "?" to whatever endpoint URL it is given, with or without a slash.
    if (url.pathname !== path && url.pathname !== `${path}/`) return false;
    if (req.method !== 'GET') {
      sendJson(res, 405, graphQLErrorBody('Use GET.', 'BAD_REQUEST'), { allow: 'GET' });
      return true;
    }
    const query = parseEucaimQuery(url.searchParams);
    if (!query.ok) {
      sendJson(res, 400, badParameters(query.problems), { 'cache-control': 'no-store' });
      return true;
    }

    const { data, errors = [] } = await execute({ query: EUCAIM_SEARCH_OPERATION, variables: { criteria: query.criteria } });
    const refused = refusedArguments(errors);
    if (refused.length > 0) {
      sendJson(res, 400, badParameters(refused), { 'cache-control': 'no-store' });
      return true;
    }
    if (!data?.providers) {
      // Without the provider list (the catalogue is down, or the caller is refused) there is
      // no EUCAIM answer to give, not even a partial one.
      const code = errors[0] ? codeOf(errors[0]) : 'INTERNAL';
      logger.warn({ codes: errors.map(codeOf) }, 'eucaim search: the graph gave no provider list');
      const body = errors.length > 0
        ? errorsBody(errors)
        : graphQLErrorBody('Internal error.', 'INTERNAL');
      sendJson(res, httpStatusOf(code), body, { 'cache-control': 'no-store' });
      return true;
    }

    const answer = toEucaimAnswer(options.providerName, { providers: data.providers });
    const headers: Record<string, string> = { 'cache-control': 'no-store' };
    if (answer.unavailable_providers.length > 0) {
      headers[UNAVAILABLE_PROVIDERS_HEADER] = answer.unavailable_providers.map((site) => site.id).join(',');
      logger.warn({ unavailable: answer.unavailable_providers, codes: errors.map(codeOf) }, 'eucaim search: partial answer');
    }
    sendJson(res, 200, answer, headers);
    return true;
  };
}
