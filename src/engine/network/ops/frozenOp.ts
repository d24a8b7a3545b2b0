import type * as tf from '@tensorflow/tfjs-core';

/** One executable step of a frozen network: differentiable in its inputs, never in its weights. */
export interface FrozenOp {
  apply(inputs: tf.Tensor[]): tf.Tensor;
  /** Frees tensors the op derived from the weights (the weights themselves belong to the store). */
  dispose(): void;
}

export function statelessOp(apply: (inputs: tf.Tensor[]) => tf.Tensor): FrozenOp {
  return { apply, dispose: () => undefined };
}
