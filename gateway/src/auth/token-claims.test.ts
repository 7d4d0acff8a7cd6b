import { describe, expect, it } from 'vitest';
import { claimAt, MAX_TOKEN_GRANTS, toCallerClaims, toGrants, toRoles, UnusableClaimError } from './token-claims.js';

describe('claimAt', () => {
  it('reads a plain claim, a URL-named claim with dots, and a dotted path into nested claims', () => {
    const payload = { roles: ['a'], 'https://cig.example/roles': ['b'], realm_access: { roles: ['c'] } };
    expect(claimAt(payload, 'roles')).toEqual(['a']);
    expect(claimAt(payload, 'https://cig.example/roles')).toEqual(['b']);
    expect(claimAt(payload, 'realm_access.roles')).toEqual(['c']);
    expect(claimAt(payload, 'realm_access.missing')).toBeUndefined();
    expect(claimAt({ realm_access: ['not', 'an', 'object'] }, 'realm_access.roles')).toBeUndefined();
  });
});

describe('toRoles', () => {
  it('keeps the graph roles from a list or a space/comma separated string and drops the rest', () => {
    expect(toRoles(['researcher', 'admin', 'committee', 'researcher'])).toEqual(['researcher', 'committee']);
    expect(toRoles('researcher provider-admin,offline_access')).toEqual(['researcher', 'provider-admin']);
    expect(toRoles(42)).toEqual([]);
    expect(toRoles(undefined)).toEqual([]);
  });

  it('maps issuer role names before filtering', () => {
    expect(toRoles(['urn:x:dac', 'researcher', 'urn:x:other'], { 'urn:x:dac': 'committee', 'urn:x:other': 'superuser' })).toEqual(['committee', 'researcher']);
  });
});

describe('toGrants', () => {
  it('keeps well-formed grants, normalising ISO strings and NumericDate seconds to ISO instants', () => {
    expect(toGrants([
      { datasetId: 'site:custom:a', expiresAt: '2030-01-01T00:00:00Z' },
      { datasetId: 'site:custom:b', expiresAt: 1_893_456_000 },
      { datasetId: '', expiresAt: '2030-01-01T00:00:00Z' },
      { datasetId: 'site:custom:c', expiresAt: 'soon' },
      'site:custom:d',
      null,
    ])).toEqual([
      { datasetId: 'site:custom:a', expiresAt: '2030-01-01T00:00:00.000Z' },
      { datasetId: 'site:custom:b', expiresAt: '2030-01-01T00:00:00.000Z' },
    ]);
    expect(toGrants(undefined)).toEqual([]);
  });

  it('refuses a grants claim that is not a list or carries more grants than a header can hold', () => {
    expect(() => toGrants({ datasetId: 'x' })).toThrow(UnusableClaimError);
    const many = Array.from({ length: MAX_TOKEN_GRANTS + 1 }, (_, i) => ({ datasetId: `d${i}`, expiresAt: '2030-01-01T00:00:00Z' }));
    expect(() => toGrants(many)).toThrow(/more than 64 grants/);
  });
});

describe('toCallerClaims', () => {
  it('builds sub, roles from the configured claim, grants and name', () => {
    expect(toCallerClaims(
      { sub: 'alice@lifescience-ri.eu', realm_access: { roles: ['researcher'] }, grants: [{ datasetId: 'd', expiresAt: '2030-01-01T00:00:00Z' }], preferred_username: 'alice' },
      { rolesClaim: 'realm_access.roles' },
    )).toEqual({ sub: 'alice@lifescience-ri.eu', roles: ['researcher'], grants: [{ datasetId: 'd', expiresAt: '2030-01-01T00:00:00.000Z' }], name: 'alice' });
    expect(toCallerClaims({ sub: 'bob' })).toEqual({ sub: 'bob', roles: [], grants: [] });
  });

  it('refuses a token without a usable subject', () => {
    expect(() => toCallerClaims({})).toThrow(/no subject/);
    expect(() => toCallerClaims({ sub: '  ' })).toThrow(/no subject/);
    expect(() => toCallerClaims({ sub: 'x'.repeat(256) })).toThrow(/too long/);
  });
});
