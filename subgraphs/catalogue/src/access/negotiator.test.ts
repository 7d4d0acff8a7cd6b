import { http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { AccessRequestRecord } from '@cancer-imaging/provider-kit';
import type { DatasetRecord } from '../catalogue/records.js';
import { createNegotiatorClient, NegotiatorError } from './negotiator.js';

// The BBMRI-ERIC Negotiator v3 hand-over, against an msw-mocked Negotiator that checks
// what a real one requires: basic credentials of a registered discovery service, the
// discovery service's URL, a human-readable text and at least one resource with its
// organisation; it answers with the new request's redirectUrl.

const server = setupServer();
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterEach(() => server.resetHandlers());
afterAll(() => server.close());

const REQUEST: AccessRequestRecord = {
  id: '5b1c6f55-6f4f-4b7a-9a39-7d6a2f0f1a10', requesterId: 'researcher-1', datasetIds: ['demo-nl:custom:lung-ct'],
  purpose: 'Validating a lung nodule detector on an external cohort.', state: 'SUBMITTED',
  createdAt: new Date('2026-11-27T10:00:00Z'), updatedAt: new Date('2026-11-27T10:00:00Z'),
  history: [{ state: 'SUBMITTED', actorId: 'researcher-1', at: new Date('2026-11-27T10:00:00Z') }],
};
const DATASET = { id: 'demo-nl:custom:lung-ct', title: 'Lung CT screening (synthetic)', provider: { id: 'demo-nl', name: 'Demo site Amsterdam (synthetic)' } } as unknown as DatasetRecord;

const client = createNegotiatorClient({
  baseUrl: 'https://negotiator.example.org', discoveryServiceUrl: 'https://graph.example.org', username: 'cig', password: 's3cret',
});

describe('the Negotiator hand-over', () => {
  it('posts the request as a discovery service and returns the redirect URL', async () => {
    let received: unknown;
    server.use(http.post('https://negotiator.example.org/api/v3/requests', async ({ request }) => {
      if (request.headers.get('authorization') !== `Basic ${Buffer.from('cig:s3cret').toString('base64')}`) return new HttpResponse(null, { status: 401 });
      received = await request.json();
      const body = received as { url?: string; humanReadable?: string; resources?: { id: string; organization?: { externalId?: string } }[] };
      if (!body.url || !body.humanReadable || !body.resources?.length || !body.resources.every((r) => r.id && r.organization?.externalId)) {
        return HttpResponse.json({ title: 'Bad Request' }, { status: 400 });
      }
      return HttpResponse.json({ id: 'req-42', redirectUrl: 'https://negotiator.example.org/requests/req-42' }, { status: 201 });
    }));
    expect(await client.handOver(REQUEST, [DATASET])).toBe('https://negotiator.example.org/requests/req-42');
    expect(received).toEqual({
      url: 'https://graph.example.org',
      humanReadable: `Access request ${REQUEST.id}: Lung CT screening (synthetic)`,
      resources: [{ id: 'demo-nl:custom:lung-ct', name: 'Lung CT screening (synthetic)', organization: { externalId: 'demo-nl', name: 'Demo site Amsterdam (synthetic)' } }],
    });
    // Nothing about the researcher or the purpose leaves: the Negotiator asks them itself.
    expect(JSON.stringify(received)).not.toContain('researcher-1');
  });

  it('fails with a NegotiatorError on a refusal or an answer without a redirect URL', async () => {
    server.use(http.post('https://negotiator.example.org/api/v3/requests', () => new HttpResponse(null, { status: 401 })));
    await expect(client.handOver(REQUEST, [DATASET])).rejects.toBeInstanceOf(NegotiatorError);
    server.use(http.post('https://negotiator.example.org/api/v3/requests', () => HttpResponse.json({ id: 'req-43' }, { status: 201 })));
    await expect(client.handOver(REQUEST, [DATASET])).rejects.toThrow(/without a redirect URL/);
  });
});
