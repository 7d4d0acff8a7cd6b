import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, DEFAULT_DATABASE, DEFAULT_REGISTRY, parseCatalogueConfig, REPO_ROOT } from './config.js';

describe('parseCatalogueConfig', () => {
  it('defaults to loopback:4001, the demo registry under the repository root and info logs', () => {
    expect(parseCatalogueConfig({})).toEqual({
      port: 4001,
      host: '127.0.0.1',
      registryPath: path.join(REPO_ROOT, DEFAULT_REGISTRY),
      logLevel: 'info',
      databasePath: path.join(REPO_ROOT, DEFAULT_DATABASE),
    });
  });

  it('locates the repository root from its own file, not the working directory', () => {
    const manifest = JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { name?: string };
    expect(manifest.name).toBe('cancer-imaging-graph');
    expect(existsSync(path.join(REPO_ROOT, 'subgraphs', 'catalogue', 'src', 'config.ts'))).toBe(true);
  });

  it('reads every CIG_CATALOGUE_* setting and resolves a relative registry against the root', () => {
    expect(parseCatalogueConfig({
      CIG_CATALOGUE_PORT: '5001', CIG_CATALOGUE_HOST: '0.0.0.0', CIG_REGISTRY: 'config/test/registry.yaml', CIG_LOG_LEVEL: 'debug',
    }, '/srv/cig')).toEqual({ port: 5001, host: '0.0.0.0', registryPath: '/srv/cig/config/test/registry.yaml', logLevel: 'debug', databasePath: '/srv/cig/.cache/catalogue/catalogue.sqlite' });
  });

  it('keeps the saved-cohort database in memory when asked', () => {
    expect(parseCatalogueConfig({ CIG_CATALOGUE_DATABASE: ':memory:' }).databasePath).toBe(':memory:');
  });

  it('keeps an absolute registry path as it is', () => {
    expect(parseCatalogueConfig({ CIG_REGISTRY: '/etc/cig/registry.yaml' }, '/srv/cig').registryPath).toBe('/etc/cig/registry.yaml');
  });

  it('accepts port 0, which picks a free port', () => {
    expect(parseCatalogueConfig({ CIG_CATALOGUE_PORT: '0' }).port).toBe(0);
  });

  it('treats an empty variable as unset', () => {
    expect(parseCatalogueConfig({ CIG_CATALOGUE_PORT: '', CIG_LOG_LEVEL: '' })).toMatchObject({ port: 4001, logLevel: 'info' });
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
