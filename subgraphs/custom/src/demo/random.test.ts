import { describe, expect, it } from 'vitest';
import { createRandom } from './random.js';
import { demoUid, isValidDicomUid } from './uids.js';

describe('createRandom', () => {
  it('gives the same sequence for the same seed and a different one for another seed', () => {
    const draw = (seed: string) => {
      const random = createRandom(seed);
      return Array.from({ length: 50 }, () => random.uint32());
    };
    expect(draw('seed-a')).toEqual(draw('seed-a'));
    expect(draw('seed-a')).not.toEqual(draw('seed-b'));
  });

  it('keeps next() in [0, 1) and int() within its inclusive bounds, reaching both ends', () => {
    const random = createRandom('bounds');
    const ints = new Set<number>();
    for (let i = 0; i < 10_000; i++) {
      const x = random.next();
      expect(x).toBeGreaterThanOrEqual(0);
      expect(x).toBeLessThan(1);
      ints.add(random.int(3, 7));
    }
    expect([...ints].sort()).toEqual([3, 4, 5, 6, 7]);
  });

  it('picks weighted values in proportion to their weights', () => {
    const random = createRandom('weights');
    const counts = { a: 0, b: 0, c: 0 };
    for (let i = 0; i < 20_000; i++) counts[random.weighted([['a', 0.7], ['b', 0.2], ['c', 0.1]] as const)]++;
    expect(counts.a / 20_000).toBeCloseTo(0.7, 1);
    expect(counts.b / 20_000).toBeCloseTo(0.2, 1);
    expect(counts.c / 20_000).toBeCloseTo(0.1, 1);
  });

  it('never picks a value of weight zero', () => {
    const random = createRandom('zero');
    for (let i = 0; i < 5_000; i++) expect(random.weighted([['never', 0], ['always', 1]] as const)).toBe('always');
  });

  it('draws normal deviates with the requested mean and spread', () => {
    const random = createRandom('normal');
    const xs = Array.from({ length: 20_000 }, () => random.normal(60, 10));
    const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
    const sd = Math.sqrt(xs.reduce((s, x) => s + (x - mean) ** 2, 0) / xs.length);
    expect(mean).toBeCloseTo(60, 0);
    expect(sd).toBeGreaterThan(9.5);
    expect(sd).toBeLessThan(10.5);
  });

  it('refuses to pick from nothing', () => {
    const random = createRandom('empty');
    expect(() => random.pick([])).toThrow(RangeError);
    expect(() => random.weighted([['x', 0]] as const)).toThrow(RangeError);
  });
});

describe('demoUid', () => {
  it('makes valid, distinct DICOM UIDs under 2.25 of at most 64 characters', () => {
    const random = createRandom('uids');
    const uids = Array.from({ length: 20_000 }, () => demoUid(random));
    for (const uid of uids) {
      expect(uid.startsWith('2.25.')).toBe(true);
      expect(isValidDicomUid(uid), uid).toBe(true);
    }
    expect(new Set(uids).size).toBe(uids.length);
  });

  it('encodes a version-4 UUID, as X.667 expects under 2.25', () => {
    const random = createRandom('uuid');
    for (let i = 0; i < 100; i++) {
      const hex = BigInt(demoUid(random).slice('2.25.'.length)).toString(16).padStart(32, '0');
      expect(hex[12]).toBe('4');
      expect(['8', '9', 'a', 'b']).toContain(hex[16]);
    }
  });

  it('rejects malformed UIDs', () => {
    expect(isValidDicomUid('2.25.0123')).toBe(false);
    expect(isValidDicomUid('2.25.')).toBe(false);
    expect(isValidDicomUid('2.25.1a')).toBe(false);
    expect(isValidDicomUid(`2.25.${'1'.repeat(60)}`)).toBe(false);
    expect(isValidDicomUid('2.25.0')).toBe(true);
  });
});
