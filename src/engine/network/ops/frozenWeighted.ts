import * as tf from '@tensorflow/tfjs-core';
import { activationGradFromOutput, applyKernelActivation, type KernelActivation, preluSlopes } from '../activations';
import type { Pool } from '../ir';
import type { FrozenOp } from './frozenOp';
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
export function frozenWeighted(linear: LinearKernel, activation: KernelActivation, maxPool: Pool | undefined): FrozenOp {
  const slopes = preluSlopes(activation, linear.units);
  const kernels = new KernelCache();
  const op = inputGradOp((x: tf.Tensor, save: tf.GradSaveFunc) => {
    if (!maxPool) {
      const y = linear.forward(x, activation.activation, slopes);
      // Saving copies the tensor on wasm: skip it when the derivative does not need y.
      save(activation.activation === 'linear' ? [] : [y]);
      return {
        value: y,
        gradFunc: (dy: tf.Tensor, [ys]: tf.Tensor[]) =>
          tf.tidy(() => linear.inputGrad(activationGradFromOutput(activation, dy, ys as tf.Tensor), x.shape)),
      };
    }
    const z = linear.forward(x, 'linear', undefined) as tf.Tensor4D;
    const pooled = tf.maxPool(z, [maxPool.size[0], maxPool.size[1]], [maxPool.strides[0], maxPool.strides[1]], maxPool.padding);
    const y = applyKernelActivation(activation, pooled, slopes);
    save([y, z, pooled]);
    return {
      value: y,
      gradFunc: (dy: tf.Tensor, [ys, zs, pooledSaved]: tf.Tensor[]) => tf.tidy(() => {
        const g = activationGradFromOutput(activation, dy, ys as tf.Tensor) as tf.Tensor4D;
        const gz = firstMaxGrad(g, zs as tf.Tensor4D, pooledSaved as tf.Tensor4D, maxPool.size, maxPool.strides, maxPool.padding, kernels);
        return linear.inputGrad(gz, x.shape);
      }),
    };
  });
  return {
    apply: ([x]) => op(x as tf.Tensor),
    dispose: () => {
      linear.dispose();
      kernels.dispose();
      slopes?.dispose();
    },
  };
}
