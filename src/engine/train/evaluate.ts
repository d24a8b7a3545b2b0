import * as tf from '@tensorflow/tfjs-core';
import { BatchPrefetcher } from '../data/batches';
import type { ImageCollection } from '../../core/data/imageSet';
import type { SplitImages } from '../../core/data/runSplits';
import { countMatrix } from '../mapping/assignments';
import type { BayesianMapping } from '../mapping/bayesianMapping';
import { crossEntropy, type VisualPromptModel } from './visualPromptModel';

/** Images of one split: the set they live in and which of them belong to the split. */
export interface Evaluation {
  loss: number;
  accuracy: number;
  /** Accuracy per target class (NaN where a class has no images). */
  perClass: number[];
  /** confusion[true][predicted]. */
  confusion: number[][];
  /** Predicted class per image, in the order of `indices`. */
  predictions: Int32Array;
  count: number;
}

export function* chunks(indices: Int32Array, size: number): Generator<Int32Array> {
  for (let i = 0; i < indices.length; i += size) yield indices.subarray(i, i + size);
}

export function labelsOf(set: Pick<ImageCollection, 'labels'>, indices: Int32Array): Int32Array {
  return Int32Array.from(indices, (i) => set.labels[i] as number);
}

/**
 * A split's images in batches of batchSize, in order, as tensors of size×size (the caller
 * disposes each `x`); the next batch is read and decoded while the caller works on this one.
 */
export async function* splitBatches(
  split: SplitImages,
  batchSize: number,
  size: number,
): AsyncGenerator<{ batch: Int32Array; x: tf.Tensor4D }> {
  const reader = new BatchPrefetcher(split.set);
  const all = [...chunks(split.indices, batchSize)];
  for (let b = 0; b < all.length; b++) {
    const batch = all[b]!;
    yield { batch, x: await reader.tensor(batch, size, all[b + 1]) };
  }
}

export const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 0));

/** Loss, accuracy, per-class accuracy and confusion matrix of the prompted model on a split. */
export async function evaluate(
  model: VisualPromptModel,
  split: SplitImages,
  batchSize: number,
  shouldStop: () => boolean = () => false,
): Promise<Evaluation> {
  const numTarget = model.numTarget;
  const predictions = new Int32Array(split.indices.length);
  const labels = labelsOf(split.set, split.indices);
  let lossSum = 0;
  let offset = 0;
  for await (const { batch, x } of splitBatches(split, batchSize, model.design.baseSize)) {
    if (shouldStop()) {
      x.dispose();
      break;
    }
    const [loss, pred] = tf.tidy(() => {
      const logits = model.logits(x);
      const y = tf.tensor1d(labels.subarray(offset, offset + batch.length), 'int32');
      return [crossEntropy(logits, y), tf.argMax(logits, 1)];
    });
    x.dispose();
    const [l, p] = await Promise.all([loss.data(), pred.data()]);
    loss.dispose();
    pred.dispose();
    lossSum += (l[0] as number) * batch.length;
    predictions.set(p as Int32Array, offset);
    offset += batch.length;
    await yieldToEventLoop();
  }
  return summarise(predictions.subarray(0, offset), labels.subarray(0, offset), numTarget, lossSum);
}

export function summarise(predictions: Int32Array, labels: Int32Array, numTarget: number, lossSum: number): Evaluation {
  const confusion = Array.from({ length: numTarget }, () => new Array<number>(numTarget).fill(0));
  let correct = 0;
  predictions.forEach((p, i) => {
    const t = labels[i] as number;
    (confusion[t] as number[])[p] = ((confusion[t] as number[])[p] as number) + 1;
    if (p === t) correct++;
  });
  const perClass = confusion.map((row, t) => {
    const n = row.reduce((a, b) => a + b, 0);
    return n ? (row[t] as number) / n : NaN;
  });
  const count = predictions.length;
  return {
    loss: count ? lossSum / count : NaN,
    accuracy: count ? correct / count : NaN,
    perClass,
    confusion,
    predictions,
    count,
  };
}

/** counts[s][t]: how often images of target t get source s as the top-1 (FreqMap/IterMap). */
export async function sourcePredictionCounts(
  model: VisualPromptModel,
  split: SplitImages,
  batchSize: number,
): Promise<Float64Array[]> {
  const preds = new Int32Array(split.indices.length);
  let offset = 0;
  for await (const { batch, x } of splitBatches(split, batchSize, model.design.baseSize)) {
    const top1 = tf.tidy(() => tf.argMax(model.sourceLogits(x), 1));
    x.dispose();
    preds.set((await top1.data()) as Int32Array, offset);
    top1.dispose();
    offset += batch.length;
    await yieldToEventLoop();
  }
  return countMatrix(preds, labelsOf(split.set, split.indices), model.source.numSource, model.numTarget);
}

/** BLM / BLM+ counts d [S, T] (row-major): the mapping's batch counts summed over a split. */
export async function bayesianCounts(
  model: VisualPromptModel,
  mapping: BayesianMapping,
  split: SplitImages,
  batchSize: number,
): Promise<Float64Array> {
  const counts = new Float64Array(model.source.numSource * model.numTarget);
  const labels = labelsOf(split.set, split.indices);
  let offset = 0;
  for await (const { batch, x } of splitBatches(split, batchSize, model.design.baseSize)) {
    const part = tf.tidy(() => {
      const logits = model.sourceLogits(x);
      const y = tf.tensor1d(labels.subarray(offset, offset + batch.length), 'int32');
      return mapping.countBatch(logits, y);
    });
    x.dispose();
    const values = await part.data();
    part.dispose();
    values.forEach((v, i) => (counts[i] = (counts[i] as number) + v));
    offset += batch.length;
    await yieldToEventLoop();
  }
  return counts;
}
