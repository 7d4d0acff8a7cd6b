import { describe, expect, it } from 'vitest';
import { createErrorFormatter, stripInternalAddresses } from './use-error-masking.js';

const production = createErrorFormatter();
const development = createErrorFormatter({ development: true });

describe('createErrorFormatter in production', () => {
  it('replaces the message of an error without a catalogued code and gives it code INTERNAL', () => {
    expect(
      production({ message: 'ECONNREFUSED http://10.0.0.1:5000/x', path: ['a'], extensions: { code: 'DOWNSTREAM_SERVICE_ERROR', serviceName: 'custom', stacktrace: ['at x'] } }, null),
    ).toEqual({ message: 'Internal error.', path: ['a'], extensions: { code: 'INTERNAL', subgraph: 'custom' } });
    expect(production({ message: 'boom' }, null)).toEqual({ message: 'Internal error.', extensions: { code: 'INTERNAL' } });
  });

  it("codes Apollo's uncoded APQ hash mismatch as the client's BAD_REQUEST, keeping its message", () => {
    for (const extensions of [undefined, { code: 'INTERNAL_SERVER_ERROR' }]) {
      expect(production({ message: 'provided sha does not match query', ...(extensions && { extensions }) }, null)).toEqual({
        message: 'provided sha does not match query',
        extensions: { code: 'BAD_REQUEST' },
      });
    }
  });

  it('keeps catalogued messages without internal addresses and only allow-listed extensions', () => {
    expect(
      production(
        {
          message: 'The site at http://orthanc.internal:8042 refused the credentials.',
          locations: [{ line: 1, column: 3 }],
          extensions: { code: 'PROVIDER_AUTH_FAILED', site: 'site-a', response: { url: 'http://orthanc.internal:8042' }, exception: {} },
        },
        null,
      ),
    ).toEqual({
      message: 'The site at [redacted] refused the credentials.',
      locations: [{ line: 1, column: 3 }],
      extensions: { code: 'PROVIDER_AUTH_FAILED', site: 'site-a' },
    });
  });

  it('keeps every catalogued code', () => {
    for (const code of ['BAD_USER_INPUT', 'UNAUTHENTICATED', 'FORBIDDEN', 'NOT_FOUND', 'PROVIDER_TIMEOUT', 'SUBGRAPH_UNAVAILABLE', 'GRAPHQL_PARSE_FAILED', 'GRAPHQL_VALIDATION_FAILED', 'PERSISTED_QUERY_NOT_FOUND']) {
      expect(production({ message: 'ours', extensions: { code } }, null)).toEqual({ message: 'ours', extensions: { code } });
    }
  });
});

describe('createErrorFormatter in development', () => {
  it('keeps the upstream message and stack but still normalises the code', () => {
    expect(
      development({ message: 'db at http://10.0.0.1:5000 down', extensions: { code: 'INTERNAL_SERVER_ERROR', serviceName: 'kind', stacktrace: ['Error', 'at y'] } }, null),
    ).toEqual({
      message: 'db at http://10.0.0.1:5000 down',
      extensions: { code: 'INTERNAL', originalCode: 'INTERNAL_SERVER_ERROR', subgraph: 'kind', stacktrace: ['Error', 'at y'] },
    });
  });
});

describe('stripInternalAddresses', () => {
  it('removes URLs of any scheme and bare IPv4 addresses with ports', () => {
    expect(stripInternalAddresses('see https://a.b/c?d=1, redis://cache:6379 and 192.168.0.7:8080.')).toBe(
      'see [redacted] [redacted] and [redacted].',
    );
  });
});
