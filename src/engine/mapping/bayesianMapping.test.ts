import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_DESIGN } from '../../core/design/schema';
import type { VPDesign } from '../../core/design/design';
import { darkOrBright, tinySource } from '../../../test/support/tinyNetwork';
import { trainVisualPrompt } from '../train/trainer';
import { VisualPromptModel } from '../train/visualPromptModel';
import { BayesianMapping, bayesianWeights, blmPlusTopK } from './bayesianMapping';
import { createLabelMapping, type MappingState } from './labelMapping';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

async function take(t: tf.Tensor): Promise<number[]> {
  const v = Array.from(await t.data());
  t.dispose();
  return v;
}

describe('BLM weights ω (hand-worked)', () => {
  // d[s][t]: source 0 was top-1 for two images of class 0, source 1 for one image of each class,
  // source 2 never. Rows ÷ (row sum + 1): [2/3, 0], [1/3, 1/3], [0, 0]. Column sums 1 and 1/3.
  const counts = [2, 0, 1, 1, 0, 0];
  const omega = [2 / 3, 0, 1 / 3, 1, 0, 0];

  it('divides rows by their sum + λ, then columns by their sum', () => {
    const w = bayesianWeights(counts, 3, 2);
    Array.from(w).forEach((v, i) => expect(v).toBeCloseTo(omega[i] as number, 6));
  });

  it('lets λ = 1 damp rarely predicted sources: one vote gives 1/2, a hundred give 100/101 before the columns', () => {
    // Sources 0 and 1 only ever predicted for class 0 (100 times and once); source 2 for class 1.
    const w = bayesianWeights([100, 0, 1, 0, 0, 3], 3, 2);
    const p0 = 100 / 101;
    const p1 = 1 / 2;
    expect(w[0]).toBeCloseTo(p0 / (p0 + p1), 6);
    expect(w[2]).toBeCloseTo(p1 / (p0 + p1), 6);
    expect(w[5]).toBeCloseTo(1, 6);
  });

  it('refuses a class without training images, naming it', () => {
    expect(() => bayesianWeights([1, 0, 0, 0, 2, 0], 2, 3)).toThrow(/target class #2: every class needs training images/);
  });

  it('counts top-1 votes per class (BLM): the same d from logits', async () => {
    const mapping = new BayesianMapping('blm', 3, 2);
    const logits = tf.tensor2d([[3, 1, 0], [2, -1, 0], [0, 5, 1], [-2, 0, -3]]);
    const labels = tf.tensor1d([0, 0, 0, 1], 'int32');
    expect(await take(mapping.countBatch(logits, labels))).toEqual(counts);
    tf.dispose([logits, labels]);
  });
});

describe('counting on the wasm backend (the CLI’s)', () => {
  it.each(['blm', 'blmplus'] as const)('%s: the same counts as on cpu', async (kind) => {
    const run = async (backend: string) => {
      await tf.setBackend(backend);
      const logits = tf.tensor2d([[3, 1, 0], [2, -1, 0], [0, 5, 1], [-2, 0, -3]]);
      const labels = tf.tensor1d([0, 0, 0, 1], 'int32');
      const counts = await take(new BayesianMapping(kind, 3, 2).countBatch(logits, labels));
      tf.dispose([logits, labels]);
      return counts;
    };
    const wasm = await run('wasm');
    const cpu = await run('cpu');
    // Four images: four votes (BLM), or the four top-1 probabilities, each above 0.8 (BLM+, k = 1).
    const total = wasm.reduce((a, b) => a + b, 0);
    if (kind === 'blm') expect(total).toBe(4);
    else expect(total).toBeGreaterThan(3.2);
    wasm.forEach((v, i) => expect(v).toBeCloseTo(cpu[i] as number, 6));
  });
});

describe('BLM+ soft counts', () => {
  it('takes k = max(1, ⌊0.15·T⌋), as the official int(0.15·T) for the papers’ datasets', () => {
    expect([10, 100, 43, 102, 47, 397, 37, 5, 1].map(blmPlusTopK)).toEqual([1, 15, 6, 15, 7, 59, 5, 1, 1]);
  });

  it('adds each image’s top-k softmax probabilities to its class (T = 14: k = 2)', async () => {
    const mapping = new BayesianMapping('blmplus', 3, 14);
    // Logits = log p, so softmax gives p back: [0.5, 0.3, 0.2] (class 0) and [0.1, 0.2, 0.7] (class 13).
    const logits = tf.log(tf.tensor2d([[0.5, 0.3, 0.2], [0.1, 0.2, 0.7]])) as tf.Tensor2D;
    const labels = tf.tensor1d([0, 13], 'int32');
    const d = await take(mapping.countBatch(logits, labels));
    const at = (s: number, t: number) => d[s * 14 + t] as number;
    expect([at(0, 0), at(1, 0), at(2, 0)].map((v) => +v.toFixed(6))).toEqual([0.5, 0.3, 0]);
    expect([at(0, 13), at(1, 13), at(2, 13)].map((v) => +v.toFixed(6))).toEqual([0, 0.2, 0.7]);
    expect(d.reduce((a, b) => a + b, 0)).toBeCloseTo(1.7, 6);
    tf.dispose([logits, labels]);
  });
});

describe('BayesianMapping', () => {
  it('maps raw logits through ω and trains nothing', async () => {
    const mapping = createLabelMapping({ ...DEFAULT_DESIGN, labelMapping: 'blm' }, 3, 2, 1, 'blm-test');
    expect(mapping).toBeInstanceOf(BayesianMapping);
    expect(mapping.variables()).toEqual([]);
    expect(() => mapping.apply(tf.zeros([1, 3]))).toThrow(/not been counted yet/);
    (mapping as BayesianMapping).setCounts([2, 0, 1, 1, 0, 0]);
    const logits = tf.tensor2d([[3, -6, 9]]);
    // [3·2/3 − 6·1/3, −6·1] = [0, −6]
    expect((await take(mapping.apply(logits))).map((v) => +v.toFixed(5))).toEqual([0, -6]);
    const state = await mapping.state();
    expect(state.kind).toBe('blm');
    expect('omega' in state && Array.from(state.omega).map((v) => +v.toFixed(6))).toEqual([0.666667, 0, 0.333333, 1, 0, 0]);
    tf.dispose(logits);
    mapping.dispose();
  });

  it('k does not limit BLM: 10 classes × k = 100 on a 10-class model is fine', () => {
    const mapping = createLabelMapping({ ...DEFAULT_DESIGN, labelMapping: 'blmplus', k: 100 }, 10, 10, 1, 'blm-k');
    expect(mapping.numTarget).toBe(10);
    mapping.dispose();
  });
});

describe('BLM in training', () => {
  let source: ReturnType<typeof tinySource>;
  beforeAll(async () => {
    await tf.setBackend('cpu');
    source = tinySource({ inputSize: 32, classes: 10, seed: 3 });
  });
  afterAll(() => source.network.dispose());
  const set = darkOrBright(48, 1);
  const train = { set, indices: Int32Array.from({ length: 32 }, (_, i) => i) };
  const val = { set, indices: Int32Array.from({ length: 16 }, (_, i) => 32 + i) };
  const design = (labelMapping: VPDesign['labelMapping']): VPDesign => ({
    ...DEFAULT_DESIGN, labelMapping, baseSize: 16, inputScale: 1, batchSize: 8, epochs: 3, learningRate: 0.05, schedule: 'constant',
  });

  it.each(['blm', 'blmplus'] as const)('%s: ω is recounted before every epoch, column-normalised, no tensor left behind', async (kind) => {
    const model = new VisualPromptModel(source, design(kind), 2);
    const before = tf.memory().numTensors;
    const counted: [number, MappingState][] = [];
    const result = await trainVisualPrompt(model, train, val, { onMapping: (epoch, state) => counted.push([epoch, state]) });
    expect(result.steps).toBe(12);
    expect(counted.map(([e]) => e)).toEqual([0, 1, 2]);
    for (const [, state] of counted) {
      if (!('omega' in state)) throw new Error('not a BLM state');
      expect(state.omega).toHaveLength(10 * 2);
      for (let t = 0; t < 2; t++) {
        let sum = 0;
        for (let s = 0; s < 10; s++) sum += state.omega[s * 2 + t] as number;
        expect(sum).toBeCloseTo(1, 5);
      }
      expect(state.omega.every((v) => v >= 0)).toBe(true);
    }
    // The mapping holds its ω matrix; nothing else remains.
    expect(tf.memory().numTensors).toBe(before + 1);
    model.dispose();
  });
});
