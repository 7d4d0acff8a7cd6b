import { createServer } from 'node:net';

/**
 * A port free on loopback right now (the OS picks it), for the servers tests, benchmarks
 * and `npm start` launch. Another process may take it before it is used; callers that
 * start a server on it retry or fail loudly.
 */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
