import { HeaderMap } from '@apollo/server';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { CALLER_HEADER, signCallerClaims } from './auth/internal-claims.js';
import { DEFAULT_GRAPH_DATABASE_PATH, loadProviderProcessConfig, openProviderAccess } from './provider-process.js';

const defaults = { port: 4010, registryPath: '/etc/cig/registry.yaml' };
const INTERNAL_SECRET = 'provider-process-internal-secret-0123456789';

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

  it('reads CIG_INTERNAL_SECRET and CIG_DATABASE_URL', () => {
    const config = loadProviderProcessConfig('xnat', { CIG_INTERNAL_SECRET: INTERNAL_SECRET, CIG_DATABASE_URL: 'postgres://db/cig' }, defaults);
    expect(config).toMatchObject({ internalSecret: INTERNAL_SECRET, databaseUrl: 'postgres://db/cig', environment: 'development' });
  });

  it('refuses to run in production without CIG_INTERNAL_SECRET, naming it', () => {
    expect(() => loadProviderProcessConfig('xnat', { CIG_XNAT_ENV: 'production', CIG_XNAT_PSEUDONYM_SECRET: 'a-secret-of-enough-length' }, defaults))
      .toThrow(/CIG_INTERNAL_SECRET must be set in production/);
  });

  it('refuses an internal secret shorter than 32 characters, without echoing it', () => {
    expect(() => loadProviderProcessConfig('xnat', { CIG_INTERNAL_SECRET: 'too-short-secret' }, defaults)).toThrow(/CIG_INTERNAL_SECRET must be at least 32 characters/);
    expect(() => loadProviderProcessConfig('xnat', { CIG_INTERNAL_SECRET: 'too-short-secret' }, defaults)).not.toThrow(/too-short-secret/);
  });
});

describe('loadProviderProcessConfig: metrics', () => {
  it('serves /metrics by default, with no token', () => {
    expect(loadProviderProcessConfig('xnat', {}, defaults).metrics).toEqual({ enabled: true });
  });

  it('reads CIG_<KIND>_METRICS and CIG_<KIND>_METRICS_TOKEN', () => {
    expect(loadProviderProcessConfig('my-pacs', { CIG_MY_PACS_METRICS: 'off' }, defaults).metrics.enabled).toBe(false);
    expect(loadProviderProcessConfig('xnat', { CIG_XNAT_METRICS_TOKEN: 'a-scrape-token-0123' }, defaults).metrics).toEqual({ enabled: true, token: 'a-scrape-token-0123' });
  });

  it('refuses a metrics token under 16 characters, or a flag that is not one, without echoing the token', () => {
    expect(() => loadProviderProcessConfig('xnat', { CIG_XNAT_METRICS_TOKEN: 'short-token' }, defaults)).toThrow(/CIG_XNAT_METRICS_TOKEN must be at least 16 characters/);
    expect(() => loadProviderProcessConfig('xnat', { CIG_XNAT_METRICS_TOKEN: 'short-token' }, defaults)).not.toThrow(/short-token/);
    expect(() => loadProviderProcessConfig('xnat', { CIG_XNAT_METRICS: 'maybe' }, defaults)).toThrow(/must be true or false/);
  });
});

describe('openProviderAccess', () => {
  const logger = pino({ level: 'silent' });
  const base = loadProviderProcessConfig('custom', {}, defaults);

  it('keeps the embedded store under the repository\'s .cache/graph', () => {
    expect(DEFAULT_GRAPH_DATABASE_PATH).toMatch(/\/\.cache\/graph\/graph\.sqlite$/);
    expect(DEFAULT_GRAPH_DATABASE_PATH).not.toContain('/subgraphs/');
  });

  it('opens the store CIG_DATABASE_URL names and verifies callers with the store\'s grants', async () => {
    const access = await openProviderAccess({ ...base, internalSecret: INTERNAL_SECRET, databaseUrl: 'sqlite::memory:' }, logger);
    try {
      const now = new Date();
      await access.store.createGrant({ datasetId: 'site:custom:d1', granteeId: 'researcher-1', expiresAt: new Date(now.getTime() + 60_000), grantedBy: 'committee-1', operationName: 'Grant' }, now);
      const header = await signCallerClaims({ sub: 'researcher-1', roles: ['researcher'], grants: [] }, INTERNAL_SECRET);
      const caller = await access.resolveCaller(new HeaderMap([[CALLER_HEADER, header]]));
      expect(caller.id).toBe('researcher-1');
      expect(caller.grants.map((g) => g.datasetId)).toEqual(['site:custom:d1']);
    } finally {
      await access.store.close();
    }
  });

  it('makes every caller anonymous in development without an internal secret', async () => {
    const access = await openProviderAccess({ ...base, databaseUrl: 'sqlite::memory:' }, logger);
    try {
      const header = await signCallerClaims({ sub: 'researcher-1', roles: ['researcher'], grants: [] }, INTERNAL_SECRET);
      expect((await access.resolveCaller(new HeaderMap([[CALLER_HEADER, header]]))).id).toBeUndefined();
    } finally {
      await access.store.close();
    }
  });

  it('fails with a clear message for a database URL it cannot use', async () => {
    await expect(openProviderAccess({ ...base, databaseUrl: 'mysql://user:pw@db/cig' }, logger)).rejects.toThrow(/Unsupported database URL/);
  });
});
