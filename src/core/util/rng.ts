/**
 * Seeded pseudo-random numbers (mulberry32). Every random choice in the engine
 * (shuffles, splits, random mappings, initialisation) draws from one of these,
 * so a seed reproduces a run.
 */
export class Rng {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** Standard normal (Box-Muller). */
  normal(): number {
    const u = 1 - this.next();
    const v = this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  /** Fisher-Yates shuffle in place; returns the array. */
  shuffle<T extends { length: number; [i: number]: unknown }>(a: T): T {
    for (let i = a.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const tmp = a[i];
      a[i] = a[j];
      a[j] = tmp;
    }
    return a;
  }

  /** The generator's whole state: `Rng.restore(state)` continues exactly where this one is. */
  get state32(): number {
    return this.state;
  }

  static restore(state32: number): Rng {
    const rng = new Rng(0);
    rng.state = state32 >>> 0;
    return rng;
  }

  /** A child generator, so that sub-tasks draw independent streams from one seed. */
  fork(): Rng {
    return new Rng(Math.floor(this.next() * 4294967296));
  }
}
