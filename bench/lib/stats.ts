/** Repeated timings: median (the headline), extremes and relative spread. */
export interface Timing {
  median: number;
  min: number;
  max: number;
  /** (max − min) / median. */
  spread: number;
  samples: number[];
}

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

export function timing(samples: readonly number[]): Timing {
  const m = median(samples);
  const [min, max] = [Math.min(...samples), Math.max(...samples)];
  return { median: m, min, max, spread: (max - min) / m, samples: samples.map((x) => Math.round(x * 10) / 10) };
}

export function mean(xs: readonly number[]): number {
  return xs.reduce((s, x) => s + x, 0) / xs.length;
}

/** Sample standard deviation (n − 1 in the denominator); 0 for a single value. */
export function sampleStd(xs: readonly number[]): number {
  if (xs.length < 2) return 0;
  const m = mean(xs);
  return Math.sqrt(xs.reduce((s, x) => s + (x - m) ** 2, 0) / (xs.length - 1));
}
