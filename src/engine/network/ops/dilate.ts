import * as tf from '@tensorflow/tfjs-core';
import type { Pair } from '../ir';

/**
 * Spreads x over a stride grid: element (i, j) lands at (i·sh + oh, j·sw + ow) of a
 * [B, H·sh, W·sw, C] tensor of zeros (0 ≤ offset < stride). One pad of a 6-D view.
 */
export function dilate(x: tf.Tensor4D, strides: Pair, offset: Pair = [0, 0]): tf.Tensor4D {
  const [sh, sw] = strides;
  if (sh === 1 && sw === 1) return x;
  const [b, h, w, c] = x.shape;
  const [oh, ow] = offset;
  const spread = tf.pad(tf.reshape(x, [b, h, 1, w, 1, c]), [[0, 0], [0, 0], [oh, sh - 1 - oh], [0, 0], [ow, sw - 1 - ow], [0, 0]]);
  return tf.reshape(spread, [b, h * sh, w * sw, c]);
}
