import { describe, expect, it } from 'vitest';
import { Rng } from '../util/rng';
import { countByClass } from './imageSet';
import { stratifiedSplitCounts, sumCounts } from './splitCounts';
import { stratifiedSplit } from './splits';

function labelsFor(counts: number[], rng: Rng): Int32Array {
  const out: number[] = [];
  counts.forEach((n, c) => {
    for (let i = 0; i < n; i++) out.push(c);
  });
  return rng.shuffle(Int32Array.from(out));
}

describe('stratifiedSplitCounts', () => {
  it('predicts exactly what stratifiedSplit produces, per class', () => {
    const rng = new Rng(11);
    for (let trial = 0; trial < 200; trial++) {
      const k = 2 + rng.int(8);
      const counts = Array.from({ length: k }, () => 1 + rng.int(trial % 3 === 0 ? 5 : 300));
      const val = rng.int(50) / 100;
      const test = trial % 2 ? rng.int(45) / 100 : undefined;
      const fractions = test === undefined ? { val } : { val, test };
      const labels = labelsFor(counts, rng);
      const split = stratifiedSplit(labels, { fractions, seed: trial });
      const per = (idx: Int32Array | undefined) => (idx ? countByClass(Array.from(idx, (i) => labels[i]!), k) : new Array(k).fill(0));
      const predicted = stratifiedSplitCounts(counts, fractions);
      expect(predicted.train).toEqual(per(split.train));
      expect(predicted.val).toEqual(per(split.val));
      expect(predicted.test).toEqual(per(split.test));
    }
  });

  it('keeps one training image per class and rejects impossible fractions', () => {
    const c = stratifiedSplitCounts([2, 1, 10], { val: 0.5, test: 0.45 });
    expect(c.train).toEqual([1, 1, 1]);
    expect(sumCounts(c.val) + sumCounts(c.test) + sumCounts(c.train)).toBe(13);
    expect(() => stratifiedSplitCounts([5], { val: 0.5, test: 0.5 })).toThrow(/nothing to train/);
    expect(() => stratifiedSplitCounts([5], { val: -0.1 })).toThrow(/outside/);
  });
});
