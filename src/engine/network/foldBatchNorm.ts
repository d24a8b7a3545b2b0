import * as tf from '@tensorflow/tfjs-core';

export interface BatchNormParams {
  gamma?: tf.Tensor;
  beta?: tf.Tensor;
  mean: tf.Tensor;
  variance: tf.Tensor;
  epsilon: number;
}

/** Inference batch norm as y = x·scale + shift. */
export function batchNormAffine(p: BatchNormParams): { scale: tf.Tensor; shift: tf.Tensor } {
  return tf.tidy(() => {
    const inverseStd = tf.rsqrt(tf.add(p.variance, p.epsilon));
    const scale = p.gamma ? tf.mul(p.gamma, inverseStd) : inverseStd;
    const shift = tf.sub(p.beta ?? tf.scalar(0), tf.mul(p.mean, scale));
    return { scale, shift };
  });
}

/**
 * Folds y = (x ⊛ kernel + bias)·scale + shift into a new kernel and bias. Output channels are
 * the last kernel axis for conv2d [kh, kw, in, out] and dense [in, out], and the last two
 * (channel, multiplier) for depthwise [kh, kw, C, m].
 */
export function foldAffine(
  kind: 'conv2d' | 'depthwiseConv2d' | 'dense', kernel: tf.Tensor, bias: tf.Tensor | undefined,
  scale: tf.Tensor | undefined, shift: tf.Tensor | undefined,
): { kernel: tf.Tensor; bias: tf.Tensor | undefined } {
  return tf.tidy(() => {
    let k = kernel;
    let b = bias;
    if (scale) {
      const perOutput = kind === 'depthwiseConv2d' && scale.size > 1
        ? tf.reshape(scale, kernel.shape.slice(2)) : scale;
      k = tf.mul(kernel, perOutput);
      b = b ? tf.mul(b, tf.reshape(scale, [-1])) : undefined;
    }
    if (shift) b = b ? tf.add(b, tf.reshape(shift, [-1])) : tf.reshape(shift, [-1]);
    if (b && b.size === 1) {
      const outputs = kind === 'depthwiseConv2d' ? (kernel.shape[2] as number) * (kernel.shape[3] as number) : kernel.shape[kernel.rank - 1] as number;
      b = tf.mul(tf.ones([outputs]), b);
    }
    return { kernel: k, bias: b };
  });
}
