import type { Dataset, ImageCollection } from './imageSet';
import { stratifiedFraction, stratifiedSample, stratifiedSplit } from './splits';

/** How much of a dataset a run uses: a seeded, class-stratified selection. */
export interface DataSelection {
  /** Fraction of the training pool held out for validation. */
  valFraction: number;
  /** Training images used (spread evenly over the classes). */
  trainImages: number;
  /** Validation images used. */
  valImages: number;
  /** Test images used for the final report (drawn per class from the test split). */
  testImages: number;
  /** Data scalability: keep 1/r of every class of the training pool (r ≥ 1). */
  fraction: number;
  /**
   * Fraction of every class held out as a test split when the dataset has none of its own
   * (never trained or validated on). Absent = 0.
   */
  testFraction?: number;
}

/** Some images of a set, by index. */
export interface SplitImages {
  set: ImageCollection;
  indices: Int32Array;
}

export interface RunSplits {
  train: SplitImages;
  val: SplitImages;
  test: SplitImages | null;
}

/**
 * The images of a run, from the seed alone: validation comes out of the training pool; test is
 * the dataset's own test split, or a share carved out of the pool when it has none. Every trial
 * of a search with the same seed sees the same images.
 */
export function selectSplits(d: Dataset, data: DataSelection, seed: number): RunSplits {
  const labels = d.train.labels;
  const carveTest = !d.test && data.testFraction ? { test: data.testFraction } : {};
  const pools = stratifiedSplit(labels, { fractions: { val: data.valFraction, ...carveTest }, seed });
  const pool = data.fraction > 1 ? stratifiedFraction(pools.train, labels, data.fraction, seed) : pools.train;
  const train = { set: d.train, indices: stratifiedSample(labels, { total: data.trainImages }, seed, pool) };
  const val = { set: d.train, indices: stratifiedSample(labels, { total: data.valImages }, seed + 1, pools.val) };
  let test: SplitImages | null = null;
  if (d.test) {
    test = { set: d.test, indices: stratifiedSample(d.test.labels, { total: data.testImages }, seed + 2) };
  } else if (pools.test) {
    test = { set: d.train, indices: stratifiedSample(labels, { total: data.testImages }, seed + 2, pools.test) };
  }
  return { train, val, test: test && test.indices.length > 0 ? test : null };
}
