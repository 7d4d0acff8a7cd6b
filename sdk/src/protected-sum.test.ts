import { describe, expect, it } from 'vitest';
import { formatCount, formatProtectedSum, sumProtectedCounts, type ProtectedSum } from './protected-sum.js';

describe('sumProtectedCounts', () => {
  it('is exact only when every part is exact', () => {
    const sum = sumProtectedCounts([{ value: 12, precision: 'EXACT' }, { value: 3, precision: 'EXACT' }]);
    expect(sum).toEqual({ value: 15, parts: 2, roundingError: 0, precision: 'EXACT', isLowerBound: false });
    expect(formatProtectedSum(sum)).toBe('15');
  });

  it('is rounded, with half a step of error per rounded part, when a part is rounded', () => {
    const sum = sumProtectedCounts([{ value: 1230, precision: 'ROUNDED', adjustedTo: 10 }, { value: 7, precision: 'EXACT' }, { value: 40, precision: 'ROUNDED', adjustedTo: 20 }]);
    expect(sum).toMatchObject({ value: 1277, precision: 'ROUNDED', roundingError: 15, isLowerBound: false });
    expect(formatProtectedSum(sum)).toBe('≈ 1,277');
  });

  it('becomes a lower bound, never an estimate, when a part is suppressed or unavailable', () => {
    const sum = sumProtectedCounts([
      { value: 40, precision: 'ROUNDED', adjustedTo: 10 }, { value: null, precision: 'SUPPRESSED', adjustedTo: 10 },
      { value: null, precision: 'UNAVAILABLE' }, null,
    ]);
    expect(sum).toEqual({ value: 40, parts: 4, roundingError: 5, precision: 'LOWER_BOUND', isLowerBound: true, suppressedParts: 1, unavailableParts: 2 });
    expect(formatProtectedSum(sum)).toBe('≥ 35');
  });

  it('says in its type whether the total is a lower bound', () => {
    const sum: ProtectedSum = sumProtectedCounts([]);
    if (sum.isLowerBound) {
      // Only a lower bound carries the counts of missing parts.
      expect(sum.suppressedParts + sum.unavailableParts).toBeGreaterThan(0);
    } else {
      // @ts-expect-error a complete sum has no suppressed parts to report
      expect(sum.suppressedParts).toBeUndefined();
      expect(sum.precision).toBe('EXACT');
    }
  });
});

describe('formatCount', () => {
  it('shows each precision for what it is, never estimating a suppressed count', () => {
    expect(formatCount({ value: 1234, precision: 'EXACT', adjustedTo: null })).toBe('1,234');
    expect(formatCount({ value: 1230, precision: 'ROUNDED', adjustedTo: 10 })).toBe('≈ 1,230');
    expect(formatCount({ value: null, precision: 'SUPPRESSED', adjustedTo: 20 })).toBe('< 20');
    expect(formatCount({ value: null, precision: 'UNAVAILABLE', adjustedTo: null })).toBe('n/a');
    expect(formatCount(null)).toBe('n/a');
  });
});
