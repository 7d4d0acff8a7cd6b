import { SignJWT } from 'jose';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import type { GrantRecord } from '../store/types.js';
import { CALLER_HEADER, INTERNAL_AUDIENCE, INTERNAL_ISSUER, signCallerClaims, type CallerClaims } from './internal-claims.js';
import { createCallerResolver } from './resolve-caller.js';

const SECRET = 'resolve-caller-test-secret-0123456789abcdef';
const NOW = new Date('2030-01-01T12:00:00Z');
const claims: CallerClaims = {
  sub: 'researcher-1', roles: ['researcher'], name: 'Dr R',
  grants: [{ datasetId: 'site:custom:claimed', expiresAt: '2030-06-01T00:00:00Z' }],
};

const headers = (value?: string) => new Map(value === undefined ? [] : [[CALLER_HEADER, value]]);

function grantRecord(datasetId: string): GrantRecord {
  return { id: `g-${datasetId}`, datasetId, granteeId: 'researcher-1', expiresAt: new Date('2030-02-01T00:00:00Z'), grantedBy: 'committee-1', createdAt: NOW };
}

/** A store whose activeGrants counts its calls and can be made to fail. */
function fakeStore(datasets: string[]) {
  const store = {
    calls: 0,
    failing: false,
    async activeGrants(granteeId: string) {
      store.calls++;
      if (store.failing) throw new Error('database is locked');
      return granteeId === 'researcher-1' ? datasets.map(grantRecord) : [];
    },
  };
  return store;
}

describe('createCallerResolver', () => {
  it('resolves a verified header to the caller with its id, roles, name and claimed grants', async () => {
    const resolve = createCallerResolver({ secret: SECRET, now: () => NOW });
    const caller = await resolve(headers(await signCallerClaims(claims, SECRET, NOW)));
    expect(caller).toEqual({
      id: 'researcher-1', roles: ['researcher'], name: 'Dr R',
      grants: [{ datasetId: 'site:custom:claimed', expiresAt: new Date('2030-06-01T00:00:00Z') }],
    });
  });

  it('adds the store\'s active grants to the claimed ones', async () => {
    const store = fakeStore(['site:custom:stored']);
    const resolve = createCallerResolver({ secret: SECRET, store, now: () => NOW });
    const caller = await resolve(headers(await signCallerClaims(claims, SECRET, NOW)));
    expect(caller.grants.map((g) => g.datasetId)).toEqual(['site:custom:claimed', 'site:custom:stored']);
  });

  it('keeps an expired claimed grant as it is, for the policy to refuse against the request\'s clock', async () => {
    const resolve = createCallerResolver({ secret: SECRET, now: () => NOW });
    const expired = { ...claims, grants: [{ datasetId: 'site:custom:old', expiresAt: '2029-01-01T00:00:00Z' }] };
    const caller = await resolve(headers(await signCallerClaims(expired, SECRET, NOW)));
    expect(caller.grants).toEqual([{ datasetId: 'site:custom:old', expiresAt: new Date('2029-01-01T00:00:00Z') }]);
  });

  it.each([
    ['no header', async () => undefined],
    ['an empty header', async () => ''],
    ['garbage', async () => 'not.a.jwt'],
    ['a header signed with another secret', () => signCallerClaims(claims, 'another-secret-of-enough-length-0123456789', NOW)],
    ['an expired header', () => signCallerClaims(claims, SECRET, new Date(NOW.getTime() - 10 * 60_000))],
    ['a header for another audience', () => new SignJWT({ roles: ['researcher'], grants: [] }).setProtectedHeader({ alg: 'HS256' }).setSubject('researcher-1')
      .setIssuer(INTERNAL_ISSUER).setAudience('someone-else').setIssuedAt(Math.floor(NOW.getTime() / 1000)).setExpirationTime('1m').sign(new TextEncoder().encode(SECRET))],
    ['a header from another issuer', () => new SignJWT({ roles: ['researcher'], grants: [] }).setProtectedHeader({ alg: 'HS256' }).setSubject('researcher-1')
      .setIssuer('not-the-gateway').setAudience(INTERNAL_AUDIENCE).setIssuedAt(Math.floor(NOW.getTime() / 1000)).setExpirationTime('1m').sign(new TextEncoder().encode(SECRET))],
  ])('makes a caller with %s anonymous, without asking the store', async (_name, token) => {
    const store = fakeStore(['site:custom:stored']);
    const resolve = createCallerResolver({ secret: SECRET, store, now: () => NOW });
    const caller = await resolve(headers(await token()));
    expect(caller).toEqual({ roles: [], grants: [] });
    expect(caller.id).toBeUndefined();
    expect(store.calls).toBe(0);
  });

  it('looks a caller\'s stored grants up once for a request\'s fan-out, and again after the cache time', async () => {
    const store = fakeStore(['site:custom:stored']);
    let now = NOW;
    const resolve = createCallerResolver({ secret: SECRET, store, grantCacheMs: 5_000, now: () => now });
    const header = headers(await signCallerClaims(claims, SECRET, NOW));
    await Promise.all([resolve(header), resolve(header), resolve(header)]);
    expect(store.calls).toBe(1);
    now = new Date(NOW.getTime() + 4_000);
    await resolve(header);
    expect(store.calls).toBe(1);
    now = new Date(NOW.getTime() + 5_001);
    await resolve(header);
    expect(store.calls).toBe(2);
  });

  it('on a store failure gives only the claimed grants, warns, and retries on the next request', async () => {
    const store = fakeStore(['site:custom:stored']);
    store.failing = true;
    const warnings: string[] = [];
    const logger = pino({ level: 'warn' }, { write: (line: string) => { warnings.push((JSON.parse(line) as { msg: string }).msg); } });
    const resolve = createCallerResolver({ secret: SECRET, store, logger, now: () => NOW });
    const header = headers(await signCallerClaims(claims, SECRET, NOW));
    const caller = await resolve(header);
    expect(caller.id).toBe('researcher-1');
    expect(caller.grants.map((g) => g.datasetId)).toEqual(['site:custom:claimed']);
    expect(warnings).toEqual(['grant lookup failed; only the grants the token claims apply']);
    store.failing = false;
    expect((await resolve(header)).grants.map((g) => g.datasetId)).toEqual(['site:custom:claimed', 'site:custom:stored']);
    expect(store.calls).toBe(2);
  });

  it('refuses a secret shorter than 256 bits when it is built, not on every request', () => {
    expect(() => createCallerResolver({ secret: 'short' })).toThrow(RangeError);
  });
});
