/**
 * A small seeded PRNG (mulberry32) with the helpers random tests need, so a run is
 * reproducible from its printed seed.
 */
export interface SeededRandom {
  readonly seed: number;
  /** In [0, 1). */
  next(): number;
  /** A whole number in [min, max]. */
  int(min: number, max: number): number;
  /** True with probability p. */
  chance(p: number): boolean;
  pick<T>(items: readonly T[]): T;
  /** Up to `max` distinct items, at least `min`. */
  some<T>(items: readonly T[], min: number, max: number): T[];
}

export function createSeededRandom(seed: number): SeededRandom {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
  const int = (min: number, max: number) => min + Math.floor(next() * (max - min + 1));
  return {
    seed,
    next,
    int,
    chance: (p) => next() < p,
    pick: (items) => {
      if (items.length === 0) throw new Error('pick from an empty list');
      return items[int(0, items.length - 1)]!;
    },
    some: (items, min, max) => {
      const pool = [...items];
      const count = Math.min(pool.length, int(min, max));
      const chosen = [];
      for (let i = 0; i < count; i += 1) chosen.push(pool.splice(int(0, pool.length - 1), 1)[0]!);
      return chosen;
    },
  };
}

/** The seed from an environment variable when it holds a whole number, else a fresh one. */
export function seedFrom(value: string | undefined): number {
  if (value !== undefined && /^\d+$/.test(value.trim())) return Number(value.trim()) >>> 0;
  return Math.floor(Math.random() * 2 ** 32) >>> 0;
}
