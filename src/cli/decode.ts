/**
 * Image decoding for the CLI (Node has no createImageBitmap / OffscreenCanvas): PNG with pngjs,
 * JPEG with jpeg-js, both pure JavaScript. The steps mirror the browser import's canvas decoder
 * (src/worker/import/canvasDecoder.ts) so that a prompt trained in the CLI sees the same images
 * as one trained in the app: EXIF orientation applied, the fit rectangle of imageFit.ts, one
 * resampling from the decoded original in premultiplied alpha, then transparency composited onto
 * the alpha background. The resampling kernel differs from the browser's (which is the
 * browser's own business): an antialiased bilinear (triangle) filter, as Pillow's BILINEAR.
 *
 * GIF, WebP and BMP are recognised (imageSniff) but not decoded here: such files are skipped
 * with a reason saying so.
 */
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { fitRects, type ImageFit } from '../core/data/imageFit';
import type { Rgb } from '../core/data/importedDataset';
import type { SniffResult } from '../core/data/imageSniff';
import { type DecodeImage, UnsupportedImageError } from '../core/import/importPipeline';

/** What the CLI records about its resampling (ImportPreprocessing.resampling). */
export const CLI_RESAMPLING =
  'autovp CLI (Node): pngjs / jpeg-js decode, then one separable antialiased bilinear (triangle-filter) resampling from the decoded original in premultiplied alpha';

export interface Rgba {
  width: number;
  height: number;
  /** width × height × 4, 0..255, straight (not premultiplied) alpha. */
  data: Uint8Array;
}

/** Decodes PNG or JPEG bytes to straight-alpha RGBA (EXIF orientation not yet applied). */
function decodeRgba(bytes: Uint8Array, sniff: SniffResult): Rgba {
  if (sniff.kind === 'png') {
    const png = PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
    return {
      width: png.width,
      height: png.height,
      data: new Uint8Array(png.data.buffer, png.data.byteOffset, png.data.byteLength),
    };
  }
  if (sniff.kind === 'jpeg') {
    const img = jpeg.decode(bytes, {
      useTArray: true,
      formatAsRGBA: true,
      maxResolutionInMP: 100,
      maxMemoryUsageInMB: 1024,
    });
    return { width: img.width, height: img.height, data: img.data };
  }
  throw new UnsupportedImageError(
    `the autovp CLI decodes PNG and JPEG only; convert ${sniff.description}s to PNG, or import the folder in the app, which reads GIF, WebP and BMP too`,
  );
}

/**
 * Applies an EXIF orientation (1–8) so that the image is upright, as browsers do with
 * imageOrientation 'from-image'.
 */
export function orient(img: Rgba, orientation: number | undefined): Rgba {
  if (!orientation || orientation === 1) return img;
  const { width: w, height: h, data } = img;
  const swap = orientation >= 5;
  const ow = swap ? h : w;
  const oh = swap ? w : h;
  const out = new Uint8Array(ow * oh * 4);
  for (let y = 0; y < oh; y++) {
    for (let x = 0; x < ow; x++) {
      // Source pixel (sx, sy) shown at (x, y) after the transform.
      let sx: number;
      let sy: number;
      switch (orientation) {
        case 2:
          sx = w - 1 - x;
          sy = y;
          break; // mirror horizontally
        case 3:
          sx = w - 1 - x;
          sy = h - 1 - y;
          break; // rotate 180
        case 4:
          sx = x;
          sy = h - 1 - y;
          break; // mirror vertically
        case 5:
          sx = y;
          sy = x;
          break; // transpose
        case 6:
          sx = y;
          sy = h - 1 - x;
          break; // rotate 90 clockwise
        case 7:
          sx = w - 1 - y;
          sy = h - 1 - x;
          break; // transverse
        case 8:
          sx = w - 1 - y;
          sy = x;
          break; // rotate 90 counter-clockwise
        default:
          sx = x;
          sy = y;
      }
      const s = (sy * w + sx) * 4;
      const d = (y * ow + x) * 4;
      out[d] = data[s]!;
      out[d + 1] = data[s + 1]!;
      out[d + 2] = data[s + 2]!;
      out[d + 3] = data[s + 3]!;
    }
  }
  return { width: ow, height: oh, data: out };
}

interface AxisWeights {
  /** First source index per output pixel. */
  start: Int32Array;
  /** Number of taps per output pixel. */
  count: Int32Array;
  /** Normalised weights, `taps` per output pixel. */
  weights: Float32Array;
  taps: number;
}

/**
 * Triangle-filter weights for resampling the source interval [s0, s0 + sl) (source pixels, may be
 * fractional) onto n output pixels: output pixel i is centred at s0 + (i + ½)·sl/n, the filter's
 * radius is max(1, sl/n) source pixels (antialiased when shrinking), edge pixels extend.
 */
