import { randomBytes } from 'node:crypto';
import { link, mkdir, readFile, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, importJWK, type CryptoKey, type JWK } from 'jose';

/** `iss` of development tokens; trusted only by a gateway in development. */
export const DEV_TOKEN_ISSUER = 'cancer-imaging-dev';
/** Development tokens are ES256: small, and an algorithm every JOSE library verifies. */
export const DEV_TOKEN_ALGORITHM = 'ES256';
/** The private JWK (it holds the public part too), written once with mode 0600. */
export const DEV_KEY_FILE = 'dev-signing-key.jwk.json';

export interface DevKeyPair {
  /** Key id: the JWK thumbprint, stamped in every development token's header. */
  readonly kid: string;
  readonly privateKey: CryptoKey;
  readonly publicKey: CryptoKey;
  readonly publicJwk: JWK;
}

function publicPart(jwk: JWK): JWK {
  const { kty, crv, x, y, kid, alg } = jwk;
  return { kty, crv, x, y, kid, alg, use: 'sig' } as JWK;
}

async function toKeyPair(jwk: JWK): Promise<DevKeyPair> {
  if (jwk.kty !== 'EC' || jwk.crv !== 'P-256' || typeof jwk.d !== 'string' || typeof jwk.kid !== 'string') {
    throw new Error(`The development key file is not a P-256 private JWK with a kid; delete it to make a new one.`);
  }
  const publicJwk = publicPart(jwk);
  return {
    kid: jwk.kid,
    privateKey: (await importJWK(jwk, DEV_TOKEN_ALGORITHM)) as CryptoKey,
    publicKey: (await importJWK(publicJwk, DEV_TOKEN_ALGORITHM)) as CryptoKey,
    publicJwk,
  };
}

async function readKeyFile(file: string): Promise<JWK | undefined> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as JWK;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/**
 * The development key pair in `dir`, made on first use. The gateway (to trust it) and
 * `npm run dev-token` (to sign with it) may both get here first at the same moment: the
 * new key is written to a private temp file and hard-linked into place, which fails if
 * the other won, so both end up with the one key on disk.
 */
export async function loadDevKeyPair(dir: string): Promise<DevKeyPair> {
  const file = join(dir, DEV_KEY_FILE);
  const existing = await readKeyFile(file);
  if (existing) return toKeyPair(existing);

  await mkdir(dir, { recursive: true, mode: 0o700 });
  const { privateKey } = await generateKeyPair(DEV_TOKEN_ALGORITHM, { extractable: true });
  const jwk = await exportJWK(privateKey);
  const kid = await calculateJwkThumbprint(jwk);
  const temp = join(dir, `.${DEV_KEY_FILE}.${randomBytes(6).toString('hex')}`);
  await writeFile(temp, `${JSON.stringify({ ...jwk, kid, alg: DEV_TOKEN_ALGORITHM, use: 'sig' }, null, 2)}\n`, { mode: 0o600 });
  try {
    await link(temp, file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  } finally {
    await unlink(temp).catch(() => undefined);
  }
  const written = await readKeyFile(file);
  if (!written) throw new Error(`Could not create the development key at ${file}.`);
  return toKeyPair(written);
}
