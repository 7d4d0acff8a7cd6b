import { describe, expect, it } from 'vitest';
import { DEFAULT_DEV_KEYS_DIR, DEFAULT_SUPERGRAPH_PATH, loadGatewayConfig, resolveGatewayEnvironment, toSubgraphEnvName } from './config.js';

describe('loadGatewayConfig', () => {
  it('gives the documented defaults for an empty env', () => {
    expect(loadGatewayConfig({})).toEqual({
      port: 4000,
      host: '127.0.0.1',
      supergraphPath: DEFAULT_SUPERGRAPH_PATH,
      supergraphPollMs: 1_000,
      subgraphUrls: {},
      env: 'production',
      subgraphTimeoutMs: 10_000,
      subgraphTimeouts: {},
      subgraphTransport: {
        connections: 256,
        retries: 1,
        maxResponseBytes: 33_554_432,
        deduplicate: true,
        circuit: { openMs: 5_000, failureRatio: 0.5, minimumCalls: 5, windowSize: 20 },
      },
      logLevel: 'info',
      eucaimProviderName: 'Cancer Imaging Graph',
      introspection: false,
      graphiql: false,
      auth: {
        algorithms: ['RS256', 'ES256', 'EdDSA'],
        clockSkewSeconds: 30,
        rolesClaim: 'roles',
        roleMap: {},
        devKeysDir: DEFAULT_DEV_KEYS_DIR,
        devAudience: 'cancer-imaging-graph',
      },
      limits: { maxDepth: 15, maxAliases: 30, maxTokens: 5_000, maxPageSize: 100, maxCost: 1_000_000, costListSize: 30, maxBodyBytes: 1_000_000 },
      rateLimit: { limit: 1_200, windowSeconds: 60, trustProxyHops: 0 },
      metrics: { enabled: true },
      persistedOperations: { mode: 'open', files: [], apqCacheMiB: 16, planWarmup: true },
      cluster: { workers: 1, shutdownTimeoutMs: 10_000, heapMb: 256 },
      tracing: { exporter: 'off' },
      responseCache: { ttlMs: 30_000, subgraphs: ['catalogue'], maxEntries: 5_000 },
    });
    expect(DEFAULT_SUPERGRAPH_PATH).toMatch(/[/\\]schema[/\\]supergraph\.graphql$/);
  });

  it('reads the persisted-operation mode, manifest files (relative to cwd), APQ cache size and warm-up switch, refusing an unknown mode', () => {
    const config = loadGatewayConfig(
      {
        CIG_GATEWAY_PERSISTED_OPERATIONS: ' SafeList ',
        CIG_GATEWAY_PERSISTED_OPERATIONS_FILES: 'notebooks.json, /etc/cig/partner.json',
        CIG_GATEWAY_APQ_CACHE_MIB: '4',
        CIG_GATEWAY_PLAN_WARMUP: 'off',
      },
      { cwd: '/srv/graph' },
    );
    expect(config.persistedOperations).toEqual({ mode: 'safelist', files: ['/srv/graph/notebooks.json', '/etc/cig/partner.json'], apqCacheMiB: 4, planWarmup: false });
    expect(() => loadGatewayConfig({ CIG_GATEWAY_PERSISTED_OPERATIONS: 'strict' })).toThrow('CIG_GATEWAY_PERSISTED_OPERATIONS: must be open or safelist');
    expect(() => loadGatewayConfig({ CIG_GATEWAY_APQ_CACHE_MIB: '0' })).toThrow('CIG_GATEWAY_APQ_CACHE_MIB');
  });

  it('reads CIG_GATEWAY_METRICS and CIG_GATEWAY_METRICS_TOKEN, refusing a short token', () => {
    expect(loadGatewayConfig({ CIG_GATEWAY_METRICS: 'off', CIG_GATEWAY_METRICS_TOKEN: 'scrape-token-0123456789' }).metrics).toEqual({
      enabled: false,
      token: 'scrape-token-0123456789',
    });
    expect(() => loadGatewayConfig({ CIG_GATEWAY_METRICS_TOKEN: 'short' })).toThrow('CIG_GATEWAY_METRICS_TOKEN: must be at least 16 characters');
  });

  it('reads CIG_GATEWAY_WORKERS as a number or auto (the available cores), refusing anything else', () => {
    expect(loadGatewayConfig({ CIG_GATEWAY_WORKERS: '3', CIG_GATEWAY_SHUTDOWN_TIMEOUT_MS: '2500' }).cluster).toEqual({ workers: 3, shutdownTimeoutMs: 2_500, heapMb: 256 });
    expect(loadGatewayConfig({ CIG_GATEWAY_HEAP_MB: '0' }).cluster.heapMb).toBe(0);
    expect(() => loadGatewayConfig({ CIG_GATEWAY_HEAP_MB: '-1' })).toThrow(/CIG_GATEWAY_HEAP_MB/);
    expect(loadGatewayConfig({ CIG_GATEWAY_WORKERS: ' AUTO ' }, { availableParallelism: () => 6 }).cluster.workers).toBe(6);
    for (const value of ['0', '1.5', 'many', '2000']) {
      expect(() => loadGatewayConfig({ CIG_GATEWAY_WORKERS: value }), value).toThrow('CIG_GATEWAY_WORKERS: must be auto or a number of workers (1-1024)');
    }
  });

  it('turns tracing on with CIG_GATEWAY_TRACING=otlp, taking the most specific endpoint variable and OTEL_SERVICE_NAME', () => {
    expect(loadGatewayConfig({ CIG_GATEWAY_TRACING: 'otlp' }).tracing).toEqual({
      exporter: 'otlp',
      endpoint: 'http://localhost:4318/v1/traces',
      serviceName: 'cancer-imaging-gateway',
    });
    // A base URL gets the signal path, as the OTLP/HTTP specification says; a traces URL is used as is.
    expect(loadGatewayConfig({ CIG_GATEWAY_TRACING: 'otlp', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/', OTEL_SERVICE_NAME: 'gateway-eu' }).tracing).toEqual({
      exporter: 'otlp',
      endpoint: 'http://collector:4318/v1/traces',
      serviceName: 'gateway-eu',
    });
    const all = {
      CIG_GATEWAY_TRACING: 'otlp',
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://base:4318',
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://traces:4318/custom/traces',
    };
    expect(loadGatewayConfig(all).tracing).toMatchObject({ endpoint: 'http://traces:4318/custom/traces' });
    expect(loadGatewayConfig({ ...all, CIG_GATEWAY_TRACING_ENDPOINT: 'https://cig-collector/v1/traces' }).tracing).toMatchObject({ endpoint: 'https://cig-collector/v1/traces' });
  });

  it('checks the OTLP endpoint only when tracing is on, and refuses an unknown exporter', () => {
    // A malformed OTEL variable meant for another program must not stop a gateway that does not trace.
    expect(loadGatewayConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4318' }).tracing).toEqual({ exporter: 'off' });
    expect(() => loadGatewayConfig({ CIG_GATEWAY_TRACING: 'otlp', OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4318' })).toThrow(
      'OTEL_EXPORTER_OTLP_ENDPOINT: must be an http(s) URL',
    );
    expect(() => loadGatewayConfig({ CIG_GATEWAY_TRACING: 'jaeger' })).toThrow('CIG_GATEWAY_TRACING: must be off or otlp');
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

  it('reads the supergraph poll interval, where 0 turns hot reloading off', () => {
    expect(loadGatewayConfig({ CIG_GATEWAY_SUPERGRAPH_POLL_MS: '250' }).supergraphPollMs).toBe(250);
    expect(loadGatewayConfig({ CIG_GATEWAY_SUPERGRAPH_POLL_MS: '0' }).supergraphPollMs).toBe(0);
    expect(() => loadGatewayConfig({ CIG_GATEWAY_SUPERGRAPH_POLL_MS: '-1' })).toThrow(/CIG_GATEWAY_SUPERGRAPH_POLL_MS/);
  });

  it('keeps an absolute supergraph path and treats empty values as unset', () => {
    const config = loadGatewayConfig({ CIG_GATEWAY_SUPERGRAPH: '/etc/cig/supergraph.graphql', CIG_GATEWAY_PORT: '' });
    expect(config.supergraphPath).toBe('/etc/cig/supergraph.graphql');
    expect(config.port).toBe(4000);
  });

  it('reads CIG_GATEWAY_SUBGRAPH_<NAME>_TIMEOUT_MS beside the general deadline, refusing one that is not a number of milliseconds', () => {
    const config = loadGatewayConfig({
      CIG_GATEWAY_SUBGRAPH_TIMEOUT_MS: '4000',
      CIG_GATEWAY_SUBGRAPH_CUSTOM_TIMEOUT_MS: '1500',
      CIG_GATEWAY_SUBGRAPH_XNAT_EU_TIMEOUT_MS: ' 30000 ',
    });
    expect(config.subgraphTimeoutMs).toBe(4000);
    expect(config.subgraphTimeouts).toEqual({ CUSTOM: 1500, XNAT_EU: 30_000 });
    // Neither a URL override nor a subgraph named TIMEOUT: the general variable stays apart.
    expect(config.subgraphUrls).toEqual({});
    expect(() => loadGatewayConfig({ CIG_GATEWAY_SUBGRAPH_CUSTOM_TIMEOUT_MS: 'soon' })).toThrow(
      'CIG_GATEWAY_SUBGRAPH_CUSTOM_TIMEOUT_MS: must be a number of milliseconds (1-600000)',
    );
    expect(() => loadGatewayConfig({ CIG_GATEWAY_SUBGRAPH_CUSTOM_TIMEOUT_MS: '0' })).toThrow(/CIG_GATEWAY_SUBGRAPH_CUSTOM_TIMEOUT_MS/);
  });

  it('reads the subgraph transport: connections, retries, answer size, merging and the circuit breaker', () => {
    const config = loadGatewayConfig({
      CIG_GATEWAY_SUBGRAPH_CONNECTIONS: '8',
      CIG_GATEWAY_SUBGRAPH_RETRIES: '0',
      CIG_GATEWAY_SUBGRAPH_MAX_RESPONSE_BYTES: '1048576',
      CIG_GATEWAY_SUBGRAPH_DEDUPLICATE: 'off',
      CIG_GATEWAY_CIRCUIT_OPEN_MS: '2000',
      CIG_GATEWAY_CIRCUIT_FAILURE_RATIO: '0.25',
      CIG_GATEWAY_CIRCUIT_MINIMUM_CALLS: '10',
      CIG_GATEWAY_CIRCUIT_WINDOW: '50',
    });
    expect(config.subgraphTransport).toEqual({
      connections: 8,
      retries: 0,
      maxResponseBytes: 1_048_576,
      deduplicate: false,
      circuit: { openMs: 2000, failureRatio: 0.25, minimumCalls: 10, windowSize: 50 },
    });
    const attempt = () => loadGatewayConfig({ CIG_GATEWAY_SUBGRAPH_CONNECTIONS: '0', CIG_GATEWAY_SUBGRAPH_RETRIES: '9', CIG_GATEWAY_CIRCUIT_FAILURE_RATIO: '0' });
    expect(attempt).toThrow(/CIG_GATEWAY_SUBGRAPH_CONNECTIONS/);
    expect(attempt).toThrow(/CIG_GATEWAY_SUBGRAPH_RETRIES/);
    expect(attempt).toThrow(/CIG_GATEWAY_CIRCUIT_FAILURE_RATIO/);
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

describe('loadGatewayConfig: environment and production switches', () => {
  it('lets production win whenever CIG_GATEWAY_ENV or NODE_ENV says so, and defaults to production', () => {
    expect(resolveGatewayEnvironment(undefined, undefined)).toBe('production');
    expect(resolveGatewayEnvironment('development', undefined)).toBe('development');
    expect(resolveGatewayEnvironment('development', 'production')).toBe('production');
    expect(resolveGatewayEnvironment(undefined, 'development')).toBe('production');
    expect(resolveGatewayEnvironment(undefined, undefined, 'development')).toBe('development');
    expect(resolveGatewayEnvironment(undefined, 'production', 'development')).toBe('production');
    expect(loadGatewayConfig({ CIG_GATEWAY_ENV: 'development', NODE_ENV: 'production' }).env).toBe('production');
  });

  it('turns introspection and GraphiQL on in development, off in production, each switchable', () => {
    expect(loadGatewayConfig({ CIG_GATEWAY_ENV: 'development' })).toMatchObject({ introspection: true, graphiql: true });
    expect(loadGatewayConfig({ CIG_GATEWAY_ENV: 'production' })).toMatchObject({ introspection: false, graphiql: false });
    expect(loadGatewayConfig({ CIG_GATEWAY_INTROSPECTION: 'TRUE', CIG_GATEWAY_GRAPHIQL: 'yes' })).toMatchObject({ introspection: true, graphiql: true });
    expect(loadGatewayConfig({ CIG_GATEWAY_ENV: 'development', CIG_GATEWAY_INTROSPECTION: 'false', CIG_GATEWAY_GRAPHIQL: '0' })).toMatchObject({ introspection: false, graphiql: false });
    expect(() => loadGatewayConfig({ CIG_GATEWAY_GRAPHIQL: 'maybe' })).toThrow(/CIG_GATEWAY_GRAPHIQL: must be true or false/);
  });

  it('reads the operation limits and the rate limit', () => {
    const config = loadGatewayConfig({
      CIG_GATEWAY_MAX_DEPTH: '10', CIG_GATEWAY_MAX_ALIASES: '0', CIG_GATEWAY_MAX_TOKENS: '800', CIG_GATEWAY_MAX_PAGE_SIZE: '50',
      CIG_GATEWAY_MAX_COST: '5000', CIG_GATEWAY_COST_LIST_SIZE: '12', CIG_GATEWAY_MAX_BODY_BYTES: '2048',
      CIG_GATEWAY_RATE_LIMIT: '0', CIG_GATEWAY_RATE_LIMIT_WINDOW_SECONDS: '10', CIG_REDIS_URL: 'redis://cache:6379', CIG_GATEWAY_TRUST_PROXY: 'true',
    });
    expect(config.limits).toEqual({ maxDepth: 10, maxAliases: 0, maxTokens: 800, maxPageSize: 50, maxCost: 5000, costListSize: 12, maxBodyBytes: 2048 });
    expect(config.rateLimit).toEqual({ limit: 0, windowSeconds: 10, redisUrl: 'redis://cache:6379', trustProxyHops: 1 });
    expect(loadGatewayConfig({ CIG_GATEWAY_TRUST_PROXY: '2' }).rateLimit.trustProxyHops).toBe(2);
    expect(loadGatewayConfig({ CIG_GATEWAY_TRUST_PROXY: 'false' }).rateLimit.trustProxyHops).toBe(0);
    const attempt = () => loadGatewayConfig({ CIG_GATEWAY_TRUST_PROXY: 'everyone', CIG_REDIS_URL: 'http://cache' });
    expect(attempt).toThrow(/CIG_GATEWAY_TRUST_PROXY: must be true, false or a number of proxy hops/);
    expect(attempt).toThrow(/CIG_REDIS_URL/);
  });
});

describe('loadGatewayConfig: authentication', () => {
  const idp = {
    CIG_GATEWAY_AUTH_JWKS_URL: 'https://login.aai.lifescience-ri.eu/oidc/jwk',
    CIG_GATEWAY_AUTH_ISSUER: 'https://login.aai.lifescience-ri.eu/oidc/',
    CIG_GATEWAY_AUTH_AUDIENCE: 'cig-client, cig-api',
    CIG_INTERNAL_SECRET: 'x'.repeat(32),
  };

  it('reads the issuer, audiences, algorithms, skew, roles claim and role map', () => {
    const config = loadGatewayConfig({
      ...idp,
      CIG_GATEWAY_AUTH_CLOCK_SKEW_SECONDS: '10',
      CIG_GATEWAY_AUTH_ALGORITHMS: 'RS256, PS256',
      CIG_GATEWAY_AUTH_ROLES_CLAIM: 'realm_access.roles',
      CIG_GATEWAY_AUTH_ROLE_MAP: 'urn:geant:lifescience-ri.eu:group:cig:dac#aai.lifescience-ri.eu=committee, cig-admin=provider-admin',
    });
    expect(config.auth).toMatchObject({
      issuer: { issuer: idp.CIG_GATEWAY_AUTH_ISSUER, audiences: ['cig-client', 'cig-api'], jwksUrl: idp.CIG_GATEWAY_AUTH_JWKS_URL },
      algorithms: ['RS256', 'PS256'],
      clockSkewSeconds: 10,
      rolesClaim: 'realm_access.roles',
      roleMap: { 'urn:geant:lifescience-ri.eu:group:cig:dac#aai.lifescience-ri.eu': 'committee', 'cig-admin': 'provider-admin' },
      devAudience: 'cig-client',
    });
    expect(config.internalSecret).toBe('x'.repeat(32));
  });

  it('resolves a relative public key file against the working directory', () => {
    const { CIG_GATEWAY_AUTH_JWKS_URL: _url, ...rest } = idp;
    const config = loadGatewayConfig({ ...rest, CIG_GATEWAY_AUTH_PUBLIC_KEY_FILE: 'keys/idp.pem' }, { cwd: '/srv/app' });
    expect(config.auth.issuer?.publicKeyFile).toBe('/srv/app/keys/idp.pem');
  });

  it('never accepts none or an HMAC algorithm for client tokens', () => {
    for (const algorithm of ['none', 'HS256', 'RS256,HS512']) {
      expect(() => loadGatewayConfig({ ...idp, CIG_GATEWAY_AUTH_ALGORITHMS: algorithm }), algorithm).toThrow(/CIG_GATEWAY_AUTH_ALGORITHMS/);
    }
  });

  it('refuses a key source without issuer and audience, both key sources at once, and an issuer without keys', () => {
    expect(() => loadGatewayConfig({ CIG_GATEWAY_AUTH_JWKS_URL: idp.CIG_GATEWAY_AUTH_JWKS_URL, CIG_INTERNAL_SECRET: idp.CIG_INTERNAL_SECRET }))
      .toThrow(/CIG_GATEWAY_AUTH_ISSUER: required[\s\S]*CIG_GATEWAY_AUTH_AUDIENCE: required/);
    expect(() => loadGatewayConfig({ ...idp, CIG_GATEWAY_AUTH_PUBLIC_KEY_FILE: '/k.pem' })).toThrow(/set one, not both/);
    expect(() => loadGatewayConfig({ CIG_GATEWAY_AUTH_ISSUER: 'https://idp' })).toThrow(/needs CIG_GATEWAY_AUTH_JWKS_URL/);
  });

  it('requires https for a JWKS URL except on loopback', () => {
    expect(() => loadGatewayConfig({ ...idp, CIG_GATEWAY_AUTH_JWKS_URL: 'http://idp.example/jwks' })).toThrow(/https URL/);
    expect(loadGatewayConfig({ ...idp, CIG_GATEWAY_AUTH_JWKS_URL: 'http://127.0.0.1:9000/jwks' }).auth.issuer?.jwksUrl).toBe('http://127.0.0.1:9000/jwks');
  });

  it('requires CIG_INTERNAL_SECRET of 32+ characters in production when tokens are accepted, not in development', () => {
    const { CIG_INTERNAL_SECRET: _secret, ...withoutSecret } = idp;
    expect(() => loadGatewayConfig(withoutSecret)).toThrow(/CIG_INTERNAL_SECRET: required in production/);
    expect(loadGatewayConfig({ ...withoutSecret, CIG_GATEWAY_ENV: 'development' }).internalSecret).toBeUndefined();
    expect(() => loadGatewayConfig({ ...idp, CIG_INTERNAL_SECRET: 'short' })).toThrow(/CIG_INTERNAL_SECRET: must be at least 32 characters/);
    // No issuer: no caller can be verified, so there is nothing to sign.
    expect(loadGatewayConfig({}).internalSecret).toBeUndefined();
  });
});

describe('loadGatewayConfig: the response cache', () => {
  it('reads TTL, subgraphs (lower-cased) and size, and shares CIG_REDIS_URL with the rate limit', () => {
    expect(loadGatewayConfig({
      CIG_GATEWAY_RESPONSE_CACHE_TTL_MS: '5000', CIG_GATEWAY_RESPONSE_CACHE_SUBGRAPHS: 'catalogue, Custom', CIG_GATEWAY_RESPONSE_CACHE_MAX_ENTRIES: '10',
      CIG_REDIS_URL: 'redis://cache:6379',
    }).responseCache).toEqual({ ttlMs: 5_000, subgraphs: ['catalogue', 'custom'], maxEntries: 10, redisUrl: 'redis://cache:6379' });
    expect(loadGatewayConfig({ CIG_GATEWAY_RESPONSE_CACHE_TTL_MS: '0' }).responseCache.ttlMs).toBe(0);
  });

  it('refuses a negative TTL, a subgraph list of nothing but commas and a size of 0', () => {
    expect(() => loadGatewayConfig({ CIG_GATEWAY_RESPONSE_CACHE_TTL_MS: '-1' })).toThrow(/CIG_GATEWAY_RESPONSE_CACHE_TTL_MS/);
    expect(() => loadGatewayConfig({ CIG_GATEWAY_RESPONSE_CACHE_SUBGRAPHS: ' , ' })).toThrow(/CIG_GATEWAY_RESPONSE_CACHE_SUBGRAPHS: must name at least one subgraph/);
    expect(() => loadGatewayConfig({ CIG_GATEWAY_RESPONSE_CACHE_MAX_ENTRIES: '0' })).toThrow(/CIG_GATEWAY_RESPONSE_CACHE_MAX_ENTRIES/);
  });
});

describe('toSubgraphEnvName', () => {
  it('upper-cases and replaces what env names cannot hold', () => {
    expect(toSubgraphEnvName('custom')).toBe('CUSTOM');
    expect(toSubgraphEnvName('xnat-eu.1')).toBe('XNAT_EU_1');
  });
});
