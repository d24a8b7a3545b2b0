import * as tf from '@tensorflow/tfjs-core';

/**
 * A few tiny real kernels of the kinds training uses (convolution, depthwise convolution, matrix
 * product, pooling, resizing, activations), compiled and run on the current backend, each result
 * checked against its value worked out by hand. Returns null when all agree, else what failed.
 * Catches backends that register but cannot compute (shaders that do not compile, a wasm binary
 * that does not load, a driver that returns garbage) before any training depends on them.
 */
export async function probeBackend(): Promise<string | null> {
  const checks: [string, () => tf.Tensor, number][] = [
    // ones 4×4×3 * ones 3×3×3→2, valid: 2×2×2 outputs of 27 each.
    ['conv2d', () => tf.conv2d(tf.ones<tf.Rank.R4>([1, 4, 4, 3]), tf.ones<tf.Rank.R4>([3, 3, 3, 2]), 1, 'valid'), 8 * 27],
    // same padding, 3 channels of a 3×3 image of ones, 3×3 ones kernel: corner 4, edge 6, centre 9.
    ['depthwiseConv2d', () => tf.depthwiseConv2d(tf.ones<tf.Rank.R4>([1, 3, 3, 3]), tf.ones<tf.Rank.R4>([3, 3, 3, 1]), 1, 'same'), 3 * 49],
    // [1..6] as 2×3 times ones 3×2: row sums 6 and 15, twice.
    ['matMul', () => tf.matMul(tf.tensor2d([1, 2, 3, 4, 5, 6], [2, 3]), tf.ones([3, 2])), 42],
    // max of each 2×2 window of -16..-1 (4×4): -11, -9, -3, -1.
    ['max pooling', () => tf.max(tf.reshape(tf.range(-16, 0), [1, 2, 2, 2, 2, 1]), [2, 4]), -24],
    ['resizeBilinear', () => tf.image.resizeBilinear(tf.ones<tf.Rank.R4>([1, 2, 2, 1]), [4, 4], false, true), 16],
    ['leakyRelu', () => tf.leakyRelu(tf.tensor1d([-10, 10]), 0.1), 9],
    ['sigmoid', () => tf.sigmoid(tf.zeros([4])), 2],
  ];
  for (const [name, op, expected] of checks) {
    const total = tf.tidy(() => tf.sum(op()));
    try {
      const [value] = await total.data();
      if (value === undefined || !(Math.abs(value - expected) <= 1e-3 * Math.max(1, Math.abs(expected)))) {
        return `its ${name} kernel computed ${value} instead of ${expected}`;
      }
    } finally {
      total.dispose();
    }
  }
  return null;
}
