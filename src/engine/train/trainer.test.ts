import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_DESIGN } from '../../core/design/schema';
import type { VPDesign } from '../../core/design/design';
import { darkOrBright, tinySource } from '../../../test/support/tinyNetwork';
import { trainVisualPrompt } from './trainer';
import { VisualPromptModel } from './visualPromptModel';

const source = tinySource({ inputSize: 32, classes: 10, seed: 3 });
const net = source.network;

const set = darkOrBright(48, 1);
const train = { set, indices: Int32Array.from({ length: 32 }, (_, i) => i) };
const val = { set, indices: Int32Array.from({ length: 16 }, (_, i) => 32 + i) };
const design = (over: Partial<VPDesign>): VPDesign => ({
  ...DEFAULT_DESIGN,
  baseSize: 16,
  inputScale: 1,
  batchSize: 8,
  epochs: 2,
  learningRate: 0.05,
  schedule: 'constant',
  ...over,
});

beforeAll(async () => {
  await tf.setBackend('cpu');
});
afterAll(() => net.dispose());

describe('trainVisualPrompt', () => {
  it.each([
    ['fully', false],
    ['iter', true],
  ] as const)('leaves no tensor behind (%s mapping, trainable resize %s)', async (labelMapping, trainableResize) => {
    const empty = tf.memory().numTensors;
    const model = new VisualPromptModel(source, design({ labelMapping, trainableResize }), 2);
    const before = tf.memory().numTensors;
    const result = await trainVisualPrompt(model, train, val);
    expect(result.steps).toBe(8);
    // An index mapping holds its averaging matrix once computed; nothing else may remain.
    expect(tf.memory().numTensors).toBe(before + (labelMapping === 'iter' ? 1 : 0));
    model.dispose();
    expect(tf.memory().numTensors).toBe(empty);
  });

  it('leaves no tensor behind when a step throws (e.g. out of memory)', async () => {
    const model = new VisualPromptModel(source, design({ labelMapping: 'fully' }), 2);
    const before = tf.memory().numTensors;
    const logits = model.logits.bind(model);
    let calls = 0;
    // The second step fails inside the gradient tape, after the batch tensors were made.
    model.logits = (x) => {
      if (++calls === 2) throw new Error('simulated failure');
      return logits(x);
    };
    await expect(trainVisualPrompt(model, train, val)).rejects.toThrow('simulated failure');
    expect(tf.memory().numTensors).toBe(before);
    model.dispose();
  });

  it('learns an easy task well above chance and reports per-epoch metrics', async () => {
    const model = new VisualPromptModel(source, design({ labelMapping: 'fully', epochs: 4 }), 2);
    const epochs: number[] = [];
    const batches: number[] = [];
    const result = await trainVisualPrompt(model, train, val, {
      onEpoch: (m) => epochs.push(m.valAcc),
      onBatch: (m) => batches.push(m.loss),
    });
    expect(epochs).toHaveLength(4);
    expect(batches).toHaveLength(16);
    expect(result.validation!.accuracy).toBeGreaterThanOrEqual(0.9);
    expect(result.validation!.confusion.flat().reduce((a, b) => a + b, 0)).toBe(16);
    expect(batches.slice(-4).reduce((a, b) => a + b) / 4).toBeLessThan(batches.slice(0, 4).reduce((a, b) => a + b) / 4);
    model.dispose();
  });

  it('stops between batches and still evaluates the prompt it has', async () => {
    const model = new VisualPromptModel(source, design({ labelMapping: 'fully' }), 2);
    let seen = 0;
    const result = await trainVisualPrompt(model, train, val, {
      onBatch: () => seen++,
      shouldStop: () => seen >= 2,
    });
    expect(result.stopped).toBe(true);
    expect(result.steps).toBe(2);
    expect(result.epochs).toHaveLength(0);
    expect(result.validation?.count).toBe(16);
    model.dispose();
  });

  it('recomputes an IterMap mapping every interval epochs and FreqMap once', async () => {
    const iterEpochs: number[] = [];
    const iter = new VisualPromptModel(source, design({ labelMapping: 'iter', interval: 1, epochs: 3 }), 2);
    await trainVisualPrompt(iter, train, val, { onMapping: (e) => iterEpochs.push(e) });
    expect(iterEpochs).toEqual([0, 1, 2]);
    iter.dispose();
    const freqEpochs: number[] = [];
    const freq = new VisualPromptModel(source, design({ labelMapping: 'freq', epochs: 3 }), 2);
    await trainVisualPrompt(freq, train, val, { onMapping: (e) => freqEpochs.push(e) });
    expect(freqEpochs).toEqual([0]);
    const state = await freq.mapping.state();
    expect(state.kind === 'freq' && state.assignment.flat().length).toBe(2);
    freq.dispose();
  });
});
