import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** One request a fake subgraph received. */
export interface ReceivedRequest {
  readonly headers: IncomingHttpHeaders;
  readonly body: { query?: string; variables?: Record<string, unknown>; operationName?: string };
}

/** Answers one request; the default answers `{ data: { __typename: 'Query' } }` at once. */
export type FakeHandler = (request: ReceivedRequest, res: ServerResponse) => unknown;

/**
 * A real node:http server standing in for a subgraph, counting what the transport does to
 * it: requests, TCP connections accepted, and the most connections open at once.
 */
export interface FakeSubgraph {
  readonly url: string;
  readonly received: readonly ReceivedRequest[];
  /** TCP connections accepted so far. */
  readonly connections: number;
  /** Most TCP connections open at the same time. */
  readonly maxOpenConnections: number;
  /** Replaces the handler for the next requests. */
  handle(handler: FakeHandler): void;
  close(): Promise<void>;
}

export function answerJson(res: ServerResponse, body: unknown, status = 200, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers }).end(text);
}

export const OK_ANSWER = { data: { __typename: 'Query' } };

export async function startFakeSubgraph(handler: FakeHandler = (_request, res) => answerJson(res, OK_ANSWER)): Promise<FakeSubgraph> {
  let current = handler;
  const received: ReceivedRequest[] = [];
  const sockets = new Set<Socket>();
  let connections = 0;
  let maxOpenConnections = 0;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const request: ReceivedRequest = { headers: req.headers, body: text === '' ? {} : (JSON.parse(text) as ReceivedRequest['body']) };
      received.push(request);
      void Promise.resolve(current(request, res)).catch(() => res.destroy());
    });
  });
  server.on('connection', (socket: Socket) => {
    connections += 1;
    sockets.add(socket);
    maxOpenConnections = Math.max(maxOpenConnections, sockets.size);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/graphql`,
    received,
    get connections() {
      return connections;
    },
    get maxOpenConnections() {
      return maxOpenConnections;
    },
    handle(next) {
      current = next;
    },
    close() {
      for (const socket of sockets) socket.destroy();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
