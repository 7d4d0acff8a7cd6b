/**
 * Totals over sites that stay protected. Each site protects its own counts (EXACT for a
 * granted caller, ROUNDED to its step, SUPPRESSED below its threshold, UNAVAILABLE when it
 * did not answer); a total must not pretend to know more than its parts. So a suppressed or
 * unavailable part makes the total a lower bound, and the type says so.
 */

export type PartPrecision = 'EXACT' | 'ROUNDED' | 'SUPPRESSED' | 'UNAVAILABLE';

/** A protected count as the graph returns it (`Count`). */
export interface CountPart {
  readonly value?: number | null;
  readonly precision: PartPrecision;
  readonly adjustedTo?: number | null;
}

interface SumBase {
  /** The sum of the parts that carry a value (EXACT and ROUNDED). */
  readonly value: number;
  /** How many parts were summed. */
  readonly parts: number;
  /**
   * How far `value` may be from the sum of the true values of the parts that carry one:
   * half a rounding step per ROUNDED part, 0 when all are EXACT.
   */
  readonly roundingError: number;
}

/** Every part had a value: the total is their sum, exact or within `roundingError`. */
export interface CompleteSum extends SumBase {
  readonly precision: 'EXACT' | 'ROUNDED';
  readonly isLowerBound: false;
}

/**
 * Some part had no value: the true total is `value` (within `roundingError`) plus what the
 * suppressed parts hold (under their thresholds each) and whatever the unavailable ones hold.
 */
export interface LowerBoundSum extends SumBase {
  readonly precision: 'LOWER_BOUND';
  readonly isLowerBound: true;
  readonly suppressedParts: number;
  readonly unavailableParts: number;
}

export type ProtectedSum = CompleteSum | LowerBoundSum;

/** Sums protected counts without ever estimating a suppressed or missing part. */
export function sumProtectedCounts(parts: Iterable<CountPart | null | undefined>): ProtectedSum {
  let value = 0;
  let count = 0;
  let roundingError = 0;
  let rounded = false;
  let suppressedParts = 0;
  let unavailableParts = 0;
  for (const part of parts) {
    count += 1;
    if (!part || part.precision === 'UNAVAILABLE') {
      unavailableParts += 1;
      continue;
    }
    if (part.precision === 'SUPPRESSED' || part.value == null) {
      suppressedParts += 1;
      continue;
    }
    value += part.value;
    if (part.precision === 'ROUNDED') {
      rounded = true;
      roundingError += (part.adjustedTo ?? 0) / 2;
    }
  }
  if (suppressedParts > 0 || unavailableParts > 0) {
    return { value, parts: count, roundingError, precision: 'LOWER_BOUND', isLowerBound: true, suppressedParts, unavailableParts };
  }
  return { value, parts: count, roundingError, precision: rounded ? 'ROUNDED' : 'EXACT', isLowerBound: false };
}

/**
 * A total for people: "1,230" (exact), "≈ 1,230" (rounded parts) or "≥ 1,225" (a lower
 * bound: the known parts less their rounding error, as suppressed parts only add).
 */
export function formatProtectedSum(sum: ProtectedSum, locale = 'en'): string {
  const format = (n: number) => new Intl.NumberFormat(locale).format(n);
  if (sum.isLowerBound) return `≥ ${format(Math.max(0, Math.floor(sum.value - sum.roundingError)))}`;
  return sum.precision === 'ROUNDED' ? `≈ ${format(sum.value)}` : format(sum.value);
}

/**
 * One protected count for people: "1,234" (exact), "≈ 1,230" (rounded), "< 10" (suppressed
 * below the site's threshold: 0 to 9 subjects, never an estimate) or "n/a" (the site did
 * not answer, or there is no count).
 */
export function formatCount(count: CountPart | null | undefined, locale = 'en'): string {
  if (!count || count.precision === 'UNAVAILABLE') return 'n/a';
  const format = (n: number) => new Intl.NumberFormat(locale).format(n);
  if (count.precision === 'SUPPRESSED' || count.value == null) return count.adjustedTo == null ? '< threshold' : `< ${format(count.adjustedTo)}`;
  return count.precision === 'ROUNDED' ? `≈ ${format(count.value)}` : format(count.value);
}
