import { describe, expect, it } from 'vitest';
import { deriveRetrieveSecret, signRetrieveTicket, verifyRetrieveTicket } from './retrieve-ticket.js';

const secret = deriveRetrieveSecret('deployment-secret-0123456789');
const ticket = { siteId: 'site-a', seriesLocalId: 'abc-123', datasetId: 'site-a:orthanc:ds', callerId: 'u1', expiresAt: 2_000 };

describe('retrieve tickets', () => {
  it('verify when signed with the same secret and not expired', () => {
    expect(verifyRetrieveTicket(secret, signRetrieveTicket(secret, ticket), 1_000)).toEqual({ ok: true, ticket });
  });

  it('are refused once expired', () => {
    expect(verifyRetrieveTicket(secret, signRetrieveTicket(secret, ticket), 2_000)).toEqual({ ok: false, reason: 'expired' });
  });

  it('are refused when the payload is altered or signed with another secret', () => {
    const token = signRetrieveTicket(secret, ticket);
    const [, signature] = token.split('.');
    const forged = `${Buffer.from(JSON.stringify({ s: 'site-a', l: 'other-series', d: 'x', e: 9_999 })).toString('base64url')}.${signature}`;
    expect(verifyRetrieveTicket(secret, forged, 1_000)).toEqual({ ok: false, reason: 'bad-signature' });
    expect(verifyRetrieveTicket(deriveRetrieveSecret('another-secret-0123456789'), token, 1_000)).toEqual({ ok: false, reason: 'bad-signature' });
    expect(verifyRetrieveTicket(secret, 'garbage', 1_000)).toEqual({ ok: false, reason: 'malformed' });
  });

  it('never carry the site URL or credentials, only ids', () => {
    const payload = Buffer.from(signRetrieveTicket(secret, ticket).split('.')[0]!, 'base64url').toString('utf8');
    expect(Object.keys(JSON.parse(payload) as object).sort()).toEqual(['c', 'd', 'e', 'l', 's']);
  });
});
