import { describe, expect, it } from 'vitest';
import { parseGraphId, pseudonymise, toGraphId } from './ids.js';

describe('graph ids', () => {
  it('round-trips site, kind and a local id that contains colons', () => {
    expect(parseGraphId(toGraphId('demo-nl', 'custom', 'a:b'))).toEqual({ siteId: 'demo-nl', kind: 'custom', localId: 'a:b' });
  });

  it('refuses ids without three parts', () => {
    for (const bad of ['', 'a', 'a:b', ':b:c', 'a::c', 'a:b:']) expect(parseGraphId(bad)).toBeUndefined();
  });
});

describe('pseudonymise', () => {
  it('is stable per site and secret, differs across sites and secrets, and never contains the patient id', () => {
    const a = pseudonymise('secret-one-0123456', 'site-a', 'PAT00042');
    expect(pseudonymise('secret-one-0123456', 'site-a', 'PAT00042')).toBe(a);
    expect(pseudonymise('secret-one-0123456', 'site-b', 'PAT00042')).not.toBe(a);
    expect(pseudonymise('secret-two-0123456', 'site-a', 'PAT00042')).not.toBe(a);
    expect(a).not.toContain('PAT00042');
  });
});
