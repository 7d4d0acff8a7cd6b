import type { IncomingMessage } from 'node:http';
import type { CallerClaims } from '@cancer-imaging/provider-kit';

/** `::ffff:10.0.0.1` (IPv4 on a dual-stack socket) is 10.0.0.1. */
function normaliseAddress(address: string): string {
  const trimmed = address.trim();
  return trimmed.startsWith('::ffff:') && trimmed.includes('.') ? trimmed.slice(7) : trimmed;
}

/**
 * The client's address. Without trusted proxies, the socket's. Behind `hops` proxies we
 * trust, the entry of X-Forwarded-For that the outermost of them appended: entries to its
 * left were written by the client and can be anything, so they are never used.
 */
export function clientAddress(req: Pick<IncomingMessage, 'headers' | 'socket'>, trustProxyHops: number): string {
  const socketAddress = normaliseAddress(req.socket.remoteAddress ?? 'unknown');
  if (trustProxyHops <= 0) return socketAddress;
  const header = req.headers['x-forwarded-for'];
  const entries = (Array.isArray(header) ? header.join(',') : header ?? '').split(',').map((entry) => entry.trim()).filter(Boolean);
  const entry = entries[entries.length - trustProxyHops] ?? entries[0];
  return entry ? normaliseAddress(entry) : socketAddress;
}

/** Whose budget a request spends: a verified caller's own (by subject), else its address's. */
export function rateLimitKey(caller: CallerClaims | undefined, req: Pick<IncomingMessage, 'headers' | 'socket'>, trustProxyHops: number): string {
  return caller ? `sub:${caller.sub}` : `ip:${clientAddress(req, trustProxyHops)}`;
}
