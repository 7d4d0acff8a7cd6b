import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { clientAddress, rateLimitKey } from './client-key.js';

function request(remoteAddress: string, forwardedFor?: string): Pick<IncomingMessage, 'headers' | 'socket'> {
  return { headers: forwardedFor === undefined ? {} : { 'x-forwarded-for': forwardedFor }, socket: { remoteAddress } as IncomingMessage['socket'] };
}

describe('clientAddress', () => {
  it('uses the socket address and ignores X-Forwarded-For unless proxies are trusted', () => {
    expect(clientAddress(request('::ffff:10.1.2.3', '6.6.6.6'), 0)).toBe('10.1.2.3');
  });

  it('behind trusted proxies, takes the entry the outermost trusted proxy appended, never one the client wrote', () => {
    // The client sent "6.6.6.6" itself; our one proxy appended the address it saw.
    expect(clientAddress(request('10.0.0.2', '6.6.6.6, 203.0.113.9'), 1)).toBe('203.0.113.9');
    // Two proxies: the outer one appended the client, the inner one the outer proxy.
    expect(clientAddress(request('10.0.0.3', '6.6.6.6, 203.0.113.9, 10.0.0.2'), 2)).toBe('203.0.113.9');
    expect(clientAddress(request('10.0.0.2'), 1)).toBe('10.0.0.2');
  });
});

describe('rateLimitKey', () => {
  it('keys a verified caller by subject and an anonymous one by address', () => {
    expect(rateLimitKey({ sub: 'alice', roles: [], grants: [] }, request('10.0.0.1'), 0)).toBe('sub:alice');
    expect(rateLimitKey(undefined, request('10.0.0.1'), 0)).toBe('ip:10.0.0.1');
  });
});
