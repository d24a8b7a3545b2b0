import * as tf from '@tensorflow/tfjs-core';

/**
 * Pads (positive amounts) and crops (negative amounts) the two spatial axes of x.
 * Returns the cropped tensor and the non-negative padding left to apply, so a following
 * convolution can take that padding as its explicit padding instead of a separate pad.
 */
export function cropToPadding(
  x: tf.Tensor4D,
  [[top, bottom], [left, right]]: [[number, number], [number, number]],
): { cropped: tf.Tensor4D; padding: tf.backend_util.ExplicitPadding } {
  const [b, h, w, c] = x.shape;
  const cropTop = Math.max(0, -top);
  const cropLeft = Math.max(0, -left);
  const keptH = h - cropTop - Math.max(0, -bottom);
  const keptW = w - cropLeft - Math.max(0, -right);
  const cropped = keptH === h && keptW === w ? x : tf.slice(x, [0, cropTop, cropLeft, 0], [b, keptH, keptW, c]);
  return {
    cropped,
    padding: [
      [0, 0],
      [Math.max(0, top), Math.max(0, bottom)],
      [Math.max(0, left), Math.max(0, right)],
      [0, 0],
    ],
  };
}

/**
 * Geometry of the input gradient of a strided window op (conv or pool) with window k,
 * stride s and leading padding p on an axis of input size n and output size m: after
 * `dilate` (length m·s), a stride-1 correlation with the flipped window needs this much
 * padding (negative: cropping) before and after to give back n values.
 */
export function inputGradPadding(n: number, m: number, k: number, s: number, p: number): [number, number] {
  return [k - 1 - p, n - m * s + p];
}
