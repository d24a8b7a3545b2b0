/**
 * Small pictures for the views of a run: the prompt's frequency spectrum in a colour-blind-safe
 * colour map, images shrunk for thumbnails, and the training images the prompt views follow.
 */
import { imageBytes, type ImageSet } from '../../core/data/imageSet';
import type { RgbaImage } from '../export/promptPictures';

/**
 * Viridis (matplotlib) at nine evenly spaced stops: perceptually uniform, readable in grey and
 * with every common colour-vision deficiency. The UI's colour bar uses the same stops.
 */
export const VIRIDIS_STOPS = [
  '#440154',
  '#472d7b',
  '#3b528b',
  '#2c728e',
  '#21918c',
  '#28ae80',
  '#5ec962',
  '#addc30',
  '#fde725',
] as const;

const stopRgb = VIRIDIS_STOPS.map(
  (hex) => [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16)) as [number, number, number],
);

/** Viridis colour of t ∈ [0, 1] (clamped), linearly interpolated between the stops. */
export function viridis(t: number): [number, number, number] {
  const x = Math.min(1, Math.max(0, Number.isFinite(t) ? t : 0)) * (stopRgb.length - 1);
  const i = Math.min(stopRgb.length - 2, Math.floor(x));
  const f = x - i;
  const a = stopRgb[i]!;
  const b = stopRgb[i + 1]!;
  return [0, 1, 2].map((c) => Math.round(a[c]! + (b[c]! - a[c]!) * f)) as [number, number, number];
}

/** viridis(i / 255) for i = 0…255, as RGB bytes. */
let lut: Uint8Array | null = null;

function viridisLut(): Uint8Array {
  if (!lut) {
    lut = new Uint8Array(256 * 3);
    for (let i = 0; i < 256; i++) lut.set(viridis(i / 255), i * 3);
  }
  return lut;
}

/** A height×width map of values as an opaque viridis picture, min → dark, max → bright. */
export function colourMapPicture(
  values: Float32Array,
  height: number,
  width: number,
): { image: RgbaImage; min: number; max: number } {
  let min = Infinity;
  let max = -Infinity;
  for (let p = 0; p < values.length; p++) {
    const v = values[p]!;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  const scale = max > min ? 255 / (max - min) : 0;
  const colours = viridisLut();
  const rgba = new Uint8ClampedArray(height * width * 4);
  for (let p = 0; p < height * width; p++) {
    const v = (values[p]! - min) * scale;
    const i = (v >= 0 ? Math.round(v) : 0) * 3;
    rgba[p * 4] = colours[i]!;
    rgba[p * 4 + 1] = colours[i + 1]!;
    rgba[p * 4 + 2] = colours[i + 2]!;
    rgba[p * 4 + 3] = 255;
  }
  return { image: { width, height, rgba }, min: Number.isFinite(min) ? min : 0, max: Number.isFinite(max) ? max : 0 };
}

/**
 * Shrinks a picture so that its longer side is at most maxSide, averaging every source pixel
 * that falls in an output pixel (colours weighted by alpha, so transparent areas do not darken
 * their edges). Pictures already small enough come back unchanged.
 */
export function downscaleRgba(image: RgbaImage, maxSide: number): RgbaImage {
  const { width: w, height: h, rgba } = image;
  if (Math.max(w, h) <= maxSide) return image;
  const f = maxSide / Math.max(w, h);
  const W = Math.max(1, Math.round(w * f));
  const H = Math.max(1, Math.round(h * f));
  const out = new Uint8ClampedArray(W * H * 4);
  for (let y = 0; y < H; y++) {
    const y0 = Math.floor((y * h) / H);
    const y1 = Math.max(y0 + 1, Math.floor(((y + 1) * h) / H));
    for (let x = 0; x < W; x++) {
      const x0 = Math.floor((x * w) / W);
      const x1 = Math.max(x0 + 1, Math.floor(((x + 1) * w) / W));
      let r = 0;
      let g = 0;
      let b = 0;
      let a = 0;
      for (let sy = y0; sy < y1; sy++) {
        for (let sx = x0; sx < x1; sx++) {
          const o = (sy * w + sx) * 4;
          const alpha = rgba[o + 3]!;
          r += rgba[o]! * alpha;
          g += rgba[o + 1]! * alpha;
          b += rgba[o + 2]! * alpha;
          a += alpha;
        }
      }
      const o = (y * W + x) * 4;
      const n = (y1 - y0) * (x1 - x0);
      if (a > 0) {
        out[o] = r / a;
        out[o + 1] = g / a;
        out[o + 2] = b / a;
      }
      out[o + 3] = a / n;
    }
  }
  return { width: W, height: H, rgba: out };
}

/**
 * Image `k` of n×H×W×C uint8 `pixels` (of `set`'s size) as an opaque RGBA picture (grayscale
 * repeated), at most maxSide.
 */
export function imagePicture(set: Pick<ImageSet, 'height' | 'width' | 'channels'>, pixels: Uint8Array, k: number, maxSide: number): RgbaImage {
  const { height, width, channels } = set;
  const n = height * width;
  const per = imageBytes(set);
  const src = pixels.subarray(k * per, (k + 1) * per);
  const rgba = new Uint8ClampedArray(n * 4);
  for (let p = 0; p < n; p++) {
    for (let c = 0; c < 3; c++) rgba[p * 4 + c] = src[p * channels + (channels === 3 ? c : 0)]!;
    rgba[p * 4 + 3] = 255;
  }
  return downscaleRgba({ width, height, rgba }, maxSide);
}

/**
 * `count` images to follow while a prompt trains: the first image of each class in the order of
 * `indices` (so the pictures show different classes), then further images in that order.
 */
export function sampleIndices(labels: Int32Array, indices: Int32Array, count: number): number[] {
  const picked: number[] = [];
  const seen = new Set<number>();
  for (const i of indices) {
    if (picked.length >= count) break;
    const label = labels[i]!;
    if (!seen.has(label)) {
      seen.add(label);
      picked.push(i);
    }
  }
  for (const i of indices) {
    if (picked.length >= count) break;
    if (!picked.includes(i)) picked.push(i);
  }
  return picked;
}
