import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRetrieveProxy } from './retrieve-proxy.js';

let upstream: Server;
let gateway: Server;
let base: string;
const seen: string[] = [];

function listen(server: Server): Promise<number> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)));
}

beforeAll(async () => {
  upstream = createServer((req, res) => {
    seen.push(`${req.url} ${req.headers['x-request-id']}`);
    if (req.url === '/retrieve/good.ticket') {
      res.writeHead(200, { 'content-type': 'application/zip', 'content-disposition': 'attachment; filename="1.2.3.zip"', server: 'orthanc-site-a.internal', 'x-orthanc-url': 'http://10.1.2.3:8042' });
      res.end(Buffer.from('PK\u0003\u0004zip-bytes'));
    } else {
      res.writeHead(403, { 'content-type': 'application/json' }).end('{"errors":[{"message":"This is not a valid retrieve link.","extensions":{"code":"FORBIDDEN"}}]}');
    }
  });
  const upstreamPort = await listen(upstream);
  const endpoints = [{ name: 'orthanc', url: `http://127.0.0.1:${upstreamPort}/graphql` }, { name: 'catalogue', url: `http://127.0.0.1:${upstreamPort}/graphql` }, { name: 'dead', url: 'http://127.0.0.1:9/graphql' }];
  const proxy = createRetrieveProxy({ endpoints: () => endpoints, logger: pino({ level: 'silent' }) });
  gateway = createServer((req, res) => {
    void proxy(req, res, new URL(req.url!, 'http://gateway'), 'req-42').then((handled) => { if (!handled) res.writeHead(404).end(); });
  });
  base = `http://127.0.0.1:${await listen(gateway)}`;
});

afterAll(() => {
  upstream.close();
  gateway.close();
});

describe('retrieve proxy', () => {
  it('streams the series from the kind subgraph that signed the link, forwarding the request id', async () => {
    const response = await fetch(`${base}/retrieve/orthanc/good.ticket`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/zip');
    expect(Buffer.from(await response.arrayBuffer()).toString('latin1')).toContain('zip-bytes');
    expect(seen).toContain('/retrieve/good.ticket req-42');
  });

  it('passes no upstream header that could name the site', async () => {
    const response = await fetch(`${base}/retrieve/orthanc/good.ticket`);
    expect(response.headers.get('server')).toBeNull();
    expect(response.headers.get('x-orthanc-url')).toBeNull();
    await response.arrayBuffer();
  });

  it('passes the subgraph\'s refusal of a bad ticket through', async () => {
    const response = await fetch(`${base}/retrieve/orthanc/forged.ticket`);
    expect(response.status).toBe(403);
    expect(((await response.json()) as { errors: { extensions: { code: string } }[] }).errors[0]!.extensions.code).toBe('FORBIDDEN');
  });

  it('answers 404 for an unknown kind or the catalogue, and 503 with no address for a down subgraph', async () => {
    expect((await fetch(`${base}/retrieve/nosuchkind/x.y`)).status).toBe(404);
    expect((await fetch(`${base}/retrieve/catalogue/x.y`)).status).toBe(404);
    const down = await fetch(`${base}/retrieve/dead/x.y`);
    expect(down.status).toBe(503);
    expect(await down.text()).not.toContain('127.0.0.1');
  });

  it('leaves other paths to the next handler', async () => {
    expect((await fetch(`${base}/retrieve/orthanc`)).status).toBe(404);
    expect((await fetch(`${base}/elsewhere`)).status).toBe(404);
  });
});
