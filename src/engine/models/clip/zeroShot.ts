import * as tf from '@tensorflow/tfjs-core';
import type { RunSplits, SplitImages } from '../../../core/data/runSplits';
import { toModelRange } from '../../prompt/prompter';
import { type Evaluation, labelsOf, splitBatches, summarise, yieldToEventLoop } from '../../train/evaluate';
import { crossEntropy, type SourceModel } from '../../train/visualPromptModel';

/**
 * CLIP's zero-shot accuracy on a split, the baseline every CLIP run is shown beside: no prompt,
 * each image resized to the whole canvas (CLIP's own preprocessing) and classified by its most
 * similar class text. Needs a source model with one source class per target class, in order
 * (createClipSourceModel with the 'mean' head over the target class names).
 */
export async function zeroShotEvaluation(source: SourceModel, split: SplitImages, numTarget: number, batchSize: number): Promise<Evaluation> {
  if (source.numSource !== numTarget) {
    throw new Error(`zero-shot needs one CLIP class per target class (${numTarget}); this source model has ${source.numSource}.`);
  }
  const labels = labelsOf(split.set, split.indices);
  const predictions = new Int32Array(split.indices.length);
  let lossSum = 0;
  let offset = 0;
  for await (const { batch, x: base } of splitBatches(split, batchSize, source.input.canvas)) {
    const [loss, pred] = tf.tidy(() => {
      const x = toModelRange(base, source.input);
      const [logits] = source.network.apply(x, [source.sourceOutput]);
      const y = tf.tensor1d(labels.subarray(offset, offset + batch.length), 'int32');
      return [crossEntropy(logits as tf.Tensor2D, y), tf.argMax(logits as tf.Tensor2D, 1)];
    });
    base.dispose();
    const [l, p] = await Promise.all([loss.data(), pred.data()]);
    tf.dispose([loss, pred]);
    lossSum += (l[0] as number) * batch.length;
    predictions.set(p as Int32Array, offset);
    offset += batch.length;
    await yieldToEventLoop();
  }
  return summarise(predictions, labels, numTarget, lossSum);
}

/** Zero-shot accuracy on a run's validation and test images, beside the prompt's on the same images. */
export async function zeroShotOnSplits(
  source: SourceModel,
  splits: Pick<RunSplits, 'val' | 'test'>,
  numTarget: number,
  batchSize: number,
): Promise<{ validation: Evaluation; test: Evaluation | null }> {
  const validation = await zeroShotEvaluation(source, splits.val, numTarget, batchSize);
  const test = splits.test && splits.test.indices.length > 0 ? await zeroShotEvaluation(source, splits.test, numTarget, batchSize) : null;
  return { validation, test };
}
