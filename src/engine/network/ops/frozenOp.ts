import type * as tf from '@tensorflow/tfjs-core';

/** What a plan tells an op about how its input gradient will be used. */
export interface OpHints {
  /**
   * The gradient of input 0 is only ever used summed over the batch (see ApplyOptions): an op
   * may return one that is right only in that sum.
   */
  inputGradSummedOverBatch?: boolean;
}

/** One executable step of a frozen network: differentiable in its inputs, never in its weights. */
export interface FrozenOp {
  apply(inputs: tf.Tensor[], hints?: OpHints): tf.Tensor;
  /** Frees tensors the op derived from the weights (the weights themselves belong to the store). */
  dispose(): void;
}

export function statelessOp(apply: (inputs: tf.Tensor[]) => tf.Tensor): FrozenOp {
  // Plain ops ignore hints: their gradients are right example by example.
  return { apply, dispose: () => undefined };
}
