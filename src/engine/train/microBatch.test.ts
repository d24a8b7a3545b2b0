import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_DESIGN } from '../../core/design/schema';
import type { VPDesign } from '../../core/design/design';
import { darkOrBright, tinySource } from '../../../test/support/tinyNetwork';
import { microBatchFor, stepMemory } from './stepMemory';
import { PromptTrainer } from './trainer';
import { VisualPromptModel } from './visualPromptModel';

let source: ReturnType<typeof tinySource>;
const set = darkOrBright(40, 2);
const train = { set, indices: Int32Array.from({ length: 24 }, (_, i) => i) };
const val = { set, indices: Int32Array.from({ length: 16 }, (_, i) => 24 + i) };
const design: VPDesign = {
  ...DEFAULT_DESIGN,
  baseSize: 16,
  inputScale: 1,
  trainableResize: true,
  batchSize: 8,
  epochs: 1,
  learningRate: 0.05,
  schedule: 'constant',
  labelMapping: 'fully',
};

beforeAll(async () => {
  await tf.setBackend('cpu');
  source = tinySource({ inputSize: 32, classes: 10, seed: 3 });
});
afterAll(() => source.network.dispose());

/** One epoch with `microBatch` images per pass: the batch losses and the learnt values. */
async function epochWith(microBatch: number): Promise<{ losses: number[]; values: Float32Array[] }> {
  const model = new VisualPromptModel(source, design, 2);
  const losses: number[] = [];
  const trainer = new PromptTrainer(model, train, val, { onBatch: (m) => losses.push(m.loss) });
  trainer.microBatch = microBatch;
  await trainer.runEpoch();
  const values = await Promise.all(model.variables().map(async (v) => (await v.data()) as Float32Array));
  trainer.dispose();
  model.dispose();
  return { losses, values };
}

describe('micro-batches', () => {
  it('give the same step as the whole batch: losses and learnt values (cpu, passes of 3, 3 and 2 images)', async () => {
    await tf.setBackend('cpu');
    const whole = await epochWith(8);
    const parts = await epochWith(3);
    expect(parts.losses).toHaveLength(3);
    parts.losses.forEach((l, i) => expect(l).toBeCloseTo(whole.losses[i] as number, 5));
    parts.values.forEach((v, i) => {
      const w = whole.values[i] as Float32Array;
      const diff = Math.max(...v.map((x, k) => Math.abs(x - (w[k] as number))));
      expect(diff, `variable ${i}`).toBeLessThan(1e-5);
    });
  });

  it('are chosen on wasm to keep a step within the budget, from the measured memory per image', async () => {
    await tf.setBackend('wasm');
    const model = new VisualPromptModel(source, design, 2);
    await microBatchFor(model, train, 8); // first use makes what later steps keep
    const { fixed, perImage } = await stepMemory(model, train);
    expect(perImage).toBeGreaterThan(1000);
    expect(await microBatchFor(model, train, 8)).toBe(8);
    expect(await microBatchFor(model, train, 8, fixed + 3.5 * perImage)).toBe(2);
    expect(await microBatchFor(model, train, 8, fixed + 4.5 * perImage)).toBe(4);
    model.dispose();
    await tf.setBackend('cpu');
    expect(await microBatchFor(new VisualPromptModel(source, design, 2), train, 8, 1)).toBe(8); // measured on wasm only
  });
});
