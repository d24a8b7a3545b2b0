import type * as tf from '@tensorflow/tfjs-core';
import type { Activation } from './activations';

/**
 * The intermediate representation both model formats are translated into: one node per
 * layer (Keras) or op (graph model), named as in the source model. Shapes exclude the batch.
 */
export type Pair = readonly [number, number];

/** [[top, bottom], [left, right]] */
export type SpatialPadding = readonly [Pair, Pair];

export type ConvPadding = 'same' | 'valid' | SpatialPadding;

export interface Pool {
  size: Pair;
  strides: Pair;
  padding: 'same' | 'valid';
}

export type IrOp =
  | { kind: 'input' }
  | { kind: 'constant'; value: tf.Tensor }
  | { kind: 'conv2d'; kernel: tf.Tensor4D; bias?: tf.Tensor; strides: Pair; padding: ConvPadding; activation: Activation }
  /** kernel [kh, kw, channels, depthMultiplier] */
  | { kind: 'depthwiseConv2d'; kernel: tf.Tensor4D; bias?: tf.Tensor; strides: Pair; padding: ConvPadding; activation: Activation }
  /** kernel [inputs, units], applied to the last axis */
  | { kind: 'dense'; kernel: tf.Tensor2D; bias?: tf.Tensor; activation: Activation }
  /**
   * y = x·scale + shift on the last axis; scale and shift are scalars or per-channel vectors.
   * `axis` (batch = axis 0) is the channel axis the source model named, checked to be the last.
   */
  | { kind: 'affine'; scale?: tf.Tensor; shift?: tf.Tensor; axis?: number }
  | { kind: 'activation'; activation: Activation }
  /** zero padding, one [before, after] per non-batch axis */
  | { kind: 'pad'; padding: Pair[]; value: number }
  | ({ kind: 'maxPool' } & Pool)
  /** 'same' padding leaves padded cells out of each average (TF semantics) */
  | ({ kind: 'avgPool' } & Pool)
  /** axes count the batch as axis 0 */
  | { kind: 'mean'; axes: number[]; keepDims: boolean }
  /** target shape without the batch, at most one −1 */
  | { kind: 'reshape'; shape: number[] }
  /** axes count the batch as axis 0; empty squeezes every non-batch axis of size 1 */
  | { kind: 'squeeze'; axes: number[] }
  | { kind: 'add' | 'sub' | 'mul' | 'identity' }
  /** axis counts the batch as axis 0 */
  | { kind: 'concat'; axis: number };

export type IrNode = IrOp & { name: string; inputs: string[] };

export interface IrGraph {
  /** Topologically ordered. */
  nodes: IrNode[];
  /** Spatial size declared by the model (null where it is free) and channel count. */
  inputShape: [number | null, number | null, number];
}

/** How errors name a layer or graph node: `layer "Conv1" (Conv2D)`. */
export function nodeLabel(what: 'layer' | 'node', name: string, type: string): string {
  return `${what} "${name}" (${type})`;
}
