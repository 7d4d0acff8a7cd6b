import { createHmac, timingSafeEqual } from 'node:crypto';

/** How long a retrieve link works after it was handed out. */
export const RETRIEVE_TICKET_TTL_MS = 15 * 60_000;

/** What a retrieve link authorises: one series of one site, for one caller, until a time. */
export interface RetrieveTicket {
  readonly siteId: string;
  readonly seriesLocalId: string;
  readonly datasetId: string;
  /** Who it was issued to, for the audit trail; undefined for policies without identities. */
  readonly callerId?: string;
  readonly expiresAt: number;
}

function sign(secret: string, payload: string): string {
  return createHmac('sha256', secret).update(payload).digest('base64url');
}

/**
 * A retrieve link carries a ticket the subgraph signed when an authorised caller asked for
 * `Series.retrieveUrl`: the gateway only forwards it, and the site's URL and credentials
 * never leave the subgraph.
 */
export function signRetrieveTicket(secret: string, ticket: RetrieveTicket): string {
  const payload = Buffer.from(JSON.stringify({ s: ticket.siteId, l: ticket.seriesLocalId, d: ticket.datasetId, c: ticket.callerId, e: ticket.expiresAt })).toString('base64url');
  return `${payload}.${sign(secret, payload)}`;
}

export type TicketCheck = { ok: true; ticket: RetrieveTicket } | { ok: false; reason: 'malformed' | 'bad-signature' | 'expired' };

export function verifyRetrieveTicket(secret: string, token: string, now = Date.now()): TicketCheck {
  const [payload, signature, extra] = token.split('.');
  if (!payload || !signature || extra !== undefined || token.length > 2_000) return { ok: false, reason: 'malformed' };
  const expected = Buffer.from(sign(secret, payload));
  const given = Buffer.from(signature);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) return { ok: false, reason: 'bad-signature' };
  let parsed: { s?: unknown; l?: unknown; d?: unknown; c?: unknown; e?: unknown };
  try {
    parsed = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as typeof parsed;
  } catch {
    return { ok: false, reason: 'malformed' };
  }
  if (typeof parsed.s !== 'string' || typeof parsed.l !== 'string' || typeof parsed.d !== 'string' || typeof parsed.e !== 'number') {
    return { ok: false, reason: 'malformed' };
  }
  if (parsed.e <= now) return { ok: false, reason: 'expired' };
  return { ok: true, ticket: { siteId: parsed.s, seriesLocalId: parsed.l, datasetId: parsed.d, ...(typeof parsed.c === 'string' && { callerId: parsed.c }), expiresAt: parsed.e } };
}

/** Keys the ticket signature apart from the pseudonym key, both from one deployment secret. */
export function deriveRetrieveSecret(deploymentSecret: string): string {
  return createHmac('sha256', deploymentSecret).update('cig:retrieve-ticket:v1').digest('base64url');
}
