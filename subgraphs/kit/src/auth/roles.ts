/**
 * The roles a caller can hold. Researchers ask for access; the data-access committee
 * reviews requests, grants access and reads the audit log; provider administrators manage
 * their own sites' grants. Roles come from the verified token (see internal-claims.ts).
 */
export const ROLES = ['researcher', 'committee', 'provider-admin'] as const;
export type Role = (typeof ROLES)[number];

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}
