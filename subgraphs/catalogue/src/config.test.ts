import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, DEFAULT_DATABASE, DEFAULT_REGISTRY, parseCatalogueConfig, REPO_ROOT } from './config.js';

describe('parseCatalogueConfig', () => {
  it('defaults to loopback:4001, the demo registry under the repository root, info logs and the embedded graph store', () => {
    expect(parseCatalogueConfig({})).toEqual({
      port: 4001,
      host: '127.0.0.1',
      registryPath: path.join(REPO_ROOT, DEFAULT_REGISTRY),
      logLevel: 'info',
      defaultDatabasePath: path.join(REPO_ROOT, '.cache', 'graph', 'graph.sqlite'),
      env: 'development',
    });
    expect(DEFAULT_DATABASE).toBe('.cache/graph/graph.sqlite');
  });

  it('requires CIG_INTERNAL_SECRET in production, and the Negotiator settings together', () => {
    expect(() => parseCatalogueConfig({ CIG_CATALOGUE_ENV: 'production' })).toThrow(/CIG_INTERNAL_SECRET is required in production/);
    expect(() => parseCatalogueConfig({ CIG_INTERNAL_SECRET: 'short' })).toThrow(ConfigError);
    const secret = 'x'.repeat(32);
    expect(parseCatalogueConfig({ CIG_CATALOGUE_ENV: 'production', CIG_INTERNAL_SECRET: secret }).internalSecret).toBe(secret);
    expect(() => parseCatalogueConfig({ CIG_CATALOGUE_NEGOTIATOR_URL: 'https://negotiator.example.org' })).toThrow(/together/);
    expect(parseCatalogueConfig({
      CIG_CATALOGUE_NEGOTIATOR_URL: 'https://negotiator.example.org', CIG_CATALOGUE_NEGOTIATOR_USERNAME: 'cig',
      CIG_CATALOGUE_NEGOTIATOR_PASSWORD: 'pw', CIG_CATALOGUE_PUBLIC_URL: 'https://graph.example.org',
    }).negotiator).toEqual({ baseUrl: 'https://negotiator.example.org', username: 'cig', password: 'pw', discoveryServiceUrl: 'https://graph.example.org' });
  });

  it('locates the repository root from its own file, not the working directory', () => {
    const manifest = JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { name?: string };
    expect(manifest.name).toBe('cancer-imaging-graph');
    expect(existsSync(path.join(REPO_ROOT, 'subgraphs', 'catalogue', 'src', 'config.ts'))).toBe(true);
  });

  it('reads every CIG_CATALOGUE_* setting and resolves a relative registry against the root', () => {
    expect(parseCatalogueConfig({
      CIG_CATALOGUE_PORT: '5001', CIG_CATALOGUE_HOST: '0.0.0.0', CIG_REGISTRY: 'config/test/registry.yaml', CIG_LOG_LEVEL: 'debug',
    }, '/srv/cig')).toEqual({ port: 5001, host: '0.0.0.0', registryPath: '/srv/cig/config/test/registry.yaml', logLevel: 'debug', defaultDatabasePath: '/srv/cig/.cache/graph/graph.sqlite', env: 'development' });
  });

  it.each([
    'postgresql://cig:secret@db.internal:5432/cig',
    'postgres://db/cig',
    'sqlite:/var/lib/cig/graph.sqlite',
    'sqlite::memory:',
  ])('takes the graph store from CIG_DATABASE_URL=%s', (url) => {
    expect(parseCatalogueConfig({ CIG_DATABASE_URL: url }).databaseUrl).toBe(url);
  });

  it.each([
    ['mysql://root:hunter2@db/cig', /scheme "mysql:"/],
    ['sqlite:relative/graph.sqlite', /absolute path/],
  ])('refuses CIG_DATABASE_URL=%s with a ConfigError naming the variable, not the password', (url, reason) => {
    expect(() => parseCatalogueConfig({ CIG_DATABASE_URL: url })).toThrow(ConfigError);
    expect(() => parseCatalogueConfig({ CIG_DATABASE_URL: url })).toThrow(/CIG_DATABASE_URL/);
    expect(() => parseCatalogueConfig({ CIG_DATABASE_URL: url })).toThrow(reason);
    expect(() => parseCatalogueConfig({ CIG_DATABASE_URL: url })).not.toThrow(/hunter2/);
  });

  it('no longer reads the former CIG_CATALOGUE_DATABASE', () => {
    expect(parseCatalogueConfig({ CIG_CATALOGUE_DATABASE: ':memory:' })).not.toHaveProperty('databaseUrl');
  });

  it('keeps an absolute registry path as it is', () => {
    expect(parseCatalogueConfig({ CIG_REGISTRY: '/etc/cig/registry.yaml' }, '/srv/cig').registryPath).toBe('/etc/cig/registry.yaml');
  });

  it('accepts port 0, which picks a free port', () => {
    expect(parseCatalogueConfig({ CIG_CATALOGUE_PORT: '0' }).port).toBe(0);
  });

  it('treats an empty variable as unset', () => {
    expect(parseCatalogueConfig({ CIG_CATALOGUE_PORT: '', CIG_LOG_LEVEL: '', CIG_DATABASE_URL: '' })).toMatchObject({ port: 4001, logLevel: 'info' });
    expect(parseCatalogueConfig({ CIG_DATABASE_URL: '' })).not.toHaveProperty('databaseUrl');
  });

  it('ignores variables that are not its own', () => {
    expect(parseCatalogueConfig({ PORT: '1', CIG_GATEWAY_PORT: '2' }).port).toBe(4001);
  });

  it.each([
    ['CIG_CATALOGUE_PORT', 'http'],
    ['CIG_CATALOGUE_PORT', '70000'],
    ['CIG_CATALOGUE_PORT', '40.5'],
    ['CIG_LOG_LEVEL', 'verbose'],
  ])('refuses %s=%s with a ConfigError naming the variable', (name, value) => {
    expect(() => parseCatalogueConfig({ [name]: value })).toThrow(ConfigError);
    expect(() => parseCatalogueConfig({ [name]: value })).toThrow(name);
  });
});
