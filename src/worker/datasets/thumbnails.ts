import { imageBytes, readImages, type ImageCollection } from '../../core/data/imageSet';
import type { Thumbnail } from '../api/trainingApi';

/** RGBA copy of image `k` of n×H×W×C uint8 `all` (grayscale repeated to three channels), labelled `label`. */
function toRgba(set: ImageCollection, all: Uint8Array, k: number, label: number): Thumbnail {
  const { height, width, channels } = set;
  const pixels = height * width;
  const per = imageBytes(set);
  const src = all.subarray(k * per, (k + 1) * per);
  const rgba = new Uint8ClampedArray(pixels * 4);
  for (let p = 0; p < pixels; p++) {
    for (let c = 0; c < 3; c++) rgba[p * 4 + c] = src[p * channels + (channels === 3 ? c : 0)] as number;
    rgba[p * 4 + 3] = 255;
  }
  return { label, width, height, rgba };
}

/** The first `perClass` images of every class, class by class (read from the set's store when it is lazy). */
export async function classThumbnails(set: ImageCollection, numClasses: number, perClass: number): Promise<Thumbnail[]> {
  const taken = new Array<number>(numClasses).fill(0);
  const byClass: number[][] = Array.from({ length: numClasses }, () => []);
  for (let i = 0; i < set.labels.length && byClass.some((l) => l.length < perClass); i++) {
    const label = set.labels[i] as number;
    if ((taken[label] as number) < perClass) {
      (byClass[label] as number[]).push(i);
      taken[label] = (taken[label] as number) + 1;
    }
  }
  const picked = byClass.flat();
  const all = await readImages(set, picked);
  return picked.map((i, k) => toRgba(set, all, k, set.labels[i] as number));
}
