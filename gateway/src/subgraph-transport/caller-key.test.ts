import type { CallerClaims } from '@cancer-imaging/provider-kit';
import { describe, expect, it } from 'vitest';
import { toCallerKey } from './caller-key.js';

const grant = (datasetId: string, expiresAt = '2030-01-01T00:00:00.000Z') => ({ datasetId, expiresAt });

describe('toCallerKey', () => {
  it('is the same for the same claims in any order, whatever the display name', () => {
    const a: CallerClaims = { sub: 'alice', roles: ['researcher', 'committee'], grants: [grant('d1'), grant('d2')], name: 'Alice' };
    const b: CallerClaims = { sub: 'alice', roles: ['committee', 'researcher'], grants: [grant('d2'), grant('d1')] };
    expect(toCallerKey(a)).toBe(toCallerKey(b));
    expect(toCallerKey(a)).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it('differs when the subject, a role, a grant or its expiry differs', () => {
    const base: CallerClaims = { sub: 'alice', roles: ['researcher'], grants: [grant('d1')] };
    const keys = [
      base,
      { ...base, sub: 'bob' },
      { ...base, roles: [] },
      { ...base, grants: [] },
      { ...base, grants: [grant('d1', '2031-01-01T00:00:00.000Z')] },
      { ...base, grants: [grant('d1'), grant('d2')] },
    ].map((claims) => toCallerKey(claims as CallerClaims));
    expect(new Set(keys).size).toBe(keys.length);
  });
});
