import type { ClaimedGrant, Role } from '@cancer-imaging/provider-kit';
import { SignJWT } from 'jose';
import { DEV_TOKEN_ALGORITHM, DEV_TOKEN_ISSUER, type DevKeyPair } from './dev-keys.js';

export interface DevTokenOptions {
  readonly keyPair: DevKeyPair;
  /** The gateway's development audience (config.auth.devAudience). */
  readonly audience: string;
  readonly sub: string;
  readonly roles: readonly Role[];
  /** Dataset ids granted until `grantsExpireAt` (default: when the token expires). */
  readonly datasetIds?: readonly string[];
  readonly grantsExpireAt?: Date;
  readonly name?: string;
  readonly expiresInSeconds: number;
  /** @default new Date() */
  readonly now?: Date;
}

const UNIT_SECONDS: Readonly<Record<string, number>> = { s: 1, m: 60, h: 3_600, d: 86_400 };
/** A development token lives at most this long: it is a local convenience, not a credential to keep. */
export const MAX_DEV_TOKEN_SECONDS = 30 * 86_400;

/** `90s`, `30m`, `8h`, `2d` (or plain seconds) as seconds; undefined if it is none of those. */
export function parseDuration(text: string): number | undefined {
  const match = /^(\d+)\s*([smhd]?)$/.exec(text.trim());
  if (!match) return undefined;
  const seconds = Number(match[1]) * (UNIT_SECONDS[match[2] || 's'] ?? 1);
  return seconds > 0 ? seconds : undefined;
}

/**
 * A token signed with the local development key, shaped as an identity provider's: `iss`
 * cancer-imaging-dev, the gateway's audience, `sub`, `roles`, optional `grants` and `name`.
 * Only a gateway in development trusts the key.
 */
export async function createDevToken(options: DevTokenOptions): Promise<{ token: string; expiresAt: Date; grants: ClaimedGrant[] }> {
  if (!(options.expiresInSeconds > 0 && options.expiresInSeconds <= MAX_DEV_TOKEN_SECONDS)) {
    throw new RangeError(`A development token lives between 1 second and ${MAX_DEV_TOKEN_SECONDS / 86_400} days.`);
  }
  const now = options.now ?? new Date();
  const issuedAt = Math.floor(now.getTime() / 1000);
  const expiresAt = new Date((issuedAt + options.expiresInSeconds) * 1000);
  const grantsExpireAt = (options.grantsExpireAt ?? expiresAt).toISOString();
  const grants = (options.datasetIds ?? []).map((datasetId) => ({ datasetId, expiresAt: grantsExpireAt }));
  const token = await new SignJWT({
    roles: [...options.roles],
    ...(grants.length > 0 && { grants }),
    ...(options.name && { name: options.name }),
  })
    .setProtectedHeader({ alg: DEV_TOKEN_ALGORITHM, kid: options.keyPair.kid, typ: 'JWT' })
    .setIssuer(DEV_TOKEN_ISSUER)
    .setAudience(options.audience)
    .setSubject(options.sub)
    .setIssuedAt(issuedAt)
    .setExpirationTime(issuedAt + options.expiresInSeconds)
    .sign(options.keyPair.privateKey);
  return { token, expiresAt, grants };
}
