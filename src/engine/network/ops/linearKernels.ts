import * as tf from '@tensorflow/tfjs-core';
import type { KernelActivation } from '../activations';
import type { ConvPadding, Pair } from '../ir';
import { explicitPadding } from '../shapes';
import { conv2dInputGrad, depthwiseInputGrad, phaseBackwardKernel } from './convInputGrad';
import { LazyTensor } from './lazyTensor';

/**
 * The weighted part of a frozen layer: x ⊛ W + b and an activation in one fused forward
 * kernel, and dL/dx from dL/d(x ⊛ W + b) by forward kernels only. The kernels are called
 * directly: tf.fused.* falls back to unfused ops under a tape, and its gradient computes the
 * weight gradients.
 */
export interface LinearKernel {
  forward(x: tf.Tensor, activation: KernelActivation['activation'], slopes: tf.Tensor | undefined): tf.Tensor;
  inputGrad(g: tf.Tensor, xShape: number[]): tf.Tensor;
  /** Output channels. */
  readonly units: number;
  dispose(): void;
}

export interface ConvolutionParams {
  depthwise: boolean;
  kernel: tf.Tensor4D;
  bias: tf.Tensor | undefined;
  strides: Pair;
  padding: ConvPadding;
}

export function convolutionKernel(p: ConvolutionParams): LinearKernel {
  const pad = explicitPadding(p.padding);
  const strides: [number, number] = [p.strides[0], p.strides[1]];
  const [kh, kw, inChannels, m] = p.kernel.shape;
  // Backward kernels: per stride phase for conv2d, the whole flipped kernel for depthwise.
  const phases = Array.from({ length: p.depthwise ? 1 : strides[0] }, (_, rh) =>
    Array.from({ length: p.depthwise ? 1 : strides[1] }, (__, rw) => (rh < kh && rw < kw
      ? new LazyTensor(() => phaseBackwardKernel(p.kernel, [rh, rw], p.depthwise ? [1, 1] : p.strides, p.depthwise) as tf.Tensor4D)
      : null)));
  const phaseKernel = (rh: number, rw: number): tf.Tensor4D | null => phases[rh]?.[rw]?.get() ?? null;
  return {
    units: p.depthwise ? inChannels * m : m,
    forward: (x, activation, slopes) => tf.engine().runKernel(
      p.depthwise ? tf.FusedDepthwiseConv2D : tf.FusedConv2D,
      { x, filter: p.kernel, ...(p.bias && { bias: p.bias }), ...(slopes && { preluActivationWeights: slopes }) },
      { strides, pad, dataFormat: 'NHWC', dilations: [1, 1], activation } as unknown as tf.NamedAttrMap,
    ) as tf.Tensor,
    inputGrad: (g, xShape) => {
      const info = tf.backend_util.computeConv2DInfo(
        xShape as [number, number, number, number], p.kernel.shape, strides, 1, pad, undefined, p.depthwise);
      return p.depthwise
        ? depthwiseInputGrad(g as tf.Tensor4D, phaseKernel(0, 0) as tf.Tensor4D, info)
        : conv2dInputGrad(g as tf.Tensor4D, phaseKernel, info);
    },
    dispose: () => phases.flat().forEach((k) => k?.dispose()),
  };
}

/**
 * x·W + b on the last axis of x, whatever its rank: Dense layers, and 1×1 stride-1
 * convolutions, which XNNPACK runs 1.5–2× faster as a matrix product than as a convolution.
 */
export function matMulKernel(kernel: tf.Tensor2D, bias: tf.Tensor | undefined): LinearKernel {
  const [inputs, units] = kernel.shape;
  const batched = tf.keep(tf.reshape(kernel, [1, inputs, units]));
  // wasm multiplies by a transposed operand about 10× slower than by a pre-transposed copy.
  const transposed = new LazyTensor(() => tf.transpose(kernel));
  return {
    units,
    forward: (x, activation, slopes) => {
      const a = tf.reshape(x, [1, x.size / inputs, inputs]);
      const y = tf.engine().runKernel(
        tf._FusedMatMul,
        { a, b: batched, ...(bias && { bias }), ...(slopes && { preluActivationWeights: slopes }) },
        { transposeA: false, transposeB: false, activation } as unknown as tf.NamedAttrMap,
      ) as tf.Tensor;
      return tf.reshape(y, [...x.shape.slice(0, -1), units]);
    },
    inputGrad: (g, xShape) => tf.reshape(tf.matMul(tf.reshape(g, [-1, units]), transposed.get()), xShape),
    dispose: () => {
      batched.dispose();
      transposed.dispose();
    },
  };
}
