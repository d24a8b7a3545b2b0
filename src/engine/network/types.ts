import type * as tf from '@tensorflow/tfjs-core';

/** A named tensor a frozen network can return (shape without the batch dimension). */
export interface NetworkTensor {
  name: string;
  shape: number[];
}

export interface ApplyOptions {
  /**
   * How the caller uses dL/dx. 'batchSum': only summed over the batch, as for a prompt that every
   * example shares (visual prompting at a fixed input scale). The input gradient may then be right
   * only in that sum: a conv/dense op whose sole input is x backprops one example instead of the
   * whole batch and puts its share in example 0, zeros in the others; ops of other kinds that read
   * x (a Rescaling, a Sub) keep theirs per example. Default 'perExample'.
   */
  inputGradient?: 'perExample' | 'batchSum';
}

/**
 * A pretrained model rebuilt from plain tfjs-core ops with its weights frozen.
 * `apply` is differentiable with respect to its input only: no backend ever computes
 * gradients of the frozen weights, and every op it backprops through has a gradient
 * made of kernels that all backends (wasm included) implement.
 */
export interface FrozenNetwork {
  /** [height, width, channels] the network expects. */
  readonly inputShape: readonly [number, number, number];
  readonly parameterCount: number;
  /** Every tensor `apply` can return, in topological order. */
  readonly tensors: readonly NetworkTensor[];
  /** Runs the network on x ([batch, H, W, C], already in the model's value range). */
  apply(x: tf.Tensor4D, outputs: readonly string[], options?: ApplyOptions): tf.Tensor[];
  dispose(): void;
}
