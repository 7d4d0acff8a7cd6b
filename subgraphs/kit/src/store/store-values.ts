/** Checks both engines apply to values before they reach SQL, so both refuse the same input. */

/** A page request: non-negative integers, as SQL LIMIT/OFFSET take them. */
export function checkPage(limit: number, offset = 0): void {
  if (!Number.isSafeInteger(limit) || limit < 0) throw new RangeError(`limit must be a non-negative integer, not ${limit}.`);
  if (!Number.isSafeInteger(offset) || offset < 0) throw new RangeError(`offset must be a non-negative integer, not ${offset}.`);
}

/**
 * An instant as ISO 8601 text. SQLite compares these as text, which orders correctly only
 * for four-digit years, so anything else (or an invalid Date) is refused rather than
 * stored where an expiry comparison would go wrong.
 */
export function toIsoInstant(date: Date): string {
  const time = date.getTime();
  if (Number.isNaN(time)) throw new RangeError('Invalid date.');
  const iso = date.toISOString();
  if (iso.length !== 24) throw new RangeError(`Date out of range: ${iso}.`);
  return iso;
}
