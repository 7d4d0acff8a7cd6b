import { describe, expect, it } from 'vitest';
import { checkReadiness } from './readiness.js';

const endpoints = [
  { name: 'catalogue', url: 'http://catalogue/graphql' },
  { name: 'custom', url: 'http://custom/graphql' },
];

function fakeFetch(answers: Record<string, () => Promise<Response>>): typeof fetch {
  return (async (input: string | URL | Request) => {
    const answer = answers[String(input)];
    if (!answer) throw new TypeError('fetch failed', { cause: { code: 'ECONNREFUSED' } });
    return answer();
  }) as typeof fetch;
}

const typename = () => Promise.resolve(Response.json({ data: { __typename: 'Query' } }));

describe('checkReadiness', () => {
  it('is ready when every subgraph answers { __typename }', async () => {
    const fetch = fakeFetch({ 'http://catalogue/graphql': typename, 'http://custom/graphql': typename });
    expect(await checkReadiness(endpoints, { fetch })).toEqual({ ready: true, subgraphs: { catalogue: 'up', custom: 'up' } });
  });

  it('marks a subgraph down when it refuses, errors, answers without data or does not answer in time', async () => {
    const cases: Array<() => Promise<Response>> = [
      () => Promise.resolve(new Response('bad gateway', { status: 502 })),
      () => Promise.resolve(Response.json({ errors: [{ message: 'boom' }] })),
      () => Promise.resolve(new Response('<html>', { headers: { 'content-type': 'text/html' } })),
    ];
    for (const custom of cases) {
      const result = await checkReadiness(endpoints, { fetch: fakeFetch({ 'http://catalogue/graphql': typename, 'http://custom/graphql': custom }) });
      expect(result).toEqual({ ready: false, subgraphs: { catalogue: 'up', custom: 'down' } });
    }
    const refused = await checkReadiness(endpoints, { fetch: fakeFetch({ 'http://catalogue/graphql': typename }) });
    expect(refused.subgraphs).toEqual({ catalogue: 'up', custom: 'down' });

    const hanging = ((_input: unknown, init?: RequestInit) =>
      new Promise<Response>((_resolve, reject) => init?.signal?.addEventListener('abort', () => reject(init.signal?.reason)))) as typeof fetch;
    const startedAt = Date.now();
    const slow = await checkReadiness(endpoints, { fetch: hanging, timeoutMs: 50 });
    expect(slow).toEqual({ ready: false, subgraphs: { catalogue: 'down', custom: 'down' } });
    expect(Date.now() - startedAt).toBeLessThan(1000);
  });
});
