import * as tf from '@tensorflow/tfjs-core';

export interface InputGradForward<T extends tf.Tensor> {
  value: T;
  /** dL/dx from dL/dy and the tensors the forward pass saved. */
  gradFunc: (dy: T, saved: tf.Tensor[]) => tf.Tensor;
}

/** A typed tf.customGrad for one-input ops: weights are closed over, so only dx exists. */
export function inputGradOp<T extends tf.Tensor>(
  forward: (x: T, save: tf.GradSaveFunc) => InputGradForward<T>,
): (x: T) => T {
  return tf.customGrad(forward as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as (x: T) => T;
}
