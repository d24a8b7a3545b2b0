/**
 * In-memory image collections. Pixels stay uint8 (a 60,000-image MNIST train split is 47 MB this
 * way, 188 MB as float32); batches are converted to float tensors on demand (see batches.ts).
 */

/** N images of one size, row-major N×H×W×C uint8 pixels, and one class label per image. */
export interface ImageSet {
  height: number;
  width: number;
  channels: 1 | 3;
  /** N×H×W×C, row-major, 0..255. */
  pixels: Uint8Array;
  /** N class indices (0-based). N = labels.length. */
  labels: Int32Array;
}

/**
 * N images of one size whose pixels are read on demand (an imported dataset in IndexedDB: only
 * the labels are held, the images are decoded per batch). Same layout as ImageSet's pixels.
 */
export interface LazyImageSet {
  height: number;
  width: number;
  channels: 1 | 3;
  /** N class indices (0-based), all in memory (4 bytes an image). */
  labels: Int32Array;
  /** The images at `indices` (repeats allowed), n×H×W×C uint8 in that order; rejects with a message that says what to do. */
  read(indices: ArrayLike<number>): Promise<Uint8Array>;
}

/** What the engine trains and evaluates on: images in memory or read on demand. */
export type ImageCollection = ImageSet | LazyImageSet;

export const isInMemory = (set: ImageCollection): set is ImageSet => 'pixels' in set;

/** Pixels of the images at `indices` of an in-memory set, n×H×W×C in that order. */
export function copyImages(set: ImageSet, indices: ArrayLike<number>): Uint8Array {
  const per = imageBytes(set);
  const total = set.labels.length;
  const out = new Uint8Array(indices.length * per);
  for (let k = 0; k < indices.length; k++) {
    const i = indices[k]!;
    if (!Number.isInteger(i) || i < 0 || i >= total) throw new Error(`index ${i} is outside 0..${total - 1}`);
    out.set(set.pixels.subarray(i * per, (i + 1) * per), k * per);
  }
  return out;
}

/** Pixels of the images at `indices`, n×H×W×C in that order, from memory or from the set's store. */
export async function readImages(set: ImageCollection, indices: ArrayLike<number>): Promise<Uint8Array> {
  return isInMemory(set) ? copyImages(set, indices) : set.read(indices);
}

/** One split entry of a built-in dataset's meta.json. Paths are relative to the meta.json. */
export interface DatasetSplitMeta {
  count: number;
  /** Raw uint8 file, count×H×W×C bytes. */
  images: string;
  /** Raw uint8 file, one byte (the class index) per image. */
  labels: string;
}

/** What identifies a dataset and names its classes; every Dataset has this much. */
export interface DatasetInfo {
  id: string;
  name: string;
  /** Class names, indexed by label. */
  classes: string[];
  source?: string;
  license?: string;
}

/** The meta.json of a built-in dataset (written by scripts/prepare-assets.mjs). */
export interface DatasetMeta extends DatasetInfo {
  height: number;
  width: number;
  channels: 1 | 3;
  splits: { train: DatasetSplitMeta; test?: DatasetSplitMeta };
  source: string;
  license: string;
  /** How train and test were divided (official split, or a seeded stratified one). */
  splitMethod?: string;
  splitSeed?: number;
  notes?: string[];
}

/** A labelled dataset: a training pool and, when it has one, a held-out test split. */
export interface Dataset<S extends ImageCollection = ImageCollection> {
  meta: DatasetInfo;
  train: S;
  test?: S;
}

/** Bytes of one image. */
export function imageBytes(set: Pick<ImageSet, 'height' | 'width' | 'channels'>): number {
  return set.height * set.width * set.channels;
}

/**
 * Throws when a set is inconsistent: pixel count not N×H×W×C, or a label outside
 * 0..numClasses-1 (when numClasses is given).
 */
export function validateImageSet(set: ImageSet, numClasses?: number, what = 'image set'): void {
  const { height, width, channels } = set;
  if (!Number.isInteger(height) || !Number.isInteger(width) || height < 1 || width < 1) {
    throw new Error(`${what}: bad image size ${height}×${width}`);
  }
  if (channels !== 1 && channels !== 3) throw new Error(`${what}: ${String(channels)} channels, expected 1 or 3`);
  const n = set.labels.length;
  const expected = n * imageBytes(set);
  if (set.pixels.length !== expected) {
    throw new Error(`${what}: ${set.pixels.length} pixel bytes, expected ${expected} (${n} × ${height}×${width}×${channels})`);
  }
  for (let i = 0; i < n; i++) {
    const l = set.labels[i]!;
    if (l < 0 || (numClasses !== undefined && l >= numClasses)) {
      throw new Error(`${what}: label ${l} of image ${i} is outside 0..${(numClasses ?? Infinity) - 1}`);
    }
  }
}

/** Images per class: result[c] = number of labels equal to c. Throws on a label outside 0..numClasses-1. */
export function countByClass(labels: ArrayLike<number>, numClasses: number): number[] {
  const counts = new Array<number>(numClasses).fill(0);
  for (let i = 0; i < labels.length; i++) {
    const l = labels[i]!;
    if (!Number.isInteger(l) || l < 0 || l >= numClasses) {
      throw new Error(`label ${l} at ${i} is outside 0..${numClasses - 1}`);
    }
    counts[l]!++;
  }
  return counts;
}

/** A new set holding copies of the given images, in the given order (repeats allowed). */
export function subset(set: ImageSet, indices: ArrayLike<number>): ImageSet {
  const size = imageBytes(set);
  const n = indices.length;
  const total = set.labels.length;
  const pixels = new Uint8Array(n * size);
  const labels = new Int32Array(n);
  for (let k = 0; k < n; k++) {
    const i = indices[k]!;
    if (!Number.isInteger(i) || i < 0 || i >= total) throw new Error(`subset: index ${i} is outside 0..${total - 1}`);
    pixels.set(set.pixels.subarray(i * size, (i + 1) * size), k * size);
    labels[k] = set.labels[i]!;
  }
  return { height: set.height, width: set.width, channels: set.channels, pixels, labels };
}
