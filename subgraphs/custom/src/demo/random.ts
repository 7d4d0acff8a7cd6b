/**
 * A small seeded pseudo-random generator for the demo data: sfc32 (Chris Doty-Humphrey's
 * Small Fast Counting generator, 128-bit state) seeded by the cyrb128 string hash. We need
 * reproducible output across runs and machines, not cryptographic strength; a 128-bit
 * state keeps the per-dataset streams from overlapping, which a 32-bit generator such as
 * mulberry32 would not guarantee at a few million draws per dataset.
 */

export interface Random {
  /** A float in [0, 1). */
  next(): number;
  /** An unsigned 32-bit integer. */
  uint32(): number;
  /** An integer in [min, max], both inclusive. */
  int(min: number, max: number): number;
  /** True with probability p. */
  chance(p: number): boolean;
  /** One item, uniformly. */
  pick<T>(items: readonly T[]): T;
  /** One value of weighted entries; weights need not sum to 1. */
  weighted<T>(entries: readonly (readonly [T, number])[]): T;
  /** A normal deviate (Box-Muller). */
  normal(mean: number, sd: number): number;
}

/** cyrb128: four 32-bit words hashed from a string, used only to seed the generator. */
function cyrb128(text: string): [number, number, number, number] {
  let h1 = 1779033703;
  let h2 = 3144134277;
  let h3 = 1013904242;
  let h4 = 2773480762;
  for (let i = 0; i < text.length; i++) {
    const k = text.charCodeAt(i);
    h1 = h2 ^ Math.imul(h1 ^ k, 597399067);
    h2 = h3 ^ Math.imul(h2 ^ k, 2869860233);
    h3 = h4 ^ Math.imul(h3 ^ k, 951274213);
    h4 = h1 ^ Math.imul(h4 ^ k, 2716044179);
  }
  h1 = Math.imul(h3 ^ (h1 >>> 18), 597399067);
  h2 = Math.imul(h4 ^ (h2 >>> 22), 2869860233);
  h3 = Math.imul(h1 ^ (h3 >>> 17), 951274213);
  h4 = Math.imul(h2 ^ (h4 >>> 19), 2716044179);
  h1 ^= h2 ^ h3 ^ h4;
  h2 ^= h1;
  h3 ^= h1;
  h4 ^= h1;
  return [h1 >>> 0, h2 >>> 0, h3 >>> 0, h4 >>> 0];
}

/** A generator whose whole output is fixed by `seed`. */
export function createRandom(seed: string): Random {
  let [a, b, c, d] = cyrb128(seed);
  const uint32 = (): number => {
    a >>>= 0; b >>>= 0; c >>>= 0; d >>>= 0;
    let t = (a + b) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    d = (d + 1) | 0;
    t = (t + d) | 0;
    c = (c + t) | 0;
    return t >>> 0;
  };
  // The first outputs of sfc32 still echo the seed words; discard them.
  for (let i = 0; i < 15; i++) uint32();
  const next = () => uint32() / 4294967296;

  return {
    next,
    uint32,
    int(min, max) {
      return min + Math.floor(next() * (max - min + 1));
    },
    chance(p) {
      return next() < p;
    },
    pick(items) {
      if (items.length === 0) throw new RangeError('pick from an empty list');
      return items[Math.floor(next() * items.length)] as (typeof items)[number];
    },
    weighted(entries) {
      let total = 0;
      for (const [, weight] of entries) total += weight;
      if (!(total > 0)) throw new RangeError('weighted pick needs a positive total weight');
      let target = next() * total;
      for (const [value, weight] of entries) {
        target -= weight;
        if (target < 0) return value;
      }
      // Floating-point residue: the last entry with weight.
      return entries.findLast(([, weight]) => weight > 0)![0];
    },
    normal(mean, sd) {
      const u = 1 - next(); // (0, 1]: log(0) is not allowed
      const v = next();
      return mean + sd * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
    },
  };
}