function axisWeights(size: number, s0: number, sl: number, n: number): AxisWeights {
  const scale = sl / n;
  const support = Math.max(1, scale);
  const taps = Math.ceil(support) * 2 + 1;
  const start = new Int32Array(n);
  const count = new Int32Array(n);
  const weights = new Float32Array(n * taps);
  for (let i = 0; i < n; i++) {
    const centre = s0 + (i + 0.5) * scale;
    const lo = Math.max(0, Math.floor(centre - support));
    const hi = Math.min(size - 1, Math.ceil(centre + support));
    let total = 0;
    let c = 0;
    const base = i * taps;
    for (let j = lo; j <= hi && c < taps; j++) {
      const w = 1 - Math.abs(j + 0.5 - centre) / support;
      if (w <= 0) continue;
      if (c === 0) start[i] = j;
      weights[base + (j - (start[i] as number))] = w;
      c = j - (start[i] as number) + 1;
      total += w;
    }
    if (total <= 0) {
      // The interval lies outside the image (cannot happen for a fit rectangle): nearest edge pixel.
      start[i] = Math.min(size - 1, Math.max(0, Math.floor(centre)));
      weights[base] = 1;
      count[i] = 1;
      continue;
    }
    count[i] = c;
    for (let k = 0; k < c; k++) weights[base + k] = (weights[base + k] as number) / total;
  }
  return { start, count, weights, taps };
}

/**
 * Fits an image into size × size like the browser import: the fit rectangle (crop / pad /
 * stretch), one resampling in premultiplied alpha, composited onto `background`. Returns
 * size² × 3 RGB bytes.
 */
export function fitToSquare(img: Rgba, size: number, fit: ImageFit, background: Rgb): Uint8Array {
  const r = fitRects(img.width, img.height, size, fit);
  const rgb = new Uint8Array(size * size * 3);
  for (let p = 0; p < size * size; p++) rgb.set(background, p * 3);
  const xs = axisWeights(img.width, r.sx, r.sw, r.dw);
  const ys = axisWeights(img.height, r.sy, r.sh, r.dh);
  const { width: w, data } = img;
  // Horizontal pass over the rows the vertical pass needs, premultiplied, as float.
  let rowLo = img.height;
  let rowHi = 0;
  for (let y = 0; y < r.dh; y++) {
    rowLo = Math.min(rowLo, ys.start[y] as number);
    rowHi = Math.max(rowHi, (ys.start[y] as number) + (ys.count[y] as number) - 1);
  }
  const rows = rowHi - rowLo + 1;
  const tmp = new Float32Array(rows * r.dw * 4);
  for (let y = 0; y < rows; y++) {
    const srcRow = (rowLo + y) * w * 4;
    for (let x = 0; x < r.dw; x++) {
      let pr = 0;
      let pg = 0;
      let pb = 0;
      let pa = 0;
      const s0 = xs.start[x] as number;
      const n = xs.count[x] as number;
      const wb = x * xs.taps;
      for (let k = 0; k < n; k++) {
        const wt = xs.weights[wb + k] as number;
        const s = srcRow + (s0 + k) * 4;
        const a = (data[s + 3] as number) * wt;
        pr += (data[s] as number) * a;
        pg += (data[s + 1] as number) * a;
        pb += (data[s + 2] as number) * a;
        pa += a;
      }
      const t = (y * r.dw + x) * 4;
      tmp[t] = pr / 255;
      tmp[t + 1] = pg / 255;
      tmp[t + 2] = pb / 255;
      tmp[t + 3] = pa / 255;
    }
  }
  const [br, bg, bb] = background;
  for (let y = 0; y < r.dh; y++) {
    const s0 = ys.start[y] as number;
    const n = ys.count[y] as number;
    const wb = y * ys.taps;
    for (let x = 0; x < r.dw; x++) {
      let pr = 0;
      let pg = 0;
      let pb = 0;
      let pa = 0;
      for (let k = 0; k < n; k++) {
        const wt = ys.weights[wb + k] as number;
        const t = ((s0 + k - rowLo) * r.dw + x) * 4;
        pr += (tmp[t] as number) * wt;
        pg += (tmp[t + 1] as number) * wt;
        pb += (tmp[t + 2] as number) * wt;
        pa += (tmp[t + 3] as number) * wt;
      }
      // Premultiplied colour over the opaque background (source-over).
      const rest = 1 - Math.min(1, Math.max(0, pa));
      const d = ((r.dy + y) * size + r.dx + x) * 3;
      rgb[d] = clampByte(pr + br * rest);
      rgb[d + 1] = clampByte(pg + bg * rest);
      rgb[d + 2] = clampByte(pb + bb * rest);
    }
  }
  return rgb;
}

const clampByte = (v: number) => (v <= 0 ? 0 : v >= 255 ? 255 : Math.round(v));

/** The import pipeline's decoder for Node: decode, orient, fit, composite. */
export function createNodeDecoder(size: number, fit: ImageFit, background: Rgb): DecodeImage {
  return async (bytes, sniff) => {
    const img = orient(decodeRgba(bytes, sniff), sniff.orientation);
    if (img.width === 0 || img.height === 0) throw new Error('decoded to an empty image');
    return fitToSquare(img, size, fit, background);
  };
}
