import type { ImageSet } from '../../core/data/imageSet';
import type { Thumbnail } from '../api/trainingApi';

/** RGBA copy of image `index` of a uint8 set (grayscale repeated to three channels). */
export function toRgba(set: ImageSet, index: number): Thumbnail {
  const { height, width, channels } = set;
  const pixels = height * width;
  const src = set.pixels.subarray(index * pixels * channels, (index + 1) * pixels * channels);
  const rgba = new Uint8ClampedArray(pixels * 4);
  for (let p = 0; p < pixels; p++) {
    for (let c = 0; c < 3; c++) rgba[p * 4 + c] = src[p * channels + (channels === 3 ? c : 0)] as number;
    rgba[p * 4 + 3] = 255;
  }
  return { label: set.labels[index] as number, width, height, rgba };
}

/** The first `perClass` images of every class, class by class. */
export function classThumbnails(set: ImageSet, numClasses: number, perClass: number): Thumbnail[] {
  const taken = new Array<number>(numClasses).fill(0);
  const byClass: number[][] = Array.from({ length: numClasses }, () => []);
  for (let i = 0; i < set.labels.length && byClass.some((l) => l.length < perClass); i++) {
    const label = set.labels[i] as number;
    if ((taken[label] as number) < perClass) {
      (byClass[label] as number[]).push(i);
      taken[label] = (taken[label] as number) + 1;
    }
  }
  return byClass.flat().map((i) => toRgba(set, i));
}
