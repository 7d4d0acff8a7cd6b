import { createLocalJWKSet } from 'jose';
import type { GatewayConfig } from '../config.js';
import { DEV_TOKEN_ALGORITHM, DEV_TOKEN_ISSUER, loadDevKeyPair } from './dev-keys.js';
import { loadPublicKeyFile, remoteKeys } from './key-sources.js';
import type { TrustedIssuer } from './token-verifier.js';

/**
 * The issuers whose tokens this gateway accepts: the configured identity provider, and in
 * development the local development key as well (created on first use). In production the
 * development key is never read, whatever is on disk.
 */
export async function loadTrustedIssuers(config: Pick<GatewayConfig, 'env' | 'auth'>): Promise<TrustedIssuer[]> {
  const { auth } = config;
  const issuers: TrustedIssuer[] = [];
  if (auth.issuer) {
    const { jwksUrl, publicKeyFile } = auth.issuer;
    const key = jwksUrl !== undefined ? remoteKeys(jwksUrl) : publicKeyFile !== undefined ? await loadPublicKeyFile(publicKeyFile) : undefined;
    // config.ts refuses an issuer without a key source; this keeps the types honest.
    if (!key) throw new Error('The configured token issuer has neither a JWKS URL nor a public key file.');
    issuers.push({
      issuer: auth.issuer.issuer,
      audiences: auth.issuer.audiences,
      key,
      algorithms: auth.algorithms,
      claims: { rolesClaim: auth.rolesClaim, roleMap: auth.roleMap },
    });
  }
  if (config.env === 'development') {
    if (auth.issuer?.issuer === DEV_TOKEN_ISSUER) throw new Error(`CIG_GATEWAY_AUTH_ISSUER must not be "${DEV_TOKEN_ISSUER}", the development issuer.`);
    const pair = await loadDevKeyPair(auth.devKeysDir);
    issuers.push({
      issuer: DEV_TOKEN_ISSUER,
      audiences: [auth.devAudience],
      // A key set, not the bare key, so a token from an older (deleted) key is "unknown key".
      key: createLocalJWKSet({ keys: [pair.publicJwk] }),
      algorithms: [DEV_TOKEN_ALGORITHM],
      claims: { rolesClaim: 'roles' },
    });
  }
  return issuers;
}
