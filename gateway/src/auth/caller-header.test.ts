import { verifyCallerClaims, type CallerClaims } from '@cancer-imaging/provider-kit';
import { describe, expect, it } from 'vitest';
import { createCallerHeaderSigner } from './caller-header.js';

const SECRET = 'a-test-secret-of-at-least-32-characters!';
const caller: CallerClaims = { sub: 'alice', roles: ['researcher'], grants: [{ datasetId: 'demo-nl:custom:a', expiresAt: '2030-01-01T00:00:00.000Z' }], name: 'Alice' };

describe('createCallerHeaderSigner', () => {
  it('signs the caller so that the kit verifies it with the same secret, and only with it', async () => {
    const header = await createCallerHeaderSigner(SECRET)(caller);
    expect(await verifyCallerClaims(header, SECRET)).toEqual(caller);
    expect(await verifyCallerClaims(header, `${SECRET}-other`)).toBeNull();
  });

  it('signs once per request caller and again once the signature is old', async () => {
    let now = Date.parse('2030-01-01T00:00:00Z');
    const sign = createCallerHeaderSigner(SECRET, () => now);
    const pending = sign(caller);
    // The same promise: one signature shared by every subgraph call of the request.
    expect(sign(caller)).toBe(pending);
    expect(sign({ ...caller })).not.toBe(pending);
    const first = await pending;
    now += 25_000;
    const renewed = await sign(caller);
    expect(renewed).not.toBe(first);
    expect(await verifyCallerClaims(renewed, SECRET, new Date(now))).toEqual(caller);
  });

  it('refuses a secret shorter than the kit accepts', async () => {
    await expect(createCallerHeaderSigner('short')(caller)).rejects.toThrow(/at least 32/);
  });
});
