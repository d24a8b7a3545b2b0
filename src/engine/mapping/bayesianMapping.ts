/**
 * BLM and BLM+, Bayesian-guided label mapping (Cai et al., NeurIPS 2024; tmlr-group/BayesianLM
 * mapping.py, as ../shared/METHODS.md §1 reads it). Every target class reads every source logit
 * through a weight matrix ω [S, T] that is counted, not trained:
 *
 *   d[s,t]  BLM: how many training images of class t have source s as top-1;
 *           BLM+: the sum over the images of class t of their top-k softmax probabilities of s
 *           (the other probabilities zeroed), k = max(1, ⌊0.15·T⌋);
 *   P[s,t] = d[s,t] / (Σ_t' d[s,t'] + λ), λ = 1;   ω[s,t] = P[s,t] / Σ_s' P[s',t];
 *   target logits = source logits · ω   (raw logits, no softmax first).
 *
 * ω is recounted before every epoch from one pass over the training images with the current
 * prompt (trainer.updateFrequencyMapping) and is a constant of the loss: no gradient reaches it.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { BayesianMappingKind } from '../../core/design/kinds';
import type { LabelMapping, MappingState } from './labelMapping';

/** The Laplace term λ of the row normalisation (the official configuration's `lap`). */
const BLM_LAPLACE = 1;

/** BLM+'s k: the official int(0.15·T), at least 1 (below 7 classes the official k is 0). */
export function blmPlusTopK(numTarget: number): number {
  return Math.max(1, Math.floor(numTarget * 0.15));
}

/**
 * ω from the counts d (row-major [S, T]): each row divided by its sum + λ, then each column by
 * its sum. Rows of sources never predicted stay 0. A class without training images has an all-zero
 * column, which has no normalisation: that is refused.
 */
export function bayesianWeights(counts: ArrayLike<number>, numSource: number, numTarget: number): Float32Array {
  if (counts.length !== numSource * numTarget) {
    throw new Error(`BLM counts have ${counts.length} entries, not ${numSource} × ${numTarget}`);
  }
  const p = new Float64Array(numSource * numTarget);
  const columnSums = new Float64Array(numTarget);
  for (let s = 0; s < numSource; s++) {
    let rowSum = 0;
    for (let t = 0; t < numTarget; t++) rowSum += counts[s * numTarget + t] as number;
    for (let t = 0; t < numTarget; t++) {
      const v = (counts[s * numTarget + t] as number) / (rowSum + BLM_LAPLACE);
      p[s * numTarget + t] = v;
      columnSums[t] = (columnSums[t] as number) + v;
    }
  }
  const empty = [...columnSums.keys()].filter((t) => !((columnSums[t] as number) > 0));
  if (empty.length) {
    throw new Error(
      `BLM counts nothing for target class${empty.length > 1 ? 'es' : ''} #${empty.join(', #')}: ` +
        'every class needs training images. Add images of those classes or use more training data.',
    );
  }
  return Float32Array.from(p, (v, i) => v / (columnSums[i % numTarget] as number));
}

/**
 * One batch's share of d, [S, T]: Σ over the batch of q_iᵀ · onehot(y_i), where q_i is the one-hot
 * top-1 source (BLM) or the top-k softmax probabilities of image i (BLM+).
 */
function batchCounts(
  kind: BayesianMappingKind,
  sourceLogits: tf.Tensor2D,
  labels: tf.Tensor1D,
  numTarget: number,
): tf.Tensor2D {
  // One-hots are made int32 and cast: the wasm backend's OneHot writes float32 outputs as int bits.
  const oneHot = (indices: tf.Tensor, depth: number) => tf.cast(tf.oneHot(indices, depth), 'float32');
  return tf.tidy(() => {
    const numSource = sourceLogits.shape[1];
    let q: tf.Tensor2D;
    if (kind === 'blm') {
      q = oneHot(tf.argMax(sourceLogits, 1), numSource) as tf.Tensor2D;
    } else {
      const probabilities = tf.softmax(sourceLogits);
      const k = Math.min(blmPlusTopK(numTarget), numSource);
      const { indices } = tf.topk(probabilities, k);
      q = tf.mul(probabilities, tf.sum(oneHot(indices, numSource), 1));
    }
    const y = oneHot(tf.cast(labels, 'int32'), numTarget) as tf.Tensor2D;
    return tf.matMul(q, y, true, false);
  });
}

/** BLM / BLM+: target logits = source logits · ω, ω set from counts before every epoch. */
export class BayesianMapping implements LabelMapping {
  private matrix: tf.Tensor2D | null = null;
  private current = new Float32Array(0);

  constructor(
    readonly kind: BayesianMappingKind,
    readonly numSource: number,
    readonly numTarget: number,
  ) {}

  /** ω, row-major [S, T] (empty until first counted). */
  get omega(): Float32Array {
    return this.current;
  }

  setOmega(omega: Float32Array): void {
    if (omega.length !== this.numSource * this.numTarget) {
      throw new Error(`ω must have ${this.numSource} × ${this.numTarget} entries, not ${omega.length}`);
    }
    if (!omega.every(Number.isFinite)) throw new Error('ω holds values that are not finite numbers');
    this.matrix?.dispose();
    this.current = Float32Array.from(omega);
    this.matrix = tf.tensor2d(this.current, [this.numSource, this.numTarget]);
  }

  /** ω from counts d [S, T] (row-major), e.g. summed batchCounts over the training images. */
  setCounts(counts: ArrayLike<number>): void {
    this.setOmega(bayesianWeights(counts, this.numSource, this.numTarget));
  }

  countBatch(sourceLogits: tf.Tensor2D, labels: tf.Tensor1D): tf.Tensor2D {
    return batchCounts(this.kind, sourceLogits, labels, this.numTarget);
  }

  apply(sourceLogits: tf.Tensor2D): tf.Tensor2D {
    if (!this.matrix) throw new Error(`the ${this.kind === 'blm' ? 'BLM' : 'BLM+'} weights have not been counted yet`);
    return tf.matMul(sourceLogits, this.matrix);
  }

  variables(): tf.Variable[] {
    return [];
  }

  /** Recounted before every epoch, as the official train_vm.py does. */
  needsFrequencyUpdate(): boolean {
    return true;
  }

  async state(): Promise<MappingState> {
    return { kind: this.kind, omega: Float32Array.from(this.current), numSource: this.numSource, numTarget: this.numTarget };
  }

  dispose(): void {
    this.matrix?.dispose();
    this.matrix = null;
  }
}
