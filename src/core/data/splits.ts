/**
 * Seeded, class-stratified index selection: train/val/test splits, class-preserving fractions
 * and small balanced samples. Everything returns image indices (Int32Array) into the labels
 * given, in an order shuffled by the seed; the same seed always gives the same result.
 */
import { Rng } from '../util/rng';

export interface SplitOptions {
  /** Fractions of every class that go to val and (if given) test; the rest is train. */
  fractions: { val: number; test?: number };
  seed: number;
}

export interface SplitIndices {
  train: Int32Array;
  val: Int32Array;
  /** Present exactly when fractions.test was given. */
  test?: Int32Array;
}

/** Either a count per class or a total spread as evenly as possible over the classes. */
export type SampleSize = { perClass: number } | { total: number };

/**
 * Groups indices by label. `indices` defaults to 0..labels.length-1. Classes come out in
 * ascending label order, indices in the order given.
 */
function groupByClass(labels: ArrayLike<number>, indices?: ArrayLike<number>): number[][] {
  const groups = new Map<number, number[]>();
  const n = indices ? indices.length : labels.length;
  for (let k = 0; k < n; k++) {
    const i = indices ? indices[k]! : k;
    if (!Number.isInteger(i) || i < 0 || i >= labels.length) {
      throw new Error(`index ${i} is outside 0..${labels.length - 1}`);
    }
    const l = labels[i]!;
    if (!Number.isInteger(l) || l < 0) throw new Error(`label ${l} of image ${i} is not a class index`);
    const g = groups.get(l);
    if (g) g.push(i);
    else groups.set(l, [i]);
  }
  return [...groups.entries()].sort((a, b) => a[0] - b[0]).map(([, g]) => g);
}

/** out.push(...src.slice(start, end)) without spreading (large classes would overflow the stack). */
function pushAll(out: number[], src: number[], start: number, end = src.length): void {
  for (let i = start; i < Math.min(end, src.length); i++) out.push(src[i]!);
}

function checkFraction(name: string, f: number): void {
  if (!Number.isFinite(f) || f < 0 || f >= 1) throw new Error(`${name} fraction ${f} is outside [0, 1)`);
}

/**
 * Splits every class into train / val / (test) in the same proportions: per class of n images,
 * round(n·val) go to val and round(n·test) to test, reduced where needed so that every class
 * with at least 2 images keeps at least one training image (a class with a single image goes to
 * train). Deterministic for a seed; disjoint; together the parts cover every index.
 */
export function stratifiedSplit(labels: ArrayLike<number>, options: SplitOptions): SplitIndices {
  const { val, test } = options.fractions;
  checkFraction('val', val);
  if (test !== undefined) checkFraction('test', test);
  if (val + (test ?? 0) >= 1) throw new Error(`val + test fractions (${val + (test ?? 0)}) leave nothing to train on`);
  const rng = new Rng(options.seed);
  const train: number[] = [];
  const valOut: number[] = [];
  const testOut: number[] = [];
  for (const group of groupByClass(labels)) {
    const n = group.length;
    let nVal = n >= 2 ? Math.round(n * val) : 0;
    let nTest = n >= 2 && test !== undefined ? Math.round(n * test) : 0;
    // Keep at least one training image: take the surplus from whichever held-out part is larger.
    while (n >= 2 && nVal + nTest > n - 1) {
      if (nVal >= nTest) nVal--;
      else nTest--;
    }
    rng.shuffle(group);
    pushAll(testOut, group, 0, nTest);
    pushAll(valOut, group, nTest, nTest + nVal);
    pushAll(train, group, nTest + nVal);
  }
  const out: SplitIndices = {
    train: rng.shuffle(Int32Array.from(train)),
    val: rng.shuffle(Int32Array.from(valOut)),
  };
  if (test !== undefined) out.test = rng.shuffle(Int32Array.from(testOut));
  return out;
}

/**
 * Keeps 1/r of each class among `indices` (labels are looked up as labels[index]):
 * max(1, round(n_c / r)) images of a class with n_c, so every class present stays present.
 * r ≥ 1; r = 1 keeps everything. Returns a seeded subset in shuffled order.
 */
export function stratifiedFraction(indices: ArrayLike<number>, labels: ArrayLike<number>, r: number, seed: number): Int32Array {
  if (!Number.isFinite(r) || r < 1) throw new Error(`fraction divisor r = ${r} must be ≥ 1`);
  const rng = new Rng(seed);
  const out: number[] = [];
  for (const group of groupByClass(labels, indices)) {
    const keep = Math.max(1, Math.round(group.length / r));
    rng.shuffle(group);
    pushAll(out, group, 0, keep);
  }
  return rng.shuffle(Int32Array.from(out));
}

/**
 * `total` images spread over classes of `caps[c]` images as evenly as they allow (a class short of
 * its share gives the rest to the others), before the last few single images: `leftover` of them
 * go to classes of `open` (those not yet full), which stratifiedSample picks with its seed.
 */
export function evenQuota(caps: readonly number[], total: number): { quota: number[]; leftover: number; open: number[] } {
  const quota = caps.map(() => 0);
  let remaining = Math.min(total, caps.reduce((a, b) => a + b, 0));
  while (remaining > 0) {
    const open = caps.map((_, c) => c).filter((c) => quota[c]! < caps[c]!);
    const share = Math.floor(remaining / open.length);
    if (share === 0) return { quota, leftover: remaining, open };
    for (const c of open) {
      const give = Math.min(share, caps[c]! - quota[c]!);
      quota[c]! += give;
      remaining -= give;
    }
  }
  return { quota, leftover: 0, open: [] };
}

/**
 * A small balanced sample: `{ perClass: k }` takes min(k, n_c) images of every class;
 * `{ total: t }` spreads t images as evenly as the classes allow (a class short of its share
 * gives the rest to the others; leftover single images go to classes chosen by the seed).
 * Samples from `pool` (indices into labels) when given, else from every image. Seeded; shuffled.
 */
export function stratifiedSample(labels: ArrayLike<number>, size: SampleSize, seed: number, pool?: ArrayLike<number>): Int32Array {
  const rng = new Rng(seed);
  const groups = groupByClass(labels, pool);
  const quota = new Array<number>(groups.length).fill(0);
  if ('perClass' in size) {
    const k = size.perClass;
    if (!Number.isInteger(k) || k < 0) throw new Error(`perClass ${k} must be a non-negative integer`);
    groups.forEach((g, c) => (quota[c] = Math.min(k, g.length)));
  } else {
    const t = size.total;
    if (!Number.isInteger(t) || t < 0) throw new Error(`total ${t} must be a non-negative integer`);
    const even = evenQuota(
      groups.map((g) => g.length),
      t,
    );
    even.quota.forEach((q, c) => (quota[c] = q));
    if (even.leftover > 0) for (const c of rng.shuffle(even.open).slice(0, even.leftover)) quota[c]!++;
  }
  const out: number[] = [];
  groups.forEach((g, c) => {
    rng.shuffle(g);
    pushAll(out, g, 0, quota[c]!);
  });
  return rng.shuffle(Int32Array.from(out));
}
