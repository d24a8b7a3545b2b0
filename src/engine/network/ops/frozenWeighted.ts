import * as tf from '@tensorflow/tfjs-core';
import {
  activationGradFromInput,
  activationGradFromOutput,
  applyKernelActivation,
  type KernelActivation,
  preluSlopes,
} from '../activations';
import type { Pool } from '../ir';
import type { FrozenOp, OpHints } from './frozenOp';
import { inputGradOp } from './inputGradOp';
import { KernelCache } from './kernelCache';
import type { LinearKernel } from './linearKernels';
import { firstMaxGrad } from './maxPoolFirstMax';

/**
 * A weighted layer (conv, depthwise conv, dense) + activation, optionally + max pool, as one
 * op whose custom gradient returns dL/dx only.
 *
 * With a max pool, the activation (monotone, so it commutes with max) runs after the pool, on
 * the pooled tensor, and so does its derivative: the pool routes each window's gradient to one
 * cell, whose activation slope is the pooled output's. That saves two full-size passes and a
 * full-size copy (of a tensor saved for the backward pass) per pooled layer.
 */
export function frozenWeighted(
  linear: LinearKernel,
  activation: KernelActivation,
  maxPool: Pool | undefined,
): FrozenOp {
  const slopes = preluSlopes(activation, linear.units);
  const kernels = new KernelCache();
  // Set by `apply` for the call being traced; read when that call's gradient closure is made.
  let hints: OpHints | undefined;
  const op = inputGradOp((x: tf.Tensor, save: tf.GradSaveFunc) => {
    const inputGrad = hints?.inputGradSummedOverBatch ? batchSummedInputGrad(linear) : linear.inputGrad;
    if (!maxPool) {
      const y = linear.forward(x, activation.activation, slopes);
      // Saving copies the tensor on wasm: skip it when the derivative does not need y.
      save(activation.activation === 'linear' ? [] : [y]);
      return {
        value: y,
        gradFunc: (dy: tf.Tensor, [ys]: tf.Tensor[]) =>
          tf.tidy(() => inputGrad(activationGradFromOutput(activation, dy, ys as tf.Tensor), x.shape)),
      };
    }
    const z = linear.forward(x, 'linear', undefined) as tf.Tensor4D;
    const pooled = tf.maxPool(
      z,
      [maxPool.size[0], maxPool.size[1]],
      [maxPool.strides[0], maxPool.strides[1]],
      maxPool.padding,
    );
    const y = applyKernelActivation(activation, pooled, slopes);
    // Each saved tensor is copied: where the derivative can be read off the pooled input, y is not saved.
    const fromInput = activationGradFromInput(activation);
    save(fromInput ? [z, pooled] : [z, pooled, y]);
    return {
      value: y,
      gradFunc: (dy: tf.Tensor, [zs, pooledSaved, ys]: tf.Tensor[]) =>
        tf.tidy(() => {
          const g = (
            fromInput
              ? fromInput(dy, pooledSaved as tf.Tensor)
              : activationGradFromOutput(activation, dy, ys as tf.Tensor)
          ) as tf.Tensor4D;
          const gz = firstMaxGrad(
            g,
            zs as tf.Tensor4D,
            pooledSaved as tf.Tensor4D,
            maxPool.size,
            maxPool.strides,
            maxPool.padding,
            kernels,
          );
          return inputGrad(gz, x.shape);
        }),
    };
  });
  return {
    apply: ([x], callHints) => {
      hints = callHints;
      try {
        return op(x as tf.Tensor);
      } finally {
        hints = undefined;
      }
    },
    dispose: () => {
      linear.dispose();
      kernels.dispose();
      slopes?.dispose();
    },
  };
}

/**
 * dL/dx when only its sum over the batch is used (OpHints): the layer is linear in x, so that sum
 * is the input gradient of dL/dy summed over the batch, one example's backward pass instead of
 * B. Example 0 carries it; the others get zeros.
 */
function batchSummedInputGrad(linear: LinearKernel): LinearKernel['inputGrad'] {
  return (g, xShape) => {
    const [batch, ...rest] = xShape as [number, ...number[]];
    if (batch === 1) return linear.inputGrad(g, xShape);
    // tf.sum beat the alternatives on wasm (a depthwise convolution by a B×1 kernel of ones, a
    // product with a ones row, which packs g as a weight matrix, pairwise adds of halves).
    const summed = linear.inputGrad(tf.sum(g, 0, true), [1, ...rest]);
    return tf.pad(summed, [[0, batch - 1], ...rest.map((): [number, number] => [0, 0])]);
  };
}
