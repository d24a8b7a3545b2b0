import type { RgbaPicture } from '../../../worker/api/runsApi';

/**
 * The picture with its colours stretched to the full range: the darkest value of any channel
 * (over opaque pixels) becomes 0 and the brightest 255, the same for all three channels so that
 * hues keep their relation. Small learnt differences become visible; null when the picture is
 * flat (nothing to stretch).
 */
export function stretchContrast(picture: RgbaPicture): RgbaPicture | null {
  const { rgba } = picture;
  let min = 255;
  let max = 0;
  for (let p = 0; p < rgba.length; p += 4) {
    if (rgba[p + 3] === 0) continue;
    for (let c = 0; c < 3; c++) {
      const v = rgba[p + c]!;
      if (v < min) min = v;
      if (v > max) max = v;
    }
  }
  if (max - min < 2) return null;
  const out = new Uint8ClampedArray(rgba.length);
  const scale = 255 / (max - min);
  for (let p = 0; p < rgba.length; p += 4) {
    for (let c = 0; c < 3; c++) out[p + c] = (rgba[p + c]! - min) * scale;
    out[p + 3] = rgba[p + 3]!;
  }
  return { width: picture.width, height: picture.height, rgba: out };
}

/** How far apart the darkest and brightest values of the opaque pixels are (0–255). */
export function valueRange(picture: RgbaPicture): number {
  let min = 255;
  let max = 0;
  for (let p = 0; p < picture.rgba.length; p += 4) {
    if (picture.rgba[p + 3] === 0) continue;
    for (let c = 0; c < 3; c++) {
      const v = picture.rgba[p + c]!;
      if (v < min) min = v;
      if (v > max) max = v;
    }
  }
  return Math.max(0, max - min);
}
