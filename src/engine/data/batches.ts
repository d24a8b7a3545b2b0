/**
 * Turning uint8 image sets into model-ready float batches, and seeded epoch batching.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Rng } from '../../core/util/rng';
import { copyImages, imageBytes, readImages, type ImageCollection, type ImageSet } from '../../core/data/imageSet';

/**
 * n images of `set`'s size as a float32 tensor [n, size, size, 3] in [0, 1]: pixels / 255,
 * bilinear resize with half-pixel centres (skipped when the images already are size×size;
 * non-square images are stretched), and grayscale repeated to 3 channels. Intermediate tensors
 * are disposed; the caller owns the result.
 */
export function pixelsToBatchTensor(
  set: Pick<ImageSet, 'height' | 'width' | 'channels'>,
  pixels: Uint8Array,
  size: number,
): tf.Tensor4D {
  if (!Number.isInteger(size) || size < 1) throw new Error(`toBatchTensor: bad size ${size}`);
  const { height, width, channels } = set;
  const per = imageBytes(set);
  const n = pixels.length / per;
  if (!Number.isInteger(n)) throw new Error(`toBatchTensor: ${pixels.length} bytes is not a whole number of ${height}×${width}×${channels} images`);
  if (n === 0) return tf.zeros([0, size, size, 3]);
  const data = new Float32Array(pixels.length);
  for (let p = 0; p < pixels.length; p++) data[p] = pixels[p]! / 255;
  return tf.tidy(() => {
    let x: tf.Tensor4D = tf.tensor4d(data, [n, height, width, channels]);
    if (height !== size || width !== size) x = tf.image.resizeBilinear(x, [size, size], false, true);
    if (channels === 1) x = tf.tile(x, [1, 1, 1, 3]);
    return x;
  });
}

/** The images at `indices` of an in-memory set as a batch tensor (see pixelsToBatchTensor). */
export function toBatchTensor(set: ImageSet, indices: ArrayLike<number>, size: number): tf.Tensor4D {
  if (!Number.isInteger(size) || size < 1) throw new Error(`toBatchTensor: bad size ${size}`);
  let pixels: Uint8Array;
  try {
    pixels = copyImages(set, indices);
  } catch (e) {
    throw new Error(`toBatchTensor: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  }
  return pixelsToBatchTensor(set, pixels, size);
}

/** The images at `indices` of any set (in memory, or read and decoded from its store) as a batch tensor. */
export async function readBatchTensor(set: ImageCollection, indices: ArrayLike<number>, size: number): Promise<tf.Tensor4D> {
  return pixelsToBatchTensor(set, await readImages(set, indices), size);
}

/**
 * Reads a set's batches one ahead: `pixels(batch, next)` returns the batch's pixels (already
 * being read when it was the previous call's `next`) and starts reading `next`, so a lazy set's
 * fetch and decode overlap the current step. Holds at most one batch ahead.
 */
export class BatchPrefetcher {
  private ahead: { indices: ArrayLike<number>; pixels: Promise<Uint8Array> } | null = null;

  constructor(readonly set: ImageCollection) {}

  async pixels(indices: ArrayLike<number>, next?: ArrayLike<number>): Promise<Uint8Array> {
    const ahead = this.ahead;
    this.ahead = null;
    const current = ahead && sameIndices(ahead.indices, indices) ? ahead.pixels : readImages(this.set, indices);
    if (ahead && ahead.pixels !== current) ahead.pixels.catch(() => undefined);
    if (next && next.length > 0) {
      const pixels = readImages(this.set, next);
      pixels.catch(() => undefined); // a failure is reported when that batch is asked for
      this.ahead = { indices: next, pixels };
    }
    return current;
  }

  /** The batch tensor of `indices` (see pixels and pixelsToBatchTensor); the caller owns it. */
  async tensor(indices: ArrayLike<number>, size: number, next?: ArrayLike<number>): Promise<tf.Tensor4D> {
    return pixelsToBatchTensor(this.set, await this.pixels(indices, next), size);
  }
}

function sameIndices(a: ArrayLike<number>, b: ArrayLike<number>): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
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
