import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_DESIGN } from '../../core/design/schema';
import type { VPDesign } from '../../core/design/design';
import type { Dataset } from '../../core/data/imageSet';
import { darkOrBright, tinySource } from '../../../test/support/tinyNetwork';
import type { RunSplits } from '../../core/data/runSplits';
import { runTraining, type TrainingRunInput } from './trainingRun';

const source = tinySource({ inputSize: 32, classes: 10, seed: 3 });
const net = source.network;

const dataset: Dataset = {
  meta: { id: 'dark-bright', name: 'dark or bright', classes: ['dark', 'bright'] },
  train: darkOrBright(40, 1),
  test: darkOrBright(10, 2),
};
const design: VPDesign = {
  ...DEFAULT_DESIGN,
  baseSize: 16,
  batchSize: 8,
  epochs: 2,
  learningRate: 0.05,
  schedule: 'constant',
};
const selection = { valFraction: 0.2, trainImages: 32, valImages: 8, testImages: 10, fraction: 1 };

function input(over: Partial<TrainingRunInput<string>> = {}): TrainingRunInput<string> {
  return {
    source,
    modelName: 'tiny',
    dataset,
    selection,
    design,
    classNames: async () => null,
    fetchBytes: async () => {
      throw new Error('no files in this test');
    },
    baseline: null,
    ...over,
  };
}

beforeAll(async () => {
  await tf.setBackend('cpu');
});
afterAll(() => net.dispose());

describe('the training run shared by the app and the CLI', () => {
  it('builds, trains, tests and asks for the baseline on the same splits, in that order', async () => {
    const before = tf.memory().numTensors;
    const events: string[] = [];
    let baselineSplits: RunSplits | null = null;
    const run = await runTraining(
      input({
        baseline: async (splits) => {
          baselineSplits = splits;
          return 'the baseline';
        },
        hooks: {
          onReady: ({ splits }) => {
            events.push(
              `ready ${splits.train.indices.length}/${splits.val.indices.length}/${splits.test?.indices.length}`,
            );
          },
          onPhase: (p) => events.push(p),
          onEpoch: (m) => events.push(`epoch ${m.epoch}`),
          onTrained: (r) => {
            events.push(`trained ${r.steps}`);
          },
        },
      }),
    );
    expect(events).toEqual(['ready 32/8/10', 'training', 'epoch 0', 'epoch 1', 'trained 8', 'testing', 'baseline']);
    expect(run.trained.steps).toBe(8);
    expect(run.test?.count).toBe(10);
    expect(run.baseline).toBe('the baseline');
    expect(baselineSplits).toBe(run.splits);
    run.model.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('a stopped run skips the test and the baseline', async () => {
    let batches = 0;
    let asked = false;
    const run = await runTraining(
      input({
        baseline: async () => {
          asked = true;
          return 'never';
        },
        shouldStop: () => batches >= 1,
        hooks: { onBatch: () => void batches++ },
      }),
    );
    expect(run.trained.stopped).toBe(true);
    expect(run.test).toBeNull();
    expect(run.baseline).toBeNull();
    expect(asked).toBe(false);
    run.model.dispose();
  });

  it('refuses a one-to-one mapping the model cannot serve before building anything', async () => {
    let ready = false;
    const refused = runTraining(
      input({ design: { ...design, labelMapping: 'freq', k: 6 }, hooks: { onReady: () => void (ready = true) } }),
    );
    await expect(refused).rejects.toThrow(/^tiny: .*= 12 distinct source labels, but the model has only 10/);
    expect(ready).toBe(false);
  });

  it('says where SemanticMap would find the class names it lacks', async () => {
    await expect(runTraining(input({ design: { ...design, labelMapping: 'semantic', k: 1 } }))).rejects.toThrow(
      'SemanticMap needs the class names of tiny: put a classes.json',
    );
  });

  it('says so when holding out validation leaves no training images', async () => {
    await expect(runTraining(input({ selection: { ...selection, trainImages: 0 } }))).rejects.toThrow(
      'No training images are left',
    );
  });
});
