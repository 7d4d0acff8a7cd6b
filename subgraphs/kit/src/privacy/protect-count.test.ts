import { describe, expect, it } from 'vitest';
import { protectCount } from './protect-count.js';

const policy = { minCount: 10, roundTo: 10 };

describe('protectCount', () => {
  it('suppresses counts below the threshold, giving no value', () => {
    for (const raw of [0, 1, 9]) expect(protectCount(raw, policy)).toEqual({ value: null, precision: 'SUPPRESSED', adjustedTo: 10 });
  });

  it('rounds counts at or above the threshold to the nearest step', () => {
    expect(protectCount(10, policy)).toEqual({ value: 10, precision: 'ROUNDED', adjustedTo: 10 });
    expect(protectCount(14, policy).value).toBe(10);
    expect(protectCount(15, policy).value).toBe(20);
    expect(protectCount(1234, policy).value).toBe(1230);
  });

  it('hides a difference of one inside the rounding step (differencing)', () => {
    expect(protectCount(41, policy)).toEqual(protectCount(42, policy));
  });

  it('is deterministic for the same true count', () => {
    expect(protectCount(87, policy)).toEqual(protectCount(87, policy));
  });

  it('never rounds a count at or above k down to zero', () => {
    expect(protectCount(3, { minCount: 3, roundTo: 10 })).toEqual({ value: 10, precision: 'ROUNDED', adjustedTo: 10 });
  });

  it('applies a stricter site threshold', () => {
    expect(protectCount(15, { minCount: 20, roundTo: 10 }).precision).toBe('SUPPRESSED');
  });

  it('gives the exact value under a grant', () => {
    expect(protectCount(7, policy, true)).toEqual({ value: 7, precision: 'EXACT', adjustedTo: null });
  });

  it('refuses a negative or fractional raw count', () => {
    expect(() => protectCount(-1, policy)).toThrow(RangeError);
    expect(() => protectCount(1.5, policy)).toThrow(RangeError);
  });
});
