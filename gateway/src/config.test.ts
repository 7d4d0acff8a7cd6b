import { describe, expect, it } from 'vitest';
import { DEFAULT_SUPERGRAPH_PATH, loadGatewayConfig, toSubgraphEnvName } from './config.js';

describe('loadGatewayConfig', () => {
  it('gives the documented defaults for an empty env', () => {
    expect(loadGatewayConfig({})).toEqual({
      port: 4000,
      host: '127.0.0.1',
      supergraphPath: DEFAULT_SUPERGRAPH_PATH,
      subgraphUrls: {},
      env: 'production',
      subgraphTimeoutMs: 10_000,
      logLevel: 'info',
      eucaimProviderName: 'Cancer Imaging Graph',
    });
    expect(DEFAULT_SUPERGRAPH_PATH).toMatch(/[/\\]schema[/\\]supergraph\.graphql$/);
  });

  it('reads every variable and collects CIG_GATEWAY_SUBGRAPH_<NAME>_URL overrides', () => {
    const config = loadGatewayConfig(
      {
        CIG_GATEWAY_PORT: '8080',
        CIG_GATEWAY_HOST: '0.0.0.0',
        CIG_GATEWAY_SUPERGRAPH: 'graphs/super.graphql',
        CIG_GATEWAY_ENV: 'development',
        CIG_GATEWAY_SUBGRAPH_TIMEOUT_MS: '2500',
        CIG_LOG_LEVEL: 'debug',
        CIG_GATEWAY_SUBGRAPH_CUSTOM_URL: 'http://custom:4004/graphql',
        CIG_GATEWAY_SUBGRAPH_XNAT_EU_URL: 'https://xnat.internal/graphql',
        CIG_GATEWAY_EUCAIM_PROVIDER_NAME: '  Example Imaging Node ',
        UNRELATED: 'x',
      },
      { cwd: '/srv/app' },
    );
    expect(config).toMatchObject({
      port: 8080,
      host: '0.0.0.0',
      supergraphPath: '/srv/app/graphs/super.graphql',
      env: 'development',
      subgraphTimeoutMs: 2500,
      logLevel: 'debug',
      subgraphUrls: { CUSTOM: 'http://custom:4004/graphql', XNAT_EU: 'https://xnat.internal/graphql' },
      eucaimProviderName: 'Example Imaging Node',
    });
  });

  it('keeps an absolute supergraph path and treats empty values as unset', () => {
    const config = loadGatewayConfig({ CIG_GATEWAY_SUPERGRAPH: '/etc/cig/supergraph.graphql', CIG_GATEWAY_PORT: '' });
    expect(config.supergraphPath).toBe('/etc/cig/supergraph.graphql');
    expect(config.port).toBe(4000);
  });

  it('refuses invalid values, naming every bad variable at once', () => {
    const attempt = () =>
      loadGatewayConfig({
        CIG_GATEWAY_PORT: 'eighty',
        CIG_GATEWAY_ENV: 'staging',
        CIG_GATEWAY_SUBGRAPH_TIMEOUT_MS: '0',
        CIG_GATEWAY_SUBGRAPH_CUSTOM_URL: 'ftp://custom/graphql',
      });
    expect(attempt).toThrow(/CIG_GATEWAY_PORT/);
    expect(attempt).toThrow(/CIG_GATEWAY_ENV/);
    expect(attempt).toThrow(/CIG_GATEWAY_SUBGRAPH_TIMEOUT_MS/);
    expect(attempt).toThrow(/CIG_GATEWAY_SUBGRAPH_CUSTOM_URL: must be an http\(s\) URL/);
  });
});

describe('toSubgraphEnvName', () => {
  it('upper-cases and replaces what env names cannot hold', () => {
    expect(toSubgraphEnvName('custom')).toBe('CUSTOM');
    expect(toSubgraphEnvName('xnat-eu.1')).toBe('XNAT_EU_1');
  });
});
