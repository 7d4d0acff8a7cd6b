import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, exportSPKI, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose';

/**
 * A stand-in OIDC identity provider for tests: a real HTTP server publishing a JWKS (as
 * Life Science AAI publishes its keys), and a signer for tokens in its name, with the
 * knobs tests need (audience, issuer, expiry, an unpublished key, an outage).
 */
export interface TestIdentityProvider {
  readonly issuer: string;
  readonly audience: string;
  readonly jwksUrl: string;
  /** SPKI PEM of the published key, for the public-key-file configuration. */
  readonly publicKeyPem: string;
  /** The JWKS document as served. */
  readonly jwks: { keys: JWK[] };
  /** How many times the JWKS was fetched. */
  readonly jwksFetches: number;
  /** While false the JWKS endpoint answers 503. */
  available: boolean;
  sign(claims?: Record<string, unknown>, options?: SignOptions): Promise<string>;
  close(): Promise<void>;
}

export interface SignOptions {
  /** Seconds from now; negative for an expired token. @default 300 */
  readonly expiresIn?: number;
  /** Leave `exp` out. */
  readonly noExpiry?: boolean;
  readonly audience?: string;
  readonly issuer?: string;
  /** @default 'alice' */
  readonly sub?: string;
  /** Sign with a key the JWKS does not publish (its own kid). */
  readonly unpublishedKey?: boolean;
  /** Seconds from now before which the token is not valid. */
  readonly notBefore?: number;
}

export interface StartTestIdentityProviderOptions {
  /** @default 'cancer-imaging-graph-test' */
  readonly audience?: string;
  /** @default 'RS256' */
  readonly algorithm?: 'RS256' | 'ES256' | 'EdDSA';
}

export async function startTestIdentityProvider(options: StartTestIdentityProviderOptions = {}): Promise<TestIdentityProvider> {
  const algorithm = options.algorithm ?? 'RS256';
  const audience = options.audience ?? 'cancer-imaging-graph-test';
  const published = await generateKeyPair(algorithm, { extractable: true });
  const unpublished = await generateKeyPair(algorithm, { extractable: true });
  const kid = 'test-key-1';
  const jwks = { keys: [{ ...(await exportJWK(published.publicKey)), kid, alg: algorithm, use: 'sig' }] };
  let fetches = 0;
  let available = true;

  const server: Server = createServer((req, res) => {
    if (req.url !== '/jwks') {
      res.writeHead(404).end();
      return;
    }
    fetches += 1;
    if (!available) {
      res.writeHead(503, { 'content-type': 'text/plain' }).end('down');
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(jwks));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const issuer = `${base}/`;

  return {
    issuer,
    audience,
    jwksUrl: `${base}/jwks`,
    publicKeyPem: await exportSPKI(published.publicKey),
    jwks,
    get jwksFetches() {
      return fetches;
    },
    get available() {
      return available;
    },
    set available(value: boolean) {
      available = value;
    },
    async sign(claims = {}, signOptions = {}) {
      const now = Math.floor(Date.now() / 1000);
      let builder = new SignJWT({ ...claims })
        .setProtectedHeader({ alg: algorithm, kid: signOptions.unpublishedKey ? 'unpublished-key' : kid, typ: 'JWT' })
        .setIssuer(signOptions.issuer ?? issuer)
        .setAudience(signOptions.audience ?? audience)
        .setSubject(signOptions.sub ?? 'alice')
        .setIssuedAt(now);
      if (!signOptions.noExpiry) builder = builder.setExpirationTime(now + (signOptions.expiresIn ?? 300));
      if (signOptions.notBefore !== undefined) builder = builder.setNotBefore(now + signOptions.notBefore);
      const key: CryptoKey = signOptions.unpublishedKey ? unpublished.privateKey : published.privateKey;
      return builder.sign(key);
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** The token with its payload changed (claims merged in) and the original signature kept. */
export function tamperToken(token: string, claims: Record<string, unknown>): string {
  const [header, payload, signature] = token.split('.');
  const decoded = JSON.parse(Buffer.from(payload ?? '', 'base64url').toString('utf8')) as Record<string, unknown>;
  return [header, Buffer.from(JSON.stringify({ ...decoded, ...claims })).toString('base64url'), signature].join('.');
}

/** An unsigned token (`alg: none`), the oldest trick against JWT libraries. */
export function unsignedToken(claims: Record<string, unknown>): string {
  const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${encode({ alg: 'none', typ: 'JWT' })}.${encode(claims)}.`;
}
