import { describe, expect, it } from 'vitest';
import { loadProviderProcessConfig } from './provider-process.js';

const defaults = { port: 4010, registryPath: '/etc/cig/registry.yaml' };

describe('loadProviderProcessConfig', () => {
  it('reads the kind\'s own CIG_<KIND>_* variables and the shared ones', () => {
    const config = loadProviderProcessConfig('my-pacs', { CIG_MY_PACS_PORT: '5000', CIG_MY_PACS_PSEUDONYM_SECRET: 'a-secret-of-enough-length', CIG_REGISTRY: '/r.yaml', CIG_LOG_LEVEL: 'warn' }, defaults);
    expect(config).toMatchObject({ kind: 'my-pacs', port: 5000, host: '127.0.0.1', registryPath: '/r.yaml', pseudonymSecret: 'a-secret-of-enough-length', logLevel: 'warn' });
  });

  it('falls back to the defaults and a development secret outside production', () => {
    const config = loadProviderProcessConfig('xnat', {}, defaults);
    expect(config.port).toBe(4010);
    expect(config.registryPath).toBe('/etc/cig/registry.yaml');
    expect(config.pseudonymSecret.length).toBeGreaterThanOrEqual(16);
  });

  it('refuses to run in production without a pseudonym secret', () => {
    expect(() => loadProviderProcessConfig('xnat', { CIG_XNAT_ENV: 'production' }, defaults)).toThrow(/CIG_XNAT_PSEUDONYM_SECRET/);
  });

  it('refuses a port that is not a port', () => {
    expect(() => loadProviderProcessConfig('xnat', { CIG_XNAT_PORT: 'http' }, defaults)).toThrow();
  });
});
