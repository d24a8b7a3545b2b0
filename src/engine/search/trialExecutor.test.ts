import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_DESIGN } from '../../core/design/schema';
import { tinySource } from '../../../test/support/tinyNetwork';
import { Rng } from '../../core/util/rng';
import { createSearch, SearchController } from '../../core/search/searchController';
import { bestTrial } from '../../core/search/searchState';
import { enumerateTrials } from '../../core/search/space';
import { createTrialExecutor } from './trialExecutor';

const source = tinySource({ inputSize: 32, classes: 10, seed: 3 });
const net = source.network;

function twoClassSet(n: number) {
  const rng = new Rng(5);
  const pixels = new Uint8Array(n * 144);
  const labels = Int32Array.from({ length: n }, (_, i) => i % 2);
  pixels.forEach((_, p) => (pixels[p] = Math.round((labels[Math.floor(p / 144)] ? 170 : 40) + rng.next() * 60)));
  return { height: 12, width: 12, channels: 1 as const, pixels, labels };
}

beforeAll(async () => {
  await tf.setBackend('cpu');
});
afterAll(() => net.dispose());

describe('an AutoVP search with the engine', () => {
  it('trains every configuration under ASHA, picks a winner and leaves no tensor behind', async () => {
    const set = twoClassSet(48);
    const splits = {
      train: { set, indices: Int32Array.from({ length: 32 }, (_, i) => i) },
      val: { set, indices: Int32Array.from({ length: 16 }, (_, i) => 32 + i) },
      test: null,
    };
    const space = {
      models: ['tiny'],
      mappings: ['fully' as const, 'freq' as const],
      scales: [0.5, 1],
      trainableResize: [false, true],
      ks: [1],
      intervals: [1],
    };
    const { trials } = enumerateTrials(space, [{ id: 'tiny', numSource: 10, textImage: false }], 2);
    expect(trials).toHaveLength(8);
    const asha = { maxEpochs: 4, gracePeriod: 1, reductionFactor: 2 };
    const state = createSearch({
      id: 's',
      seed: 3,
      space,
      trials,
      asha,
      budgetSeconds: null,
      tuning: { learningRates: [], weightDecays: [] },
    });
    const before = tf.memory().numTensors;
    const executor = createTrialExecutor({
      splits,
      numTarget: 2,
      baseDesign: { ...DEFAULT_DESIGN, baseSize: 16, batchSize: 8, learningRate: 0.05, schedule: 'constant' },
      plannedEpochs: asha.maxEpochs,
      sourceModel: async () => source,
    });
    const done = await new SearchController(state, [executor], { onChange: () => {} }).run();
    expect(tf.memory().numTensors).toBe(before);
    expect(done.status).toBe('finished');
    expect(done.trials.every((t) => t.epochs.length >= 1 && t.status !== 'failed')).toBe(true);
    const winner = bestTrial(done.trials)!;
    expect(winner.epochs[winner.epochs.length - 1]!.valAcc).toBeGreaterThan(0.5);
  });
});
