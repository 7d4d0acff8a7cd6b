import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadGatewayConfig } from '../config.js';
import { startTestIdentityProvider, type TestIdentityProvider } from '../testing/identity-provider.js';
import { DEV_TOKEN_ISSUER, loadDevKeyPair } from './dev-keys.js';
import { createDevToken } from './dev-token.js';
import { createTokenVerifier, InvalidTokenError } from './token-verifier.js';
import { loadTrustedIssuers } from './trusted-issuers.js';

let idp: TestIdentityProvider;
let dir: string;
let keysDir: string;

beforeAll(async () => {
  idp = await startTestIdentityProvider({ algorithm: 'ES256' });
  dir = await mkdtemp(join(tmpdir(), 'cig-issuers-'));
  keysDir = join(dir, 'dev-keys');
});
afterAll(async () => {
  await idp?.close();
  await rm(dir, { recursive: true, force: true });
});

function env(extra: Record<string, string>) {
  return {
    CIG_GATEWAY_AUTH_ISSUER: idp.issuer,
    CIG_GATEWAY_AUTH_AUDIENCE: idp.audience,
    CIG_GATEWAY_DEV_KEYS_DIR: keysDir,
    CIG_INTERNAL_SECRET: 'x'.repeat(32),
    ...extra,
  };
}

async function devToken(audience: string): Promise<string> {
  const keyPair = await loadDevKeyPair(keysDir);
  return (await createDevToken({ keyPair, audience, sub: 'dev', roles: ['committee'], expiresInSeconds: 60 })).token;
}

describe('loadTrustedIssuers', () => {
  it('trusts the configured issuer from a public key file, and the development key in development', async () => {
    const keyFile = join(dir, 'idp.pem');
    await writeFile(keyFile, idp.publicKeyPem);
    const config = loadGatewayConfig(env({ CIG_GATEWAY_AUTH_PUBLIC_KEY_FILE: keyFile, CIG_GATEWAY_ENV: 'development' }));
    const issuers = await loadTrustedIssuers(config);
    expect(issuers.map((issuer) => issuer.issuer)).toEqual([idp.issuer, DEV_TOKEN_ISSUER]);
    const verify = createTokenVerifier({ issuers, clockSkewSeconds: 0 });
    expect(await verify(await idp.sign({ roles: ['researcher'] }))).toMatchObject({ sub: 'alice', roles: ['researcher'] });
    // Development tokens carry the configured audience.
    expect(await verify(await devToken(idp.audience))).toMatchObject({ sub: 'dev', roles: ['committee'] });
  });

  it('never trusts the development key in production, even with the key on disk', async () => {
    await loadDevKeyPair(keysDir);
    const config = loadGatewayConfig(env({ CIG_GATEWAY_AUTH_JWKS_URL: idp.jwksUrl, CIG_GATEWAY_ENV: 'production' }));
    const issuers = await loadTrustedIssuers(config);
    expect(issuers.map((issuer) => issuer.issuer)).toEqual([idp.issuer]);
    const refused = await createTokenVerifier({ issuers, clockSkewSeconds: 0 })(await devToken(idp.audience)).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(InvalidTokenError);
    expect((refused as InvalidTokenError).reason).toBe('issuer');
  });

  it('trusts nothing when no issuer is configured in production', async () => {
    expect(await loadTrustedIssuers(loadGatewayConfig({}))).toEqual([]);
  });

  it('gives development tokens a default audience when none is configured, and refuses other audiences', async () => {
    const issuers = await loadTrustedIssuers(loadGatewayConfig({ CIG_GATEWAY_ENV: 'development', CIG_GATEWAY_DEV_KEYS_DIR: keysDir }));
    const verify = createTokenVerifier({ issuers, clockSkewSeconds: 0 });
    expect(await verify(await devToken('cancer-imaging-graph'))).toMatchObject({ sub: 'dev' });
    await expect(verify(await devToken('somewhere-else'))).rejects.toMatchObject({ reason: 'audience' });
  });
});
