import { describe, expect, it } from 'vitest';
import { parseXnatSiteOptions, XnatOptionsError } from './xnat-options.js';

describe('xnat site options', () => {
  it('default to every readable project, a 60 s snapshot, 6 calls in flight and the search service', () => {
    expect(parseXnatSiteOptions({ id: 's', options: {} })).toEqual({ snapshotTtlMs: 60_000, parallelism: 6, useSearchService: true, extraScanTypes: [], detailCacheSessions: 2_000 });
  });

  it('refuse unknown keys and project ids with path syntax, naming the site', () => {
    expect(() => parseXnatSiteOptions({ id: 'site-x', options: { grouping: 'x' } })).toThrow(XnatOptionsError);
    expect(() => parseXnatSiteOptions({ id: 'site-x', options: { projects: ['../etc'] } })).toThrow(/site-x/);
    expect(() => parseXnatSiteOptions({ id: 'site-x', options: { extraScanTypes: ['xnat:imageSessionData'] } })).toThrow(XnatOptionsError);
    expect(parseXnatSiteOptions({ id: 's', options: { extraScanTypes: ['xnat:otherDicomScanData'] } }).extraScanTypes).toEqual(['xnat:otherDicomScanData']);
  });
});
