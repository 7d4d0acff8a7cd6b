import type { IncomingMessage, ServerResponse } from 'node:http';
import type { GraphQLFormattedError } from 'graphql';
import type { Logger } from 'pino';
import type { GraphExecutor } from '../execute-as-caller.js';
import { codeOf, errorsBody, httpStatusOf } from '../document-errors.js';
import { graphQLErrorBody, sendJson } from '../http.js';
import { toReportCsv, toReportDocument } from './report-document.js';
import { COHORT_REPORT_OPERATION, type CohortReportData } from './report-operation.js';

/** `/cohorts/<id>/report.json` and `/cohorts/<id>/report.csv`. */
const REPORT_PATH = /^\/cohorts\/([^/]+)\/report\.(json|csv)$/;


/**
 * The downloadable cohort report (the document a researcher attaches to an access
 * request): the graph's `cohortReport`, run as the caller, rendered as JSON or CSV.
 * Returns false for other paths.
 */
export function createCohortReportRoute() {
  return async (req: IncomingMessage, res: ServerResponse, url: URL, execute: GraphExecutor, logger: Logger): Promise<boolean> => {
    const match = REPORT_PATH.exec(url.pathname);
    if (!match) return false;
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      sendJson(res, 405, graphQLErrorBody('Use GET.', 'BAD_REQUEST'), { allow: 'GET, HEAD' });
      return true;
    }
    const [, rawId, format] = match as unknown as [string, string, 'json' | 'csv'];
    let id: string;
    try {
      id = decodeURIComponent(rawId);
    } catch {
      sendJson(res, 400, graphQLErrorBody('The cohort id is not valid.', 'BAD_USER_INPUT'));
      return true;
    }
    const { data, errors = [] } = await execute<CohortReportData>({ query: COHORT_REPORT_OPERATION, variables: { id } });
    const report = data?.cohortReport;
    if (!report) {
      const code = errors[0] ? codeOf(errors[0]) : 'NOT_FOUND';
      const status = httpStatusOf(code);
      const body = errors.length > 0
        ? errorsBody(errors)
        : graphQLErrorBody('No saved cohort has this id.', 'NOT_FOUND');
      sendJson(res, status, body, { 'cache-control': 'no-store' });
      return true;
    }
    if (errors.length > 0) logger.warn({ codes: errors.map(codeOf) }, 'cohort report: partial answer');
    const document = toReportDocument(report);
    const filename = `cohort-${document.cohort.id}.${format}`;
    const headers = { 'cache-control': 'no-store', 'content-disposition': `attachment; filename="${filename}"` };
    if (format === 'json') {
      sendJson(res, 200, document, headers);
    } else {
      res.writeHead(200, { 'content-type': 'text/csv; charset=utf-8', ...headers }).end(req.method === 'HEAD' ? undefined : toReportCsv(document));
    }
    return true;
  };
}
