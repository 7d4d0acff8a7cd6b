import type { IncomingMessage, ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import type { Logger } from 'pino';
import { graphQLErrorBody, sendJson } from './http.js';
import type { SubgraphEndpoint } from './supergraph.js';

/** Headers of the subgraph's answer that reach the caller; nothing that names the site. */
const PASSED_HEADERS = ['content-type', 'content-length', 'content-disposition', 'cache-control'];

/**
 * `GET /retrieve/<kind>/<ticket>`: forwards a retrieve link to the kind subgraph that signed
 * it and streams the series back. The ticket is the authorisation (checked by the
 * subgraph); the gateway adds nothing and reveals no upstream address.
 */
export function createRetrieveProxy(options: { endpoints: () => readonly SubgraphEndpoint[]; logger: Logger; timeoutMs?: number }) {
  return async (req: IncomingMessage, res: ServerResponse, url: URL, requestId: string): Promise<boolean> => {
    const match = /^\/retrieve\/([a-z0-9-]+)\/([A-Za-z0-9_.-]+)$/.exec(url.pathname);
    if (!match) return false;
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      sendJson(res, 405, graphQLErrorBody('Use GET.', 'BAD_REQUEST'));
      return true;
    }
    const [, kind, ticket] = match;
    const endpoint = options.endpoints().find((candidate) => candidate.name === kind);
    if (!endpoint || kind === 'catalogue') {
      sendJson(res, 404, graphQLErrorBody('No such retrieve link.', 'NOT_FOUND'));
      return true;
    }
    const target = new URL(`/retrieve/${ticket}`, endpoint.url);
    const abort = new AbortController();
    res.once('close', () => abort.abort());
    let upstream: Response;
    try {
      upstream = await fetch(target, { method: req.method, headers: { 'x-request-id': requestId }, signal: abort.signal });
    } catch (error) {
      options.logger.warn({ subgraph: kind, err: error }, 'retrieve: subgraph unavailable');
      sendJson(res, 503, graphQLErrorBody(`The ${kind} subgraph is unavailable.`, 'SUBGRAPH_UNAVAILABLE'));
      return true;
    }
    const headers: Record<string, string> = {};
    for (const name of PASSED_HEADERS) {
      const value = upstream.headers.get(name);
      if (value) headers[name] = value;
    }
    res.writeHead(upstream.status, headers);
    if (!upstream.body || req.method === 'HEAD') {
      res.end();
      return true;
    }
    const body = Readable.fromWeb(upstream.body as import('node:stream/web').ReadableStream<Uint8Array>);
    body.on('error', () => res.destroy());
    body.pipe(res);
    return true;
  };
}
