/**
 * How a non-square image becomes the square working size on import. The engine later resizes
 * every stored image to its square base size by stretching, so the aspect decision is made here,
 * once, and recorded in the dataset's metadata (exports repeat it).
 *
 * - 'crop' (default): scale the shorter side to the size and cut the centre, like torchvision's
 *   Resize(size) + CenterCrop(size), the usual evaluation transform. No distortion, no bars; the
 *   edges of elongated images are lost.
 * - 'pad': scale the longer side to the size and centre it on the background (letterbox). Keeps
 *   everything; the bars are part of every image.
 * - 'stretch': scale each axis independently (what the engine's resize does). Keeps everything,
 *   distorts shapes.
 */
export type ImageFit = 'crop' | 'pad' | 'stretch';

export const IMAGE_FITS: readonly ImageFit[] = ['crop', 'pad', 'stretch'];

/** Source rectangle (in source pixels) drawn into the destination rectangle (in output pixels). */
export interface FitRects {
  sx: number;
  sy: number;
  sw: number;
  sh: number;
  dx: number;
  dy: number;
  dw: number;
  dh: number;
}

export function fitRects(width: number, height: number, size: number, fit: ImageFit): FitRects {
  if (!(width > 0 && height > 0 && size > 0)) throw new Error(`fitRects: bad sizes ${width}×${height} → ${size}`);
  const full = { sx: 0, sy: 0, sw: width, sh: height };
  if (fit === 'stretch' || width === height) return { ...full, dx: 0, dy: 0, dw: size, dh: size };
  if (fit === 'crop') {
    const side = Math.min(width, height);
    return { sx: (width - side) / 2, sy: (height - side) / 2, sw: side, sh: side, dx: 0, dy: 0, dw: size, dh: size };
  }
  const scale = size / Math.max(width, height);
  const dw = Math.max(1, Math.round(width * scale));
  const dh = Math.max(1, Math.round(height * scale));
  return { ...full, dx: Math.floor((size - dw) / 2), dy: Math.floor((size - dh) / 2), dw, dh };
}
