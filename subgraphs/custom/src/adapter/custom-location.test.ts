import { siteSchema, type SiteConfig } from '@cancer-imaging/provider-kit';
import { describe, expect, it } from 'vitest';
import { CustomSiteConfigError, resolveIndexFile } from './custom-location.js';

const site = (baseUrl: string, options: Record<string, unknown> = {}): SiteConfig => ({
  ...siteSchema.parse({ id: 'site-x', name: 'X', country: 'NL', kind: 'custom', baseUrl, options }),
  privacy: { minCount: 10, roundTo: 10 },
});

describe('resolveIndexFile', () => {
  it('serves a demo: site from the server\'s demo index, or from options.indexPath when given', () => {
    expect(resolveIndexFile(site('demo:'), '/cache/demo-1.sqlite')).toBe('/cache/demo-1.sqlite');
    expect(resolveIndexFile(site('demo:', { indexPath: '/elsewhere/demo.sqlite' }), '/cache/demo-1.sqlite')).toBe('/elsewhere/demo.sqlite');
  });

  it('refuses a demo: site when no demo index was built', () => {
    expect(() => resolveIndexFile(site('demo:'))).toThrow(CustomSiteConfigError);
    expect(() => resolveIndexFile(site('demo:'))).toThrow(/site-x .*ensureDemoIndex/);
  });

  it('reads file: locators in path and URL form', () => {
    expect(resolveIndexFile(site('file:/srv/index.sqlite'))).toBe('/srv/index.sqlite');
    expect(resolveIndexFile(site('file:///srv/my%20index.sqlite'))).toBe('/srv/my index.sqlite');
  });

  it('refuses relative paths, other schemes and unknown options', () => {
    expect(() => resolveIndexFile(site('file:index.sqlite'))).toThrow(/absolute path/);
    expect(() => resolveIndexFile(site('https://repo.example.org'))).toThrow(/demo: or file:/);
    expect(() => resolveIndexFile(site('demo:', { indexpath: '/x' }), '/cache/d.sqlite')).toThrow(/options/);
    expect(() => resolveIndexFile(site('file:/srv/index.sqlite', { indexPath: '/x' }))).toThrow(/only applies to demo:/);
  });
});
