import type { IncomingMessage, ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import type { Logger } from 'pino';
import { toProviderError } from './errors.js';
import { createRecordAudit, type AuditDestination } from './privacy/record-audit.js';
import { verifyRetrieveTicket } from './retrieve-ticket.js';
import type { SiteRuntime } from './site-runtime.js';

/** How long streaming one series may take, from the first byte asked to the last sent. */
const RETRIEVE_DEADLINE_MS = 10 * 60_000;
/** The audit log's operation name for a retrieve: the HTTP route, there is no GraphQL operation. */
export const RETRIEVE_OPERATION = 'GET /retrieve';

function refuse(res: ServerResponse, status: number, code: string, message: string): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' })
    .end(JSON.stringify({ errors: [{ message, extensions: { code } }] }));
}

/**
 * `GET /retrieve/<ticket>` on a kind subgraph: checks the ticket, writes the retrieve to the
 * audit log (RETRIEVE_SERIES, as the caller the ticket was issued to), then asks the site's
 * adapter for the series and streams it. If the entry cannot be written nothing is sent.
 * Reached through the gateway's `/retrieve/<kind>/<ticket>`.
 */
export function createRetrieveRoute(options: { sites: ReadonlyMap<string, SiteRuntime>; secret: string; logger: Logger; audit: AuditDestination }) {
  return async (req: IncomingMessage, res: ServerResponse, url: URL, requestId?: string): Promise<boolean> => {
    const match = /^\/retrieve\/([A-Za-z0-9_.-]+)$/.exec(url.pathname);
    if (!match) return false;
    if (req.method !== 'GET') {
      refuse(res, 405, 'BAD_REQUEST', 'Use GET.');
      return true;
    }
    const check = verifyRetrieveTicket(options.secret, match[1]!);
    if (!check.ok) {
      refuse(res, check.reason === 'expired' ? 401 : 403, 'FORBIDDEN', check.reason === 'expired' ? 'This retrieve link has expired; ask for the series again.' : 'This is not a valid retrieve link.');
      return true;
    }
    const { ticket } = check;
    const site = options.sites.get(ticket.siteId);
    if (!site?.adapter.retrieveSeries) {
      refuse(res, 404, 'NOT_FOUND', 'No such series.');
      return true;
    }
    const audit = createRecordAudit({
      destination: options.audit,
      // Tickets are only issued to signed-in callers; one without a caller predates that.
      actorId: ticket.callerId ?? 'anonymous',
      operationName: RETRIEVE_OPERATION, at: new Date(), logger: options.logger, ...(requestId && { requestId }),
    });
    try {
      await audit.record('RETRIEVE_SERIES', ticket.datasetId);
    } catch (error) {
      const code = (error as { extensions?: { code?: string } }).extensions?.code === 'FORBIDDEN' ? 'FORBIDDEN' : 'INTERNAL';
      refuse(res, code === 'FORBIDDEN' ? 403 : 500, code, (error as Error).message);
      return true;
    }
    options.logger.info({ site: site.id, dataset: ticket.datasetId, caller: ticket.callerId, requestId }, 'series retrieved');
    try {
      // Through the site's circuit: refused at once while it is open. Never its half-open
      // probe, which would hold every other call of the site for up to the retrieve deadline.
      const archive = await site.call((ctx) => site.adapter.retrieveSeries!(ticket.seriesLocalId, ctx), { deadlineMs: RETRIEVE_DEADLINE_MS, logger: options.logger, mayProbe: false });
      res.writeHead(200, {
        'content-type': archive.contentType,
        'content-disposition': `attachment; filename="${archive.filename.replace(/[^A-Za-z0-9._-]/g, '_')}"`,
        'cache-control': 'private, no-store',
        ...(archive.contentLength !== undefined && { 'content-length': String(archive.contentLength) }),
      });
      const stream = Readable.fromWeb(archive.body as import('node:stream/web').ReadableStream<Uint8Array>);
      stream.on('error', () => res.destroy());
      stream.pipe(res);
    } catch (error) {
      const providerError = toProviderError(error);
      options.logger.warn({ site: site.id, code: providerError.code, err: providerError.cause ?? providerError }, 'series retrieve failed');
      refuse(res, providerError.code === 'PROVIDER_TIMEOUT' ? 504 : 502, providerError.code, providerError.message);
    }
    return true;
  };
}
