import * as tf from '@tensorflow/tfjs-core';
import { epochBatches, toBatchTensor } from '../data/batches';
import { freqAssignment } from '../mapping/assignments';
import { IndexMapping, type MappingState } from '../mapping/labelMapping';
import { Rng } from '../util/rng';
import {
  type Evaluation,
  evaluate,
  labelsOf,
  type SplitImages,
  sourcePredictionCounts,
  yieldToEventLoop,
} from './evaluate';
import { createOptimizer, scheduledLearningRate } from './optimizer';
import { crossEntropy, type VisualPromptModel } from './visualPromptModel';

export interface BatchMetrics {
  epoch: number;
  batch: number;
  batchesPerEpoch: number;
  step: number;
  totalSteps: number;
  loss: number;
  accuracy: number;
  learningRate: number;
  /** Learnt scale with trainable resize. */
  scale?: number;
  imagesPerSecond: number;
  elapsedSeconds: number;
}

export interface EpochMetrics {
  epoch: number;
  trainLoss: number;
  trainAcc: number;
  valLoss: number;
  valAcc: number;
  seconds: number;
}

export interface TrainCallbacks {
  onBatch?(m: BatchMetrics): void;
  onEpoch?(m: EpochMetrics): void;
  /** The label mapping was (re)computed (FreqMap once, IterMap every `interval` epochs). */
  onMapping?(epoch: number, state: MappingState): void;
  /** Checked between batches; training ends cleanly when it returns true. */
  shouldStop?(): boolean;
}

export interface TrainResult {
  epochs: EpochMetrics[];
  validation: Evaluation | null;
  stopped: boolean;
  steps: number;
}

/** Recompute a frequency mapping from the prompted model's current top-1 source predictions. */
export async function updateFrequencyMapping(model: VisualPromptModel, train: SplitImages, batchSize: number) {
  const mapping = model.mapping;
  if (!(mapping instanceof IndexMapping)) throw new Error('only one-to-one mappings have frequency updates');
  const counts = await sourcePredictionCounts(model, train, batchSize);
  mapping.setAssignment(freqAssignment(counts, model.numTarget, mapping.k));
}

/**
 * Train the prompt (and the scale / mapping where trainable) of `model` on `train`, validating
 * on `val` after every epoch. Yields to the event loop between batches so a worker stays
 * responsive and a stop request lands between two steps.
 */
export async function trainVisualPrompt(
  model: VisualPromptModel,
  train: SplitImages,
  val: SplitImages,
  callbacks: TrainCallbacks = {},
): Promise<TrainResult> {
  const design = model.design;
  const shouldStop = callbacks.shouldStop ?? (() => false);
  const rng = new Rng(design.seed).fork();
  const optimizer = createOptimizer(design);
  const variables = model.variables();
  const batchesPerEpoch = Math.ceil(train.indices.length / design.batchSize);
  const totalSteps = batchesPerEpoch * design.epochs;
  const epochs: EpochMetrics[] = [];
  const started = tf.util.now();
  let step = 0;
  let images = 0;
  let stopped = false;
  let lastEval: Evaluation | null = null;
  let evaluatedAtStep = 0;

  try {
    for (let epoch = 0; epoch < design.epochs && !stopped; epoch++) {
      const epochStart = tf.util.now();
      if (model.mapping.needsFrequencyUpdate(epoch)) {
        await updateFrequencyMapping(model, train, design.batchSize);
        callbacks.onMapping?.(epoch, await model.mapping.state());
      }
      let lossSum = 0;
      let correctSum = 0;
      let seen = 0;
      const batches = epochBatches(train.indices, design.batchSize, rng);
      for (let b = 0; b < batches.length; b++) {
        if (shouldStop()) {
          stopped = true;
          break;
        }
        const indices = batches[b] as Int32Array;
        const x = toBatchTensor(train.set, indices, design.baseSize);
        const y = tf.tensor1d(labelsOf(train.set, indices), 'int32');
        let correct: tf.Scalar | null = null;
        const { value, grads } = tf.variableGrads(() => {
          const logits = model.logits(x);
          correct = tf.keep(tf.sum(tf.cast(tf.equal(tf.argMax(logits, 1), y), 'float32')) as tf.Scalar);
          return crossEntropy(logits, y);
        }, variables);
        const lr = scheduledLearningRate(design, step / totalSteps);
        optimizer.step(variables, grads, lr);
        model.prompter.clampScale();
        tf.dispose([x, y, grads]);
        const [lossValue, correctValue, scaleValue] = await Promise.all([
          value.data(),
          (correct as unknown as tf.Scalar).data(),
          model.prompter.scale ? model.prompter.scale.data() : Promise.resolve(undefined),
        ]);
        tf.dispose([value, correct as unknown as tf.Scalar]);
        step++;
        images += indices.length;
        seen += indices.length;
        lossSum += (lossValue[0] as number) * indices.length;
        correctSum += correctValue[0] as number;
        const elapsed = (tf.util.now() - started) / 1000;
        callbacks.onBatch?.({
          epoch,
          batch: b,
          batchesPerEpoch,
          step,
          totalSteps,
          loss: lossValue[0] as number,
          accuracy: (correctValue[0] as number) / indices.length,
          learningRate: lr,
          scale: scaleValue?.[0],
          imagesPerSecond: images / Math.max(elapsed, 1e-9),
          elapsedSeconds: elapsed,
        });
        await yieldToEventLoop();
      }
      if (stopped || seen === 0) break;
      const v = await evaluate(model, val, design.batchSize, shouldStop);
      if (v.count < val.indices.length) {
        stopped = true;
        break;
      }
      lastEval = v;
      evaluatedAtStep = step;
      const metrics: EpochMetrics = {
        epoch,
        trainLoss: lossSum / seen,
        trainAcc: correctSum / seen,
        valLoss: v.loss,
        valAcc: v.accuracy,
        seconds: (tf.util.now() - epochStart) / 1000,
      };
      epochs.push(metrics);
      callbacks.onEpoch?.(metrics);
    }
  } finally {
    optimizer.dispose();
  }
  // A stop mid-epoch leaves a prompt newer than the last validation: measure what is kept.
  const validation = step > evaluatedAtStep ? await evaluate(model, val, design.batchSize) : lastEval;
  return { epochs, validation, stopped, steps: step };
}
