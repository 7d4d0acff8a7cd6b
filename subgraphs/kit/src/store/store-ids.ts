import { randomUUID } from 'node:crypto';

/** Store ids are random UUIDs: unguessable, so a shared link is shared on purpose only. */
const ID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export function newStoreId(): string {
  return randomUUID();
}

/**
 * Whether a string has the shape of a store id. Stores check it before querying, so a
 * malformed id finds nothing in both engines (PostgreSQL would otherwise reject it as a uuid).
 */
export function isStoreId(id: string): boolean {
  return ID_PATTERN.test(id);
}
