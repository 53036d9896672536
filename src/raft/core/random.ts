/** An injected source of randomness, so that the core stays deterministic under a seed. */
export interface RandomSource {
  /** An integer in [0, maxExclusive). */
  nextInt(maxExclusive: number): number;
}

/** mulberry32: a small, fast, seedable PRNG; good enough for election jitter and simulations. */
export class SeededRandom implements RandomSource {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  nextInt(maxExclusive: number): number {
    return Math.floor(this.next() * maxExclusive);
  }
}
