import type { PrivacyThresholds } from '../registry.js';

export type CountPrecision = 'EXACT' | 'ROUNDED' | 'SUPPRESSED' | 'UNAVAILABLE';

/** A count as it leaves the graph (the contract's `Count`). */
export interface ProtectedCount {
  readonly value: number | null;
  readonly precision: CountPrecision;
  readonly adjustedTo: number | null;
}

export const UNAVAILABLE_COUNT: ProtectedCount = Object.freeze({ value: null, precision: 'UNAVAILABLE', adjustedTo: null });

/**
 * Applies the count policy of DESIGN.md to one raw count:
 * - `exact` (the caller holds a grant for everything counted): the true value;
 * - below the threshold k: SUPPRESSED, no value (adjustedTo = k);
 * - otherwise ROUNDED to the nearest multiple of the step, never below one step.
 * Rounding is a pure function of the true count, so repeating a query, or adding a
 * criterion that leaves the true count unchanged, reveals nothing new.
 */
export function protectCount(raw: number, thresholds: PrivacyThresholds, exact = false): ProtectedCount {
  if (!Number.isInteger(raw) || raw < 0) throw new RangeError('a count is a non-negative integer');
  if (exact) return { value: raw, precision: 'EXACT', adjustedTo: null };
  if (raw < thresholds.minCount) return { value: null, precision: 'SUPPRESSED', adjustedTo: thresholds.minCount };
  const step = thresholds.roundTo;
  return { value: Math.max(step, Math.round(raw / step) * step), precision: 'ROUNDED', adjustedTo: step };
}
