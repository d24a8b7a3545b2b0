/**
 * Browser decoding for the import worker: createImageBitmap (EXIF orientation applied) then one
 * draw onto an opaque OffscreenCanvas filled with the alpha background, which fits, resamples
 * ("high" smoothing) and composites transparency in one step, the same way for every format.
 * Only raster bytes whose type was sniffed reach it; nothing is ever put into a document.
 */
import { fitRects, type ImageFit } from '../../core/data/imageFit';
import type { Rgb } from '../../core/data/importedDataset';
import type { DecodeImage } from '../../core/import/importPipeline';

export function createCanvasDecoder(size: number, fit: ImageFit, background: Rgb): DecodeImage {
  const canvas = new OffscreenCanvas(size, size);
  const ctx = canvas.getContext('2d', { alpha: false, willReadFrequently: true });
  if (!ctx) throw new Error('This browser has no 2D OffscreenCanvas in workers, which image import needs.');
  const fill = `rgb(${background.join(',')})`;
  return async (bytes, sniff) => {
    const blob = new Blob([bytes as Uint8Array<ArrayBuffer>], { type: sniff.mime ?? 'application/octet-stream' });
    const bitmap = await createImageBitmap(blob, { imageOrientation: 'from-image', premultiplyAlpha: 'default', colorSpaceConversion: 'default' });
    try {
      if (bitmap.width === 0 || bitmap.height === 0) throw new Error('decoded to an empty image');
      // The draw below runs synchronously, so concurrent decodes can share the canvas.
      const r = fitRects(bitmap.width, bitmap.height, size, fit);
      ctx.globalCompositeOperation = 'source-over';
      ctx.globalAlpha = 1;
      ctx.fillStyle = fill;
      ctx.fillRect(0, 0, size, size);
      ctx.imageSmoothingEnabled = true;
      ctx.imageSmoothingQuality = 'high';
      ctx.drawImage(bitmap, r.sx, r.sy, r.sw, r.sh, r.dx, r.dy, r.dw, r.dh);
      const rgba = ctx.getImageData(0, 0, size, size).data;
      const rgb = new Uint8Array(size * size * 3);
      for (let p = 0, q = 0; p < rgba.length; p += 4, q += 3) {
        rgb[q] = rgba[p]!;
        rgb[q + 1] = rgba[p + 1]!;
        rgb[q + 2] = rgba[p + 2]!;
      }
      return rgb;
    } finally {
      bitmap.close();
    }
  };
}
