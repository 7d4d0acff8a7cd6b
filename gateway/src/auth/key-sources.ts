import { createPublicKey, type KeyObject } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createLocalJWKSet, createRemoteJWKSet, type JSONWebKeySet, type JWK, type JWTVerifyGetKey } from 'jose';

/** What jwtVerify checks a signature with: a key resolver (JWKS) or one public key. */
export type VerificationKey = JWTVerifyGetKey | KeyObject;

export interface RemoteKeysOptions {
  /** Abort a JWKS fetch after this. @default 5000 */
  readonly timeoutMs?: number;
  /** Refetch keys this old, so a rotated key is picked up. @default 600000 (10 min) */
  readonly cacheMaxAgeMs?: number;
  /** Least time between fetches triggered by an unknown `kid`, so junk tokens cannot hammer the IdP. @default 30000 */
  readonly cooldownMs?: number;
}

/**
 * The identity provider's JWKS: fetched on first use, cached, refetched when a token names
 * an unknown key (after the cooldown) or the cache is old (jose's createRemoteJWKSet).
 */
export function remoteKeys(url: string, options: RemoteKeysOptions = {}): VerificationKey {
  return createRemoteJWKSet(new URL(url), {
    timeoutDuration: options.timeoutMs ?? 5_000,
    cacheMaxAge: options.cacheMaxAgeMs ?? 600_000,
    cooldownDuration: options.cooldownMs ?? 30_000,
  });
}

function isJwks(value: unknown): value is JSONWebKeySet {
  return typeof value === 'object' && value !== null && Array.isArray((value as { keys?: unknown }).keys);
}

/** Only public asymmetric keys may verify client tokens: a shared secret here would let anyone holding it mint tokens. */
function publicOnly(jwk: JWK): JWK {
  if (jwk.kty === 'oct') throw new Error('A symmetric (oct) key cannot verify client tokens; configure the public key.');
  const { d: _d, p: _p, q: _q, dp: _dp, dq: _dq, qi: _qi, oth: _oth, ...rest } = jwk as JWK & { oth?: unknown };
  return rest;
}

/**
 * Parses a configured public key: PEM (SPKI public key or X.509 certificate), one JWK, or
 * a JWKS (`{"keys": [...]}`) as an OIDC provider publishes it. Private parts are dropped.
 */
export function parsePublicKey(text: string): VerificationKey {
  const trimmed = text.trim();
  if (trimmed.startsWith('-----BEGIN')) {
    if (/PRIVATE KEY/.test(trimmed.split('\n')[0] ?? '')) {
      throw new Error('The configured key file holds a private key; give the gateway the public key only.');
    }
    return createPublicKey(trimmed);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(trimmed);
  } catch {
    throw new Error('The configured key file is neither PEM nor JSON (JWK or JWKS).');
  }
  if (isJwks(parsed)) return createLocalJWKSet({ keys: parsed.keys.map(publicOnly) });
  if (typeof parsed === 'object' && parsed !== null && typeof (parsed as JWK).kty === 'string') {
    return createLocalJWKSet({ keys: [publicOnly(parsed as JWK)] });
  }
  throw new Error('The configured key file is JSON but neither a JWK nor a JWKS.');
}

/** Reads and parses CIG_GATEWAY_AUTH_PUBLIC_KEY_FILE (start-up I/O; errors name the file). */
export async function loadPublicKeyFile(path: string): Promise<VerificationKey> {
  const text = await readFile(path, 'utf8');
  try {
    return parsePublicKey(text);
  } catch (error) {
    throw new Error(`${path}: ${(error as Error).message}`, { cause: error });
  }
}
