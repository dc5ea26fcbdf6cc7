import seedrandom from 'seedrandom';

/**
 * A deterministic random stream (seedrandom's Alea: fast, and the same sequence on every platform)
 * with the draws the synthetic world needs. The generator consumes one stream in household order,
 * so a given seed always yields the same rows and a larger run starts with the rows of a smaller one.
 */
export class Random {
  private readonly prng: seedrandom.PRNG;

  constructor(seed: string | number) {
    this.prng = seedrandom.alea(String(seed));
  }

  /** Uniform in [0, 1). */
  next(): number {
    return this.prng();
  }

  /** Uniform integer in [min, max], both ends included. */
  int(min: number, max: number): number {
    return min + Math.floor(this.prng() * (max - min + 1));
  }

  /** True with probability `p`. */
  chance(p: number): boolean {
    return this.prng() < p;
  }

  /** One element, uniformly. */
  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error('Random.pick: cannot pick from an empty list');
    return items[Math.floor(this.prng() * items.length)] as T;
  }

  /** Normally distributed (Box–Muller; consumes two draws). */
  normal(mean: number, sd: number): number {
    const u = 1 - this.prng();
    const v = this.prng();
    return mean + sd * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  /** Log-uniform in [min, max): as many values between 100 and 1,000 as between 1,000 and 10,000. */
  logUniform(min: number, max: number): number {
    return min * Math.pow(max / min, this.prng());
  }

  /** Shuffles `items` in place (Fisher–Yates) and returns it. */
  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i -= 1) {
      const j = Math.floor(this.prng() * (i + 1));
      const a = items[i] as T;
      items[i] = items[j] as T;
      items[j] = a;
    }
    return items;
  }
}

/** Values drawn in proportion to their weights (binary search over the cumulative weights). */
export class WeightedTable<T> {
  private readonly values: T[];
  private readonly cumulative: number[];
  private readonly total: number;

  constructor(entries: readonly (readonly [T, number])[]) {
    this.values = [];
    this.cumulative = [];
    let sum = 0;
    for (const [value, weight] of entries) {
      if (!(weight >= 0)) throw new Error(`WeightedTable: weight of ${String(value)} must be >= 0, got ${weight}`);
      if (weight === 0) continue;
      sum += weight;
      this.values.push(value);
      this.cumulative.push(sum);
    }
    if (sum === 0) throw new Error('WeightedTable: needs at least one positive weight');
    this.total = sum;
  }

  draw(random: Random): T {
    const target = random.next() * this.total;
    let lo = 0;
    let hi = this.cumulative.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((this.cumulative[mid] as number) > target) hi = mid;
      else lo = mid + 1;
    }
    return this.values[lo] as T;
  }
}

/** Shorthand for `new WeightedTable(entries)`. */
export function weighted<T>(entries: readonly (readonly [T, number])[]): WeightedTable<T> {
  return new WeightedTable(entries);
}

/** FNV-1a: a stable 32-bit hash of a string, for per-key offsets that must not depend on draw order. */
export function hash32(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i += 1) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}
