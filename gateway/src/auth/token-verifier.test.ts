import { createPublicKey } from 'node:crypto';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestIdentityProvider, tamperToken, unsignedToken, type TestIdentityProvider } from '../testing/identity-provider.js';
import { remoteKeys } from './key-sources.js';
import { createTokenVerifier, InvalidTokenError, KeysUnavailableError, type TokenVerifier } from './token-verifier.js';

let idp: TestIdentityProvider;
let verify: TokenVerifier;

beforeAll(async () => {
  idp = await startTestIdentityProvider();
  verify = createTokenVerifier({
    issuers: [{
      issuer: idp.issuer,
      audiences: [idp.audience],
      key: remoteKeys(idp.jwksUrl, { cooldownMs: 0 }),
      algorithms: ['RS256', 'ES256'],
      claims: { rolesClaim: 'realm_access.roles' },
    }],
    clockSkewSeconds: 30,
  });
});

afterAll(async () => {
  await idp?.close();
});

async function reasonOf(token: string): Promise<string> {
  const error = await verify(token).then(() => undefined, (e: unknown) => e);
  if (!(error instanceof InvalidTokenError)) throw new Error(`expected an InvalidTokenError, got ${String(error)}`);
  return error.reason;
}

describe('createTokenVerifier against a remote JWKS', () => {
  it('turns a valid token into the caller, roles from the configured claim', async () => {
    const token = await idp.sign({ realm_access: { roles: ['researcher', 'uma_authorization'] }, name: 'Alice' }, { sub: 'alice' });
    expect(await verify(token)).toEqual({ sub: 'alice', roles: ['researcher'], grants: [], name: 'Alice' });
  });

  it('fetches the JWKS once and verifies later tokens from its cache', async () => {
    const before = idp.jwksFetches;
    for (let i = 0; i < 5; i += 1) await verify(await idp.sign({}, { sub: `user-${i}` }));
    expect(idp.jwksFetches - before).toBe(0);
  });

  it('refuses an expired token, but tolerates the clock skew', async () => {
    expect(await reasonOf(await idp.sign({}, { expiresIn: -120 }))).toBe('expired');
    await expect(verify(await idp.sign({}, { expiresIn: -10 }))).resolves.toMatchObject({ sub: 'alice' });
  });

  it('refuses a token for another audience, from another issuer, not yet valid or without expiry', async () => {
    expect(await reasonOf(await idp.sign({}, { audience: 'another-service' }))).toBe('audience');
    expect(await reasonOf(await idp.sign({}, { issuer: 'https://evil.example/' }))).toBe('issuer');
    expect(await reasonOf(await idp.sign({}, { notBefore: 600 }))).toBe('not-yet-valid');
    expect(await reasonOf(await idp.sign({}, { noExpiry: true }))).toBe('claims');
  });

  it('refuses a tampered token and one signed with a key the JWKS does not publish', async () => {
    const token = await idp.sign({ realm_access: { roles: ['researcher'] } });
    expect(await reasonOf(tamperToken(token, { realm_access: { roles: ['committee'] } }))).toBe('signature');
    expect(await reasonOf(await idp.sign({}, { unpublishedKey: true }))).toBe('unknown-key');
  });

  it('refuses alg none, an HMAC token keyed with the public key (algorithm confusion) and garbage', async () => {
    const now = Math.floor(Date.now() / 1000);
    expect(await reasonOf(unsignedToken({ iss: idp.issuer, aud: idp.audience, sub: 'mallory', exp: now + 60 }))).toMatch(/algorithm|malformed/);
    const pem = createPublicKey(idp.publicKeyPem).export({ type: 'spki', format: 'pem' });
    const confused = await new SignJWT({}).setProtectedHeader({ alg: 'HS256', kid: 'test-key-1' })
      .setIssuer(idp.issuer).setAudience(idp.audience).setSubject('mallory').setExpirationTime(now + 60)
      .sign(new TextEncoder().encode(pem.toString()));
    expect(await reasonOf(confused)).toBe('algorithm');
    expect(await reasonOf('not-a-token')).toBe('malformed');
    expect(await reasonOf('a.b.c')).toBe('malformed');
  });

  it('says the keys are unavailable, not that the token is bad, when the JWKS cannot be fetched', async () => {
    const cold = createTokenVerifier({
      issuers: [{ issuer: idp.issuer, audiences: [idp.audience], key: remoteKeys(idp.jwksUrl), algorithms: ['RS256'] }],
      clockSkewSeconds: 0,
    });
    const token = await idp.sign();
    idp.available = false;
    try {
      await expect(cold(token)).rejects.toBeInstanceOf(KeysUnavailableError);
    } finally {
      idp.available = true;
    }
    await expect(cold(token)).resolves.toMatchObject({ sub: 'alice' });
  });
});
