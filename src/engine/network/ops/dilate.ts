import * as tf from '@tensorflow/tfjs-core';
import type { Pair } from '../ir';

/**
 * Spreads x over a stride grid: element (i, j) lands at (i·sh + oh, j·sw + ow) of a
 * [B, H·sh, W·sw, C] tensor of zeros (0 ≤ offset < stride). Rows, then columns, each one pad of
 * a rank-4 view: tfjs-backend-webgpu's pad reads a rank-5 or rank-6 input with four coordinates
 * (4.22, pad_webgpu.js padCommon), which gave WebGPU a wrong depthwise input gradient.
 */
export function dilate(x: tf.Tensor4D, strides: Pair, offset: Pair = [0, 0]): tf.Tensor4D {
  const [sh, sw] = strides;
  const [b, h, w, c] = x.shape;
  const [oh, ow] = offset;
  const rows =
    sh === 1 ? x : tf.reshape(tf.pad(tf.reshape(x, [b, h, 1, w * c]), [[0, 0], [0, 0], [oh, sh - 1 - oh], [0, 0]]), [b, h * sh, w, c]);
  if (sw === 1) return rows as tf.Tensor4D;
  const spread = tf.pad(tf.reshape(rows, [b * h * sh, w, 1, c]), [[0, 0], [0, 0], [ow, sw - 1 - ow], [0, 0]]);
  return tf.reshape(spread, [b, h * sh, w * sw, c]);
}
