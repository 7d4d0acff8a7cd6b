import { describe, expect, it } from 'vitest';
import { validateKindName } from './kind-name.js';

const EXISTING = ['custom', 'orthanc', 'xnat'];

describe('validateKindName', () => {
  it('gives every spelling of a good name', () => {
    expect(validateKindName('json-files', EXISTING)).toEqual({
      kind: 'json-files', typePrefix: 'JsonFiles', envName: 'JSON_FILES', packageName: '@cancer-imaging/subgraph-json-files',
    });
    expect(validateKindName('dicomweb2', EXISTING).typePrefix).toBe('Dicomweb2');
  });

  it.each(['JsonFiles', 'json_files', 'json files', '1json', 'json--files', '-json', 'json-', '', 'j'.repeat(41)])('refuses %j as a name', (kind) => {
    expect(() => validateKindName(kind, EXISTING)).toThrow(/kind name|longer than/);
  });

  it('refuses an existing kind, and one that would name the same types in another spelling', () => {
    expect(() => validateKindName('orthanc', EXISTING)).toThrow('exists already');
    expect(() => validateKindName('a-1b', [...EXISTING, 'a1b'])).toThrow('same GraphQL types as the existing kind "a1b" (A1bProvider)');
  });

  it.each([['catalogue', /reserved/], ['kit', /reserved/], ['gateway', /CIG_GATEWAY_/], ['gateway-eu', /CIG_GATEWAY_/], ['internal', /CIG_INTERNAL_/], ['site-x', /CIG_SITE_/]])(
    'refuses %s, taken by another part of the graph',
    (kind, message) => {
      expect(() => validateKindName(kind, EXISTING)).toThrow(message);
    },
  );

  it('allows names that only start like a reserved word', () => {
    expect(validateKindName('gateways', EXISTING).envName).toBe('GATEWAYS');
    expect(validateKindName('logbook', EXISTING).envName).toBe('LOGBOOK');
  });
});
