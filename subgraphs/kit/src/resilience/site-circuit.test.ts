import { describe, expect, it } from 'vitest';
import { ProviderAuthError, ProviderBadResponseError, ProviderTimeoutError, ProviderUnavailableError } from '../errors.js';
import { DEFAULT_SITE_CIRCUIT, SiteCircuitOpenError, siteCircuitSettings, verdictOf } from './site-circuit.js';

describe('siteCircuitSettings', () => {
  it('takes each field from the site\'s registry entry, else the subgraph\'s defaults, else the kit\'s', () => {
    expect(siteCircuitSettings({})).toEqual(DEFAULT_SITE_CIRCUIT);
    expect(siteCircuitSettings({}, { openMs: 100, minimumCalls: 2 })).toEqual({ ...DEFAULT_SITE_CIRCUIT, openMs: 100, minimumCalls: 2 });
    expect(siteCircuitSettings({ circuit: { openMs: 30_000 } }, { openMs: 100, minimumCalls: 2 })).toEqual({ ...DEFAULT_SITE_CIRCUIT, openMs: 30_000, minimumCalls: 2 });
  });

  it('is off for a site that turns it off, and for every site when the subgraph turns circuits off', () => {
    expect(siteCircuitSettings({ circuit: { enabled: false } }, { openMs: 100 })).toBeUndefined();
    expect(siteCircuitSettings({ circuit: { enabled: true, openMs: 30_000 } }, false)).toBeUndefined();
    expect(siteCircuitSettings({ circuit: { enabled: true } })).toEqual(DEFAULT_SITE_CIRCUIT);
  });
});

describe('verdictOf', () => {
  it('counts an unreachable site, and a timeout only when the budget was the site\'s own deadline', () => {
    expect(verdictOf(new ProviderUnavailableError(), 100, 5_000)).toBe('failure');
    expect(verdictOf(new ProviderTimeoutError(), 5_000, 5_000)).toBe('failure');
    // A retrieve's budget is longer than the site's deadline: running out of it is the site's fault too.
    expect(verdictOf(new ProviderTimeoutError(), 600_000, 5_000)).toBe('failure');
    // A client that asked for less than the site's deadline learns nothing about the site.
    expect(verdictOf(new ProviderTimeoutError(), 100, 5_000)).toBe('release');
  });

  it('takes any other failure as an answer: the site is there', () => {
    expect(verdictOf(new ProviderBadResponseError(), 5_000, 5_000)).toBe('success');
    expect(verdictOf(new ProviderAuthError(), 5_000, 5_000)).toBe('success');
  });
});

describe('SiteCircuitOpenError', () => {
  it('is PROVIDER_UNAVAILABLE, saying when the next try is, in whole seconds', () => {
    const error = new SiteCircuitOpenError(4_200);
    expect(error.code).toBe('PROVIDER_UNAVAILABLE');
    expect(error.message).toContain('next try in 5 s');
    expect(new SiteCircuitOpenError(0).message).toContain('next try in 1 s');
  });
});
