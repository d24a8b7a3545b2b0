import { describe, expect, it } from 'vitest';
import { countByClass } from './imageSet';
import { stratifiedFraction, stratifiedSample, stratifiedSplit } from './splits';

/** Labels with the given number of images per class, interleaved (not sorted by class). */
function makeLabels(counts: number[]): Int32Array {
  const out: number[] = [];
  const left = [...counts];
  while (left.some((c) => c > 0)) {
    left.forEach((c, k) => {
      if (c > 0) {
        out.push(k);
        left[k] = c - 1;
      }
    });
  }
  return Int32Array.from(out);
}

const sorted = (a: ArrayLike<number>) => Array.from(a).sort((x, y) => x - y);

describe('stratifiedSplit', () => {
  const counts = [100, 50, 20, 7, 2, 1];
  const labels = makeLabels(counts);
  const split = stratifiedSplit(labels, { fractions: { val: 0.2, test: 0.1 }, seed: 1 });

  it('is disjoint and covers every index', () => {
    const all = [...split.train, ...split.val, ...split.test!];
    expect(all.length).toBe(labels.length);
    expect(sorted(all)).toEqual(Array.from({ length: labels.length }, (_, i) => i));
  });

  it('splits every class in the same proportions', () => {
    const lab = (idx: Int32Array) => countByClass(Array.from(idx, (i) => labels[i]!), counts.length);
    const tr = lab(split.train);
    const va = lab(split.val);
    const te = lab(split.test!);
    expect(va.slice(0, 4)).toEqual([20, 10, 4, 1]); // round(n × 0.2)
    expect(te.slice(0, 4)).toEqual([10, 5, 2, 1]); // round(n × 0.1)
    expect(tr.slice(0, 4)).toEqual([70, 35, 14, 5]);
    // every class with ≥ 2 images keeps a training image; a single image goes to train
    counts.forEach((n, c) => {
      expect(tr[c]! + va[c]! + te[c]!).toBe(n);
      expect(tr[c]).toBeGreaterThanOrEqual(1);
    });
    expect(tr[5]).toBe(1);
  });

  it('keeps a training image even when the fractions would take everything', () => {
    const l = makeLabels([2, 3]);
    const s = stratifiedSplit(l, { fractions: { val: 0.5, test: 0.45 }, seed: 3 });
    const tr = countByClass(Array.from(s.train, (i) => l[i]!), 2);
    expect(tr).toEqual([1, 1]);
    expect(s.train.length + s.val.length + s.test!.length).toBe(5);
  });

  it('is deterministic per seed, differs across seeds, and shuffles the order', () => {
    const again = stratifiedSplit(labels, { fractions: { val: 0.2, test: 0.1 }, seed: 1 });
    expect(Array.from(again.train)).toEqual(Array.from(split.train));
    expect(Array.from(again.val)).toEqual(Array.from(split.val));
    expect(Array.from(again.test!)).toEqual(Array.from(split.test!));
    const other = stratifiedSplit(labels, { fractions: { val: 0.2, test: 0.1 }, seed: 2 });
    expect(Array.from(other.val)).not.toEqual(Array.from(split.val));
    expect(Array.from(split.train)).not.toEqual(sorted(split.train));
  });

  it('omits test unless asked, and rejects bad fractions', () => {
    const s = stratifiedSplit(labels, { fractions: { val: 0.25 }, seed: 0 });
    expect(s.test).toBeUndefined();
    expect(s.train.length + s.val.length).toBe(labels.length);
    expect(() => stratifiedSplit(labels, { fractions: { val: 0.6, test: 0.4 }, seed: 0 })).toThrow(/nothing to train/);
    expect(() => stratifiedSplit(labels, { fractions: { val: -0.1 }, seed: 0 })).toThrow(/outside/);
    expect(() => stratifiedSplit(Int32Array.from([0, -1]), { fractions: { val: 0.1 }, seed: 0 })).toThrow(/not a class index/);
  });
});

describe('stratifiedFraction', () => {
  const counts = [400, 200, 40, 3];
  const labels = makeLabels(counts);
  const all = Int32Array.from(labels, (_, i) => i);

  it('keeps 1/r of every class, at least one per class present', () => {
    const kept = stratifiedFraction(all, labels, 10, 5);
    const c = countByClass(Array.from(kept, (i) => labels[i]!), 4);
    expect(c).toEqual([40, 20, 4, 1]);
    expect(new Set(kept).size).toBe(kept.length);
  });

  it('only draws from the given indices, deterministically', () => {
    const pool = Int32Array.from(all.filter((i) => i % 2 === 0));
    const kept = stratifiedFraction(pool, labels, 4, 9);
    const inPool = new Set(pool);
    expect(Array.from(kept).every((i) => inPool.has(i))).toBe(true);
    expect(Array.from(stratifiedFraction(pool, labels, 4, 9))).toEqual(Array.from(kept));
    expect(Array.from(stratifiedFraction(pool, labels, 4, 10))).not.toEqual(Array.from(kept));
    expect(stratifiedFraction(pool, labels, 1, 0).length).toBe(pool.length);
    expect(() => stratifiedFraction(pool, labels, 0.5, 0)).toThrow();
  });
});

describe('stratifiedSample', () => {
  const counts = [50, 30, 4, 10];
  const labels = makeLabels(counts);
  const classCounts = (idx: Int32Array) => countByClass(Array.from(idx, (i) => labels[i]!), counts.length);

  it('takes k per class (all of a smaller class)', () => {
    expect(classCounts(stratifiedSample(labels, { perClass: 8 }, 1))).toEqual([8, 8, 4, 8]);
  });

  it('spreads a total evenly, giving a short class’s share to the others', () => {
    const s = stratifiedSample(labels, { total: 30 }, 1);
    expect(s.length).toBe(30);
    const c = classCounts(s);
    expect(c[2]).toBe(4);
    // 26 over the 3 other classes: 9/9/8 in some order
    expect(sorted([c[0]!, c[1]!, c[3]!])).toEqual([8, 9, 9]);
    expect(new Set(s).size).toBe(30);
  });

  it('caps at the number of images and samples from a pool', () => {
    expect(stratifiedSample(labels, { total: 1000 }, 0).length).toBe(labels.length);
    const pool = Int32Array.from({ length: 40 }, (_, i) => i);
    const s = stratifiedSample(labels, { perClass: 100 }, 0, pool);
    expect(sorted(s)).toEqual(Array.from(pool));
  });

  it('is deterministic per seed', () => {
    const a = stratifiedSample(labels, { total: 20 }, 42);
    expect(Array.from(stratifiedSample(labels, { total: 20 }, 42))).toEqual(Array.from(a));
    expect(Array.from(stratifiedSample(labels, { total: 20 }, 43))).not.toEqual(Array.from(a));
  });
});
