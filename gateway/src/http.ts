import type { IncomingMessage, ServerResponse } from 'node:http';
import { HeaderMap, type HTTPGraphQLResponse } from '@apollo/server';

/** An error that already knows the HTTP status, the client-safe message and the code to answer with. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    /** Catalogued code; default BAD_REQUEST below 500, INTERNAL from 500. */
    readonly code: string = status >= 500 ? 'INTERNAL' : 'BAD_REQUEST',
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

function tooLarge(maxBytes: number): HttpError {
  return new HttpError(413, `The request body is larger than ${maxBytes} bytes.`, 'OPERATION_TOO_LARGE');
}

/**
 * Reads a request body, refusing more than `maxBytes` (the gateway takes operations, not
 * uploads): at once when Content-Length says so, else as soon as the stream passes it.
 * The rest is never buffered; Node discards it after the answer.
 */
export async function readBody(req: IncomingMessage, maxBytes: number): Promise<string> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBytes) throw tooLarge(maxBytes);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size > maxBytes) throw tooLarge(maxBytes);
    chunks.push(buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Node's header object as Apollo's HeaderMap (lower-case names, repeated values joined). */
export function toHeaderMap(headers: IncomingMessage['headers']): HeaderMap {
  const map = new HeaderMap();
  for (const [key, value] of Object.entries(headers)) {
    if (value !== undefined) map.set(key, Array.isArray(value) ? value.join(', ') : value);
  }
  return map;
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers }).end(JSON.stringify(body));
}

/** A GraphQL-shaped error body, for failures that happen before Apollo Server answers. */
export function graphQLErrorBody(message: string, code: string): { errors: Array<{ message: string; extensions: { code: string } }> } {
  return { errors: [{ message, extensions: { code } }] };
}

/** Writes Apollo Server's response, streaming incremental bodies chunk by chunk. */
export async function writeGraphQLResponse(res: ServerResponse, response: HTTPGraphQLResponse): Promise<void> {
  const headers: Record<string, string> = {};
  for (const [key, value] of response.headers) headers[key] = value;
  res.writeHead(response.status ?? 200, headers);
  if (response.body.kind === 'complete') {
    res.end(response.body.string);
    return;
  }
  for await (const chunk of response.body.asyncIterator) res.write(chunk);
  res.end();
}
