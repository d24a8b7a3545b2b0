/**
 * Turning uint8 image sets into model-ready float batches, and seeded epoch batching.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Rng } from '../../core/util/rng';
import { imageBytes, type ImageSet } from '../../core/data/imageSet';

/**
 * The images at `indices` as a float32 tensor [n, size, size, 3] in [0, 1]: pixels / 255,
 * bilinear resize with half-pixel centres (skipped when the images already are size×size;
 * non-square images are stretched), and grayscale repeated to 3 channels. Intermediate tensors
 * are disposed; the caller owns the result.
 */
export function toBatchTensor(set: ImageSet, indices: ArrayLike<number>, size: number): tf.Tensor4D {
  if (!Number.isInteger(size) || size < 1) throw new Error(`toBatchTensor: bad size ${size}`);
  const { height, width, channels } = set;
  const n = indices.length;
  if (n === 0) return tf.zeros([0, size, size, 3]);
  const per = imageBytes(set);
  const total = set.labels.length;
  const data = new Float32Array(n * per);
  for (let k = 0; k < n; k++) {
    const i = indices[k]!;
    if (!Number.isInteger(i) || i < 0 || i >= total) throw new Error(`toBatchTensor: index ${i} is outside 0..${total - 1}`);
    const src = set.pixels.subarray(i * per, (i + 1) * per);
    const off = k * per;
    for (let p = 0; p < per; p++) data[off + p] = src[p]! / 255;
  }
  return tf.tidy(() => {
    let x: tf.Tensor4D = tf.tensor4d(data, [n, height, width, channels]);
    if (height !== size || width !== size) x = tf.image.resizeBilinear(x, [size, size], false, true);
    if (channels === 1) x = tf.tile(x, [1, 1, 1, 3]);
    return x;
  });
}

/**
 * One epoch of mini-batches: the indices shuffled by `rng` (the input is not modified) and cut
 * into batches of batchSize; the last, partial batch is kept.
 */
export function epochBatches(indices: ArrayLike<number>, batchSize: number, rng: Rng): Int32Array[] {
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new Error(`epochBatches: bad batch size ${batchSize}`);
  const order = rng.shuffle(Int32Array.from(indices));
  const batches: Int32Array[] = [];
  for (let start = 0; start < order.length; start += batchSize) {
    batches.push(order.slice(start, start + batchSize));
  }
  return batches;
}
