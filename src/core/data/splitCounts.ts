/**
 * The sizes stratifiedSplit (splits.ts) will produce, from class counts alone: what the dataset
 * overview shows while the ratios are being adjusted, without touching the images. Mirrors its
 * rounding exactly (a test checks the two against each other).
 */
export interface SplitCounts {
  /** Per class. */
  train: number[];
  val: number[];
  test: number[];
}

/** Per class of n images: what stratifiedSplit gives to validation and test (at least one training image stays). */
export function splitClass(n: number, val: number, test: number): { train: number; val: number; test: number } {
  let nVal = n >= 2 ? Math.round(n * val) : 0;
  let nTest = n >= 2 ? Math.round(n * test) : 0;
  while (n >= 2 && nVal + nTest > n - 1) {
    if (nVal >= nTest) nVal--;
    else nTest--;
  }
  return { train: n - nVal - nTest, val: nVal, test: nTest };
}

export function stratifiedSplitCounts(countsByClass: readonly number[], fractions: { val: number; test?: number }): SplitCounts {
  const { val, test = 0 } = fractions;
  for (const [name, f] of [['val', val], ['test', test]] as const) {
    if (!Number.isFinite(f) || f < 0 || f >= 1) throw new Error(`${name} fraction ${f} is outside [0, 1)`);
  }
  if (val + test >= 1) throw new Error(`val + test fractions (${val + test}) leave nothing to train on`);
  const out: SplitCounts = { train: [], val: [], test: [] };
  for (const n of countsByClass) {
    const c = splitClass(n, val, test);
    out.train.push(c.train);
    out.val.push(c.val);
    out.test.push(c.test);
  }
  return out;
}

export const sumCounts = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0);
