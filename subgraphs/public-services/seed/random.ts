/** A small deterministic generator (mulberry32): the same seed gives the same synthetic data on every machine. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** A roughly normal draw (sum of uniforms) with the given mean and spread. */
export function normal(random: () => number, mean: number, sd: number): number {
  let s = 0;
  for (let i = 0; i < 6; i++) s += random();
  return mean + (s - 3) * sd * Math.SQRT2;
}

export function pick<T>(random: () => number, items: readonly T[]): T {
  return items[Math.floor(random() * items.length)]!;
}

/** FNV-1a of a string: a stable 32-bit number for a code (the same on every machine). */
export function hashString(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}
