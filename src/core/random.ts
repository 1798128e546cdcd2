// The sandbox's seeded randomness: one stream, seeded by `--seed` / SANDBOX_SEED (default 42) and
// re-seeded on a full reset, so the same seed and the same traffic give the same faults.
// mulberry32: tiny, fast, good enough for test traffic (not for cryptography).

export const DEFAULT_SEED = 42;

/** A 32-bit seed from a number or any string (FNV-1a for strings). */
export function seedOf(seed: number | string): number {
  if (typeof seed === 'number' && Number.isFinite(seed)) return seed >>> 0;
  const text = String(seed);
  if (/^\d+$/.test(text)) return Number(text) >>> 0;
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

export class SeededRandom {
  private state: number;

  constructor(readonly seed: number | string = DEFAULT_SEED) {
    this.state = seedOf(seed);
  }

  /** Back to the start of the stream. */
  reseed(): void {
    this.state = seedOf(this.seed);
  }

  /** Uniform in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Uniform in [min, max]. */
  uniform(min: number, max: number): number {
    return min + (max - min) * this.next();
  }

  /** Standard normal (Box–Muller; two draws). */
  normal(): number {
    const u = 1 - this.next(); // (0, 1]: log is finite
    const v = this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  /** Lognormal with the given median and sigma (of the underlying normal). */
  lognormal(median: number, sigma: number): number {
    return median * Math.exp(sigma * this.normal());
  }

  /** true with probability p (always draws, so the stream advances the same way either way). */
  chance(p: number): boolean {
    return this.next() < p;
  }
}
