import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import {
  checkCapacity,
  countMatrix,
  freqAssignment,
  MappingCapacityError,
  randomAssignment,
  semanticAssignment,
} from './assignments';
import { createLabelMapping, IndexMapping } from './labelMapping';

const counts = [
  [5, 1], // source 0
  [5, 7], // source 1
  [0, 0], // source 2
  [2, 2], // source 3
];

describe('FreqMap', () => {
  it('takes the largest counts first, breaking ties by source then target (k = 1)', () => {
    // 7 → target 1 takes source 1; the two 5s tie: (s0,t0) comes before (s1,t0).
    expect(freqAssignment(counts, 2, 1)).toEqual([[0], [1]]);
  });

  it('skips used sources and fills from zero counts in index order (k = 2)', () => {
    // 7: t1←s1; 5: t0←s0; 5: s1 used; 2: t0←s3; 2: s3 used; 1: s0 used; 0: t0 full, t1←s2.
    expect(freqAssignment(counts, 2, 2)).toEqual([
      [0, 3],
      [1, 2],
    ]);
  });

  it('counts top-1 predictions per target', () => {
    const m = countMatrix([2, 2, 0, 1], [0, 0, 1, 1], 3, 2);
    expect(m.map((r) => [...r])).toEqual([
      [0, 1],
      [0, 1],
      [2, 0],
    ]);
  });
});

describe('random and semantic mappings', () => {
  it('random mapping is disjoint, complete and seeded', () => {
    const a = randomAssignment(100, 10, 5, 42);
    const flat = a.flat();
    expect(a.every((x) => x.length === 5)).toBe(true);
    expect(new Set(flat).size).toBe(50);
    expect(flat.every((s) => s >= 0 && s < 100)).toBe(true);
    expect(randomAssignment(100, 10, 5, 42)).toEqual(a);
    expect(randomAssignment(100, 10, 5, 43)).not.toEqual(a);
  });

  it('semantic mapping takes the most similar unused source, round robin', () => {
    const sim = [
      [0.9, 0.8, 0.1, 0.0], // target 0
      [0.95, 0.2, 0.3, 0.1], // target 1
    ];
    // Round 1: t0 takes s0; t1's best (s0) is used, so s2. Round 2: t0 takes s1; t1 takes s3.
    expect(semanticAssignment(sim, 4, 2)).toEqual([
      [0, 1],
      [2, 3],
    ]);
  });

  it('explains when a one-to-one mapping needs more source labels than the model has', () => {
    expect(() => checkCapacity(5, 10, 1)).toThrow(MappingCapacityError);
    expect(() => checkCapacity(5, 10, 1)).toThrow(
      /10 target classes × k=1 = 10 distinct source labels, but the model has only 5/,
    );
    expect(() =>
      createLabelMapping({ labelMapping: 'freq', k: 1, interval: 1, identityInit: false }, 5, 10, 1, 't'),
    ).toThrow(/FullyMap/);
  });
});

describe('index mapping', () => {
  it('averages the k source logits of each target', () => {
    const m = new IndexMapping('freq', 4, 2, 2, 1);
    m.setAssignment([
      [0, 3],
      [1, 2],
    ]);
    const logits = tf.tensor2d([[1, 2, 3, 4]]);
    const out = m.apply(logits);
    expect(out.arraySync()).toEqual([[2.5, 2.5]]);
    tf.dispose([logits, out]);
    m.dispose();
  });

  it('iter mapping updates every `interval` epochs, freq only once', () => {
    const iter = new IndexMapping('iter', 4, 2, 1, 2);
    expect([0, 1, 2, 3, 4].map((e) => iter.needsFrequencyUpdate(e))).toEqual([true, false, true, false, true]);
    const freq = new IndexMapping('freq', 4, 2, 1, 1);
    expect(freq.needsFrequencyUpdate(0)).toBe(true);
    freq.setAssignment([[0], [1]]);
    expect(freq.needsFrequencyUpdate(0)).toBe(false);
    expect(freq.needsFrequencyUpdate(1)).toBe(false);
    freq.dispose();
  });
});
