/**
 * Datasets imported from the user's images: what the metadata records about how the images were
 * made (so exports and reports can state it), and how their stored chunks become an ImageSet.
 */
import type { ImageFit } from './imageFit';
import type { DatasetInfo, ImageSet } from './imageSet';

export type Rgb = [number, number, number];

/** How every imported image was turned into stored pixels. */
export interface ImportPreprocessing {
  /** Every image is stored at workingSize × workingSize. */
  workingSize: number;
  fit: ImageFit;
  /** Transparent pixels are composited onto this opaque colour. */
  alphaBackground: Rgb;
  alphaCompositing: string;
  /** EXIF orientation is applied before fitting. */
  orientation: 'exif';
  resampling: string;
  colorSpace: 'sRGB';
  grayscale: string;
  animation: string;
}

export const ALPHA_BACKGROUND: Rgb = [255, 255, 255];

export function importPreprocessing(workingSize: number, fit: ImageFit, alphaBackground: Rgb = ALPHA_BACKGROUND): ImportPreprocessing {
  return {
    workingSize,
    fit,
    alphaBackground,
    alphaCompositing:
      'source-over onto an opaque canvas filled with alphaBackground, after resampling in premultiplied alpha (2D canvas drawImage), for every image and format alike',
    orientation: 'exif',
    resampling: 'browser 2D canvas drawImage, imageSmoothingQuality "high", once from the decoded original',
    colorSpace: 'sRGB',
    grayscale: 'one channel when every image is gray (R = G = B after resizing); otherwise gray images are expanded to RGB',
    animation: 'first frame of animated GIF/WebP',
  };
}

/** DatasetInfo of an imported dataset: the extra fields travel with the engine's Dataset.meta. */
export interface ImportedDatasetInfo extends DatasetInfo {
  imported: true;
  alphaBackground: Rgb;
  preprocessing: ImportPreprocessing;
}

/** Up to a few hundred images as stored: gray chunks keep one channel. Labels are final class indices. */
export interface PixelChunk {
  count: number;
  channels: 1 | 3;
  pixels: Uint8Array;
  labels: Int32Array;
}

/**
 * Collects chunks into one ImageSet of `count` images with `channels` channels (gray chunks
 * are expanded when the set is RGB). Chunks arrive one at a time, so only one is in memory
 * beside the result.
 */
export class ImageSetAssembler {
  private readonly set: ImageSet;
  private filled = 0;

  constructor(count: number, height: number, width: number, channels: 1 | 3) {
    this.set = { height, width, channels, pixels: new Uint8Array(count * height * width * channels), labels: new Int32Array(count) };
  }

  add(chunk: PixelChunk): void {
    const { height, width, channels } = this.set;
    const px = height * width;
    if (chunk.pixels.length !== chunk.count * px * chunk.channels || chunk.labels.length !== chunk.count) {
      throw new Error(`stored chunk has ${chunk.pixels.length} bytes and ${chunk.labels.length} labels for ${chunk.count} images of ${height}×${width}×${chunk.channels}`);
    }
    if (this.filled + chunk.count > this.set.labels.length) throw new Error('stored chunks hold more images than the dataset lists');
    if (chunk.channels === 3 && channels === 1) throw new Error('a colour chunk in a dataset stored as grayscale');
    const out = this.set.pixels;
    const base = this.filled * px * channels;
    if (chunk.channels === channels) {
      out.set(chunk.pixels, base);
    } else {
      for (let p = 0; p < chunk.count * px; p++) {
        const v = chunk.pixels[p]!;
        out[base + p * 3] = v;
        out[base + p * 3 + 1] = v;
        out[base + p * 3 + 2] = v;
      }
    }
    this.set.labels.set(chunk.labels, this.filled);
    this.filled += chunk.count;
  }

  finish(): ImageSet {
    if (this.filled !== this.set.labels.length) throw new Error(`the dataset lists ${this.set.labels.length} images but its stored chunks hold ${this.filled}`);
    return this.set;
  }
}

/**
 * A stored chunk with its labels mapped through `remap` (stored label → class index); images whose
 * label maps to -1 (a class left out after decoding) are dropped.
 */
export function remapChunk(chunk: PixelChunk, remap: ArrayLike<number>, pixelsPerImage: number): PixelChunk {
  const keep: number[] = [];
  for (let i = 0; i < chunk.count; i++) {
    const l = chunk.labels[i]!;
    if (l < 0 || l >= remap.length) throw new Error(`stored label ${l} is outside 0..${remap.length - 1}`);
    if (remap[l]! >= 0) keep.push(i);
  }
  const labels = Int32Array.from(keep, (i) => remap[chunk.labels[i]!]!);
  if (keep.length === chunk.count) return { ...chunk, labels };
  const per = pixelsPerImage * chunk.channels;
  const pixels = new Uint8Array(keep.length * per);
  keep.forEach((i, k) => pixels.set(chunk.pixels.subarray(i * per, (i + 1) * per), k * per));
  return { count: keep.length, channels: chunk.channels, pixels, labels };
}
