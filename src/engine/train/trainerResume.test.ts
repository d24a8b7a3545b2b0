import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_DESIGN } from '../../core/design/schema';
import type { VPDesign } from '../../core/design/design';
import { darkOrBright, tinySource } from '../../../test/support/tinyNetwork';
import { type LearntState, snapshotModel } from '../export/loadPrompt';
import { FullyMapping, IndexMapping } from '../mapping/labelMapping';
import { type TrainerState, trainVisualPrompt } from './trainer';
import { VisualPromptModel } from './visualPromptModel';

const source = tinySource({ inputSize: 32, classes: 10, seed: 3 });
const set = darkOrBright(48, 1);
const train = { set, indices: Int32Array.from({ length: 28 }, (_, i) => i) };
const val = { set, indices: Int32Array.from({ length: 16 }, (_, i) => 32 + i) };
const design = (over: Partial<VPDesign>): VPDesign => ({
  ...DEFAULT_DESIGN,
  baseSize: 16,
  inputScale: 1,
  batchSize: 8,
  epochs: 4,
  learningRate: 0.05,
  schedule: 'cosine',
  ...over,
});

beforeAll(async () => {
  await tf.setBackend('cpu');
});
afterAll(() => source.network.dispose());

/** The prompt and mapping as they would be written to the checkpoint's prompt file, loaded back. */
function loadState(model: VisualPromptModel, state: LearntState): void {
  model.prompter.load(state.prompt.delta, model.design.trainableResize ? state.prompt.scale : undefined);
  if (state.mapping.kind === 'fully' && model.mapping instanceof FullyMapping) model.mapping.load(state.mapping.weight, state.mapping.bias);
  else if ('assignment' in state.mapping && model.mapping instanceof IndexMapping) model.mapping.setAssignment(state.mapping.assignment);
}

/** A structured clone, as IndexedDB stores it. */
const stored = <T>(x: T): T => structuredClone(x);

describe('resuming a run from an epoch checkpoint', () => {
  it.each([
    ['adam, FullyMap, trainable resize', { optimizer: 'adam', labelMapping: 'fully', trainableResize: true }],
    ['sgd with momentum, IterMap', { optimizer: 'sgd', momentum: 0.9, labelMapping: 'iter', interval: 1 }],
    ['adam, FreqMap', { optimizer: 'adam', labelMapping: 'freq' }],
  ] as const)('ends exactly where an undisturbed run with the same seed ends (%s)', async (_name, over) => {
    const d = design(over as Partial<VPDesign>);
    const undisturbed = new VisualPromptModel(source, d, 2);
    const whole = await trainVisualPrompt(undisturbed, train, val);
    const wholePrompt = await snapshotModel(undisturbed)();

    // The same run, "crashed" after its second epoch: only the checkpoint survives.
    const crashing = new VisualPromptModel(source, d, 2);
    const checkpoint: { current: { learnt: () => Promise<LearntState>; trainer: () => Promise<TrainerState> } | null } = { current: null };
    await trainVisualPrompt(crashing, train, val, {
      onEpoch: (m, captureState) => {
        if (m.epoch === 1) checkpoint.current = { learnt: snapshotModel(crashing), trainer: captureState() };
      },
      shouldStop: () => checkpoint.current !== null,
    });
    const saved = checkpoint.current!;
    const learnt = stored(await saved.learnt());
    const trainerState = stored(await saved.trainer());
    crashing.dispose();
    expect(trainerState.epochs).toHaveLength(2);

    const resumed = new VisualPromptModel(source, d, 2);
    loadState(resumed, learnt);
    const before = tf.memory().numTensors;
    const rest = await trainVisualPrompt(resumed, train, val, {}, trainerState);
    const resumedPrompt = await snapshotModel(resumed)();

    expect(rest.steps).toBe(whole.steps);
    expect(rest.epochs).toEqual(whole.epochs.map((e, i) => ({ ...e, seconds: rest.epochs[i]!.seconds })));
    expect(rest.validation!.accuracy).toBe(whole.validation!.accuracy);
    expect(rest.validation!.loss).toBe(whole.validation!.loss);
    expect(Array.from(resumedPrompt.prompt.delta)).toEqual(Array.from(wholePrompt.prompt.delta));
    expect(resumedPrompt.prompt.scale).toBe(wholePrompt.prompt.scale);
    expect(resumedPrompt.mapping).toEqual(wholePrompt.mapping);
    // The restored optimiser state was freed with the trainer.
    expect(tf.memory().numTensors).toBe(before);
    undisturbed.dispose();
    resumed.dispose();
  });

  it('refuses a checkpoint of another optimiser', async () => {
    const adam = new VisualPromptModel(source, design({ optimizer: 'adam', labelMapping: 'fully', epochs: 1 }), 2);
    let state: (() => Promise<TrainerState>) | null = null;
    await trainVisualPrompt(adam, train, val, { onEpoch: (_m, capture) => (state = capture()) });
    const saved = await (state as unknown as () => Promise<TrainerState>)();
    const sgd = new VisualPromptModel(source, design({ optimizer: 'sgd', labelMapping: 'fully', epochs: 2 }), 2);
    await expect(trainVisualPrompt(sgd, train, val, {}, saved)).rejects.toThrow('The checkpoint holds adam state; this run uses sgd.');
    adam.dispose();
    sgd.dispose();
  });
});
