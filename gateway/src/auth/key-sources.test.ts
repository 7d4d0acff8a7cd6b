import { generateKeyPairSync } from 'node:crypto';
import { exportJWK, generateKeyPair, SignJWT, jwtVerify, type KeyObject } from 'jose';
import { describe, expect, it } from 'vitest';
import { parsePublicKey } from './key-sources.js';

async function signedBy(privateKey: CryptoKey | KeyObject, alg: string, kid?: string): Promise<string> {
  return new SignJWT({}).setProtectedHeader({ alg, ...(kid && { kid }) }).setSubject('s').sign(privateKey);
}

async function verifies(key: ReturnType<typeof parsePublicKey>, token: string): Promise<boolean> {
  try {
    if (typeof key === 'function') await jwtVerify(token, key);
    else await jwtVerify(token, key);
    return true;
  } catch {
    return false;
  }
}

describe('parsePublicKey', () => {
  it('reads a PEM public key and verifies tokens signed by its private key only', async () => {
    const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const other = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const key = parsePublicKey(publicKey.export({ type: 'spki', format: 'pem' }).toString());
    expect(await verifies(key, await signedBy(privateKey, 'RS256'))).toBe(true);
    expect(await verifies(key, await signedBy(other.privateKey, 'RS256'))).toBe(false);
  });

  it('reads one JWK or a JWKS, matching keys by kid, and drops private parts it is given', async () => {
    const a = await generateKeyPair('ES256', { extractable: true });
    const b = await generateKeyPair('ES256', { extractable: true });
    const jwkA = { ...(await exportJWK(a.privateKey)), kid: 'a', alg: 'ES256' };
    const jwkB = { ...(await exportJWK(b.publicKey)), kid: 'b', alg: 'ES256' };
    const single = parsePublicKey(JSON.stringify(jwkA));
    expect(await verifies(single, await signedBy(a.privateKey, 'ES256', 'a'))).toBe(true);
    const set = parsePublicKey(JSON.stringify({ keys: [jwkA, jwkB] }));
    expect(await verifies(set, await signedBy(b.privateKey, 'ES256', 'b'))).toBe(true);
    expect(await verifies(set, await signedBy(b.privateKey, 'ES256', 'a'))).toBe(false);
  });

  it('refuses a private PEM, a symmetric JWK and text that is no key', () => {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    expect(() => parsePublicKey(privateKey.export({ type: 'pkcs8', format: 'pem' }).toString())).toThrow(/private key/);
    expect(() => parsePublicKey(JSON.stringify({ kty: 'oct', k: 'c2VjcmV0' }))).toThrow(/symmetric/);
    expect(() => parsePublicKey('hello')).toThrow(/neither PEM nor JSON/);
    expect(() => parsePublicKey('{"hello": 1}')).toThrow(/neither a JWK nor a JWKS/);
  });
});
