import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLocalJWKSet, jwtVerify } from 'jose';
import { afterEach, describe, expect, it } from 'vitest';
import { DEV_KEY_FILE, DEV_TOKEN_ISSUER, loadDevKeyPair } from './dev-keys.js';
import { createDevToken, MAX_DEV_TOKEN_SECONDS, parseDuration } from './dev-token.js';

const dirs: string[] = [];
async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'cig-dev-keys-'));
  dirs.push(dir);
  return join(dir, 'nested', 'dev-keys');
}
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

describe('loadDevKeyPair', () => {
  it('makes a P-256 key once, readable by its owner only, and returns the same key afterwards', async () => {
    const dir = await tempDir();
    const first = await loadDevKeyPair(dir);
    const again = await loadDevKeyPair(dir);
    expect(again.kid).toBe(first.kid);
    expect(first.publicJwk).toMatchObject({ kty: 'EC', crv: 'P-256', kid: first.kid, alg: 'ES256' });
    expect(first.publicJwk).not.toHaveProperty('d');
    expect((await stat(join(dir, DEV_KEY_FILE))).mode & 0o777).toBe(0o600);
    expect(JSON.parse(await readFile(join(dir, DEV_KEY_FILE), 'utf8'))).toHaveProperty('d');
  });

  it('gives every concurrent first caller the one key that landed on disk', async () => {
    const dir = await tempDir();
    const pairs = await Promise.all(Array.from({ length: 8 }, () => loadDevKeyPair(dir)));
    expect(new Set(pairs.map((pair) => pair.kid)).size).toBe(1);
  });
});

describe('createDevToken', () => {
  it('signs an issuer-shaped token the development public key verifies', async () => {
    const keyPair = await loadDevKeyPair(await tempDir());
    const now = new Date('2030-01-01T00:00:00Z');
    const { token, expiresAt, grants } = await createDevToken({
      keyPair, audience: 'cancer-imaging-graph', sub: 'alice', roles: ['researcher'], datasetIds: ['demo-nl:custom:a'], name: 'Alice', expiresInSeconds: 3_600, now,
    });
    expect(expiresAt.toISOString()).toBe('2030-01-01T01:00:00.000Z');
    expect(grants).toEqual([{ datasetId: 'demo-nl:custom:a', expiresAt: '2030-01-01T01:00:00.000Z' }]);
    const { payload, protectedHeader } = await jwtVerify(token, createLocalJWKSet({ keys: [keyPair.publicJwk] }), {
      issuer: DEV_TOKEN_ISSUER, audience: 'cancer-imaging-graph', currentDate: now, algorithms: ['ES256'],
    });
    expect(protectedHeader).toMatchObject({ alg: 'ES256', kid: keyPair.kid });
    expect(payload).toMatchObject({ sub: 'alice', roles: ['researcher'], grants, name: 'Alice', exp: Date.parse('2030-01-01T01:00:00Z') / 1000 });
  });

  it('refuses a lifetime beyond 30 days', async () => {
    const keyPair = await loadDevKeyPair(await tempDir());
    await expect(createDevToken({ keyPair, audience: 'a', sub: 's', roles: [], expiresInSeconds: MAX_DEV_TOKEN_SECONDS + 1 })).rejects.toThrow(RangeError);
  });
});

describe('parseDuration', () => {
  it('reads seconds, minutes, hours and days, and nothing else', () => {
    expect(parseDuration('90')).toBe(90);
    expect(parseDuration('90s')).toBe(90);
    expect(parseDuration('30m')).toBe(1_800);
    expect(parseDuration('8h')).toBe(28_800);
    expect(parseDuration('2d')).toBe(172_800);
    for (const bad of ['', '0', '-1h', '1.5h', '8 hours', 'h']) expect(parseDuration(bad), bad).toBeUndefined();
  });
});
