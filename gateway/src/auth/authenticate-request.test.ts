import { describe, expect, it } from 'vitest';
import { createRequestAuthenticator } from './authenticate-request.js';
import { InvalidTokenError, KeysUnavailableError, type TokenVerifier } from './token-verifier.js';

const caller = { sub: 'alice', roles: ['researcher' as const], grants: [] };
const verify: TokenVerifier = async (token) => {
  if (token === 'good') return caller;
  if (token === 'down') throw new KeysUnavailableError(new Error('ECONNREFUSED'));
  throw new InvalidTokenError('expired', 'The bearer token has expired.');
};
const authenticate = createRequestAuthenticator(verify);

describe('createRequestAuthenticator', () => {
  it('treats a request without an Authorization header as anonymous', async () => {
    expect(await authenticate(undefined)).toEqual({ outcome: 'anonymous' });
  });

  it('verifies a bearer token, whatever the case of the scheme', async () => {
    expect(await authenticate('Bearer good')).toEqual({ outcome: 'verified', caller });
    expect(await authenticate('bearer good')).toEqual({ outcome: 'verified', caller });
  });

  it('refuses a present but invalid token with 401 and an RFC 6750 challenge, never as anonymous', async () => {
    expect(await authenticate('Bearer stale')).toEqual({
      outcome: 'refused',
      status: 401,
      message: 'The bearer token has expired.',
      reason: 'expired',
      headers: { 'www-authenticate': 'Bearer realm="cancer-imaging-graph", error="invalid_token", error_description="The bearer token has expired."' },
    });
  });

  it('refuses other schemes, an empty token and a token too long to be one', async () => {
    for (const header of ['Basic YWxpY2U6c2VjcmV0', 'Bearer', 'Bearer ', '', 'Bearer a b', `Bearer ${'a'.repeat(20_000)}`]) {
      const result = await authenticate(header);
      expect(result.outcome, header.slice(0, 20)).toBe('refused');
      if (result.outcome === 'refused') {
        expect(result.status).toBe(401);
        expect(result.headers['www-authenticate']).toContain('error="invalid_token"');
        expect(result.headers['www-authenticate']).not.toMatch(/description="[^"]*"[^"]*"/);
      }
    }
  });

  it('answers 503 with Retry-After when the issuer\'s keys cannot be fetched', async () => {
    expect(await authenticate('Bearer down')).toMatchObject({ outcome: 'refused', status: 503, headers: { 'retry-after': '5' } });
  });
});
