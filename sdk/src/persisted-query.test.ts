import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ProvidersDocument, SaveCohortDocument } from './__generated__/graphql.js';
import { sha256Hex } from './persisted-query.js';
import { createTransport } from './transport.js';

// Automatic Persisted Queries with `persistedOperations: true`, against a fake graph that
// answers as Apollo Server does: a hash it does not know is PERSISTED_QUERY_NOT_FOUND
// (HTTP 200), a text sent with its hash is kept, and the hash alone works after.

type Body = { query?: string; variables?: unknown; extensions?: { persistedQuery?: { version: number; sha256Hash: string } } };

function fakeGraph(options: { known?: Iterable<string>; apq?: boolean } = {}) {
  const known = new Map<string, string>();
  for (const text of options.known ?? []) known.set(nodeSha256(text), text);
  const bodies: Body[] = [];
  const fetch = (async (_url: string | URL | Request, init?: RequestInit) => {
    const body = JSON.parse(String(init?.body)) as Body;
    bodies.push(body);
    const reply = (status: number, payload: unknown) => new Response(JSON.stringify(payload), { status, headers: { 'content-type': 'application/json' } });
    const hash = body.extensions?.persistedQuery?.sha256Hash;
    if (hash !== undefined && options.apq === false) return reply(200, { errors: [{ message: 'PersistedQueryNotSupported', extensions: { code: 'PERSISTED_QUERY_NOT_SUPPORTED' } }] });
    if (hash !== undefined && body.query === undefined && !known.has(hash)) return reply(200, { errors: [{ message: 'PersistedQueryNotFound', extensions: { code: 'PERSISTED_QUERY_NOT_FOUND' } }] });
    if (hash !== undefined && body.query !== undefined) known.set(hash, body.query);
    return reply(200, { data: { providers: [{ id: 'demo-nl' }], saveCohort: { id: 'c1', createdAt: '2026-11-27T10:00:00Z' } } });
  }) as typeof globalThis.fetch;
  return { fetch, bodies };
}

// The fake graph hashes with node:crypto, independently of the SDK's Web Crypto.
function nodeSha256(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

const PROVIDERS_HASH = nodeSha256(ProvidersDocument.toString());

describe('the transport with persistedOperations: true', () => {
  it('sends a known operation by its SHA-256 alone, without the text', async () => {
    const graph = fakeGraph({ known: [ProvidersDocument.toString()] });
    const transport = createTransport({ url: 'http://graph/graphql', fetch: graph.fetch, persistedOperations: true });
    expect(await transport.request(ProvidersDocument)).toMatchObject({ providers: [{ id: 'demo-nl' }] });
    expect(graph.bodies).toEqual([{ variables: {}, extensions: { persistedQuery: { version: 1, sha256Hash: PROVIDERS_HASH } } }]);
  });

  it('on PERSISTED_QUERY_NOT_FOUND sends the text with the hash once, then the hash alone', async () => {
    const graph = fakeGraph();
    const transport = createTransport({ url: 'http://graph/graphql', fetch: graph.fetch, persistedOperations: true });
    await transport.request(ProvidersDocument);
    await transport.request(ProvidersDocument);
    const extensions = { persistedQuery: { version: 1, sha256Hash: PROVIDERS_HASH } };
    expect(graph.bodies).toEqual([
      { variables: {}, extensions },
      { query: ProvidersDocument.toString(), variables: {}, extensions },
      { variables: {}, extensions },
    ]);
  });

  it('registers a mutation the same way (the graph ran nothing on the miss), with its variables each time', async () => {
    const graph = fakeGraph();
    const transport = createTransport({ url: 'http://graph/graphql', fetch: graph.fetch, persistedOperations: true });
    const variables = { criteria: { cancerTypes: ['LUNG' as const] } };
    expect(await transport.request(SaveCohortDocument, variables)).toMatchObject({ saveCohort: { id: 'c1' } });
    expect(graph.bodies.map((body) => [body.query === undefined ? 'hash' : 'text', body.variables])).toEqual([['hash', variables], ['text', variables]]);
  });

  it('falls back to texts for good when the graph has no APQ (PERSISTED_QUERY_NOT_SUPPORTED)', async () => {
    const graph = fakeGraph({ apq: false });
    const transport = createTransport({ url: 'http://graph/graphql', fetch: graph.fetch, persistedOperations: true });
    await transport.request(ProvidersDocument);
    await transport.request(ProvidersDocument);
    expect(graph.bodies.map((body) => Object.keys(body).sort())).toEqual([['extensions', 'variables'], ['query', 'variables'], ['query', 'variables']]);
  });

  it('gives the graph\'s error when the text is refused too (a safelist)', async () => {
    const refusing = (async (_url: string | URL | Request, init?: RequestInit) => {
      const body = JSON.parse(String(init?.body)) as Body;
      const error = body.query === undefined
        ? { message: 'PersistedQueryNotFound', extensions: { code: 'PERSISTED_QUERY_NOT_FOUND' } }
        : { message: 'not persisted', extensions: { code: 'OPERATION_NOT_PERSISTED' } };
      return new Response(JSON.stringify({ errors: [error] }), { status: body.query === undefined ? 200 : 400 });
    }) as typeof globalThis.fetch;
    const transport = createTransport({ url: 'http://graph/graphql', fetch: refusing, persistedOperations: true });
    await expect(transport.request(ProvidersDocument)).rejects.toMatchObject({ code: 'OPERATION_NOT_PERSISTED', status: 400, retryable: false });
  });

  it('sends texts without the option, as before', async () => {
    const graph = fakeGraph();
    await createTransport({ url: 'http://graph/graphql', fetch: graph.fetch }).request(ProvidersDocument);
    expect(graph.bodies).toEqual([{ query: ProvidersDocument.toString(), variables: {} }]);
  });

  it('hashes as node:crypto does (lower-case hex SHA-256 of the UTF-8 text, non-ASCII included)', async () => {
    for (const text of ['', '{ providers { id } }', 'query { dataset(id: "Ünïcødé ✓") { id } }']) {
      expect(await sha256Hex(text)).toBe(nodeSha256(text));
    }
  });
});
