/**
 * Lossless compression of one stored image: PNG's "Up" filter (each row minus the row above,
 * mod 256) then raw deflate (fflate, level 1). Measured on 128×128 images (BENCHMARKS.md, "Scale
 * with the data"): MNIST digits to 16% of their bytes (26% in IndexedDB, its overhead included),
 * noisy photo-like JPEGs to 78%; about 0.5 ms to encode and 0.1-0.2 ms to inflate a digit. Per
 * image, not per chunk, so a shuffled batch reads and inflates only its own images.
 *
 * Layout: byte 0 = format (1), byte 1 = channels (1 or 3), bytes 2-3 = width, 4-5 = height
 * (little-endian), then the deflate stream of the filtered bytes.
 */
import { deflateSync, inflateSync } from 'fflate';

const FORMAT_UP_DEFLATE = 1;
const HEADER = 6;

/** A stored image that cannot be decoded (damaged or of an unknown format). */
export class CorruptImageError extends Error {
  override readonly name = 'CorruptImageError';
}

export function encodeImage(pixels: Uint8Array, width: number, height: number, channels: 1 | 3): Uint8Array {
  const row = width * channels;
  if (pixels.length !== row * height) throw new Error(`encodeImage: ${pixels.length} bytes for ${width}×${height}×${channels}`);
  const filtered = new Uint8Array(pixels.length);
  filtered.set(pixels.subarray(0, row));
  for (let i = row; i < pixels.length; i++) filtered[i] = (pixels[i]! - pixels[i - row]!) & 255;
  const packed = deflateSync(filtered, { level: 1 });
  const out = new Uint8Array(HEADER + packed.length);
  out[0] = FORMAT_UP_DEFLATE;
  out[1] = channels;
  out[2] = width & 255;
  out[3] = width >> 8;
  out[4] = height & 255;
  out[5] = height >> 8;
  out.set(packed, HEADER);
  return out;
}

/** The image's header: channels and size. Throws CorruptImageError when it is not one of ours. */
function imageHeader(bytes: Uint8Array): { channels: 1 | 3; width: number; height: number } {
  if (bytes.length < HEADER || bytes[0] !== FORMAT_UP_DEFLATE || (bytes[1] !== 1 && bytes[1] !== 3)) {
    throw new CorruptImageError(`unknown image format (${bytes.length} bytes, format byte ${bytes[0] ?? 'none'})`);
  }
  return { channels: bytes[1] as 1 | 3, width: bytes[2]! | (bytes[3]! << 8), height: bytes[4]! | (bytes[5]! << 8) };
}

/**
 * The pixels of an encoded image, written into `out` at `offset` (with `channels` channels: a gray
 * image is repeated to RGB when 3 are asked for). Throws CorruptImageError on damaged data.
 */
export function decodeImageInto(bytes: Uint8Array, out: Uint8Array, offset: number, channels: 1 | 3): void {
  const h = imageHeader(bytes);
  const n = h.width * h.height * h.channels;
  if (h.channels === 3 && channels === 1) throw new CorruptImageError('a colour image in a set stored as grayscale');
  if (offset + h.width * h.height * channels > out.length) throw new CorruptImageError(`an image of ${h.width}×${h.height} does not fit the set's image size`);
  let raw: Uint8Array;
  try {
    raw = inflateSync(bytes.subarray(HEADER), { out: new Uint8Array(n) });
  } catch (e) {
    throw new CorruptImageError(`damaged compressed data (${e instanceof Error ? e.message : String(e)})`);
  }
  if (raw.length !== n) throw new CorruptImageError(`${raw.length} bytes after decompression, expected ${n}`);
  const row = h.width * h.channels;
  for (let i = row; i < n; i++) raw[i] = (raw[i]! + raw[i - row]!) & 255;
  if (h.channels === channels) {
    out.set(raw, offset);
  } else {
    for (let p = 0; p < n; p++) {
      const v = raw[p]!;
      out[offset + p * 3] = v;
      out[offset + p * 3 + 1] = v;
      out[offset + p * 3 + 2] = v;
    }
  }
}
