/**
 * What a file really is, from its first bytes (never from its name), and the pixel size its header
 * declares, read before anything decodes it. The import refuses non-raster content (an SVG with a
 * script, HTML, text) and images whose header declares more pixels than the limit, so a tiny file
 * cannot make the decoder allocate gigabytes. Pure: bytes in, facts out.
 */

export type SniffedKind =
  | 'png' | 'jpeg' | 'gif' | 'webp' | 'bmp'
  | 'svg' | 'html' | 'xml' | 'tiff' | 'heif' | 'avif' | 'ico' | 'psd' | 'jxl' | 'jp2'
  | 'pdf' | 'zip' | 'gzip' | 'video' | 'text' | 'unknown';

/** Kinds the import decodes (every browser does). */
export const DECODABLE_KINDS: readonly SniffedKind[] = ['png', 'jpeg', 'gif', 'webp', 'bmp'];

/** Image formats that are recognised but not imported; everything else non-decodable is "not an image". */
const UNSUPPORTED_IMAGE_KINDS: readonly SniffedKind[] = ['svg', 'tiff', 'heif', 'avif', 'ico', 'psd', 'jxl', 'jp2'];

export interface SniffResult {
  kind: SniffedKind;
  /** Decodable raster image. */
  decodable: boolean;
  /** A recognised image format the import does not take (SVG, TIFF, HEIC, …). */
  unsupportedImage: boolean;
  /** MIME type to hand the decoder (decodable kinds only). */
  mime: string | null;
  /** What it is, for messages. */
  description: string;
  /** Stored pixel size from the header; absent when the header is cut short or malformed. */
  width?: number;
  height?: number;
  /** EXIF orientation (1–8) of a JPEG, when it has one. */
  orientation?: number;
}

const DESCRIPTIONS: Record<SniffedKind, string> = {
  png: 'PNG image',
  jpeg: 'JPEG image',
  gif: 'GIF image',
  webp: 'WebP image',
  bmp: 'BMP image',
  svg: 'SVG (vector markup that can carry scripts)',
  html: 'HTML document',
  xml: 'XML/markup document',
  tiff: 'TIFF image',
  heif: 'HEIC/HEIF image',
  avif: 'AVIF image',
  ico: 'Windows icon',
  psd: 'Photoshop document',
  jxl: 'JPEG XL image',
  jp2: 'JPEG 2000 image',
  pdf: 'PDF document',
  zip: 'zip archive',
  gzip: 'gzip-compressed data',
  video: 'video (MP4/QuickTime family)',
  text: 'plain text',
  unknown: 'unrecognised binary data',
};

const MIME: Partial<Record<SniffedKind, string>> = {
  png: 'image/png',
  jpeg: 'image/jpeg',
  gif: 'image/gif',
  webp: 'image/webp',
  bmp: 'image/bmp',
};

const u16be = (b: Uint8Array, i: number) => (b[i]! << 8) | b[i + 1]!;
const u16le = (b: Uint8Array, i: number) => b[i]! | (b[i + 1]! << 8);
const u24le = (b: Uint8Array, i: number) => b[i]! | (b[i + 1]! << 8) | (b[i + 2]! << 16);
const u32be = (b: Uint8Array, i: number) => ((b[i]! << 24) >>> 0) + ((b[i + 1]! << 16) | (b[i + 2]! << 8) | b[i + 3]!);
const i32le = (b: Uint8Array, i: number) => b[i]! | (b[i + 1]! << 8) | (b[i + 2]! << 16) | (b[i + 3]! << 24);

function startsWith(b: Uint8Array, sig: readonly number[], at = 0): boolean {
  if (b.length < at + sig.length) return false;
  return sig.every((v, k) => b[at + k] === v);
}

const ascii = (b: Uint8Array, from: number, to: number) => String.fromCharCode(...b.subarray(from, Math.min(to, b.length)));

function kindOf(b: Uint8Array): SniffedKind {
  if (startsWith(b, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return 'png';
  if (startsWith(b, [0xff, 0xd8, 0xff])) return 'jpeg';
  if (ascii(b, 0, 6) === 'GIF87a' || ascii(b, 0, 6) === 'GIF89a') return 'gif';
  if (ascii(b, 0, 4) === 'RIFF' && ascii(b, 8, 12) === 'WEBP') return 'webp';
  if (ascii(b, 0, 2) === 'BM' && b.length >= 26) return 'bmp';
  if (startsWith(b, [0x49, 0x49, 0x2a, 0x00]) || startsWith(b, [0x4d, 0x4d, 0x00, 0x2a])) return 'tiff';
  if (ascii(b, 4, 8) === 'ftyp') {
    const brand = ascii(b, 8, 12);
    if (brand === 'avif' || brand === 'avis') return 'avif';
    if (['heic', 'heix', 'hevc', 'hevx', 'heim', 'heis', 'mif1', 'msf1'].includes(brand)) return 'heif';
    return 'video';
  }
  if (startsWith(b, [0x00, 0x00, 0x01, 0x00]) || startsWith(b, [0x00, 0x00, 0x02, 0x00])) return 'ico';
  if (ascii(b, 0, 4) === '8BPS') return 'psd';
  if (startsWith(b, [0xff, 0x0a]) || startsWith(b, [0, 0, 0, 0x0c, 0x4a, 0x58, 0x4c, 0x20])) return 'jxl';
  if (startsWith(b, [0, 0, 0, 0x0c, 0x6a, 0x50, 0x20, 0x20])) return 'jp2';
  if (ascii(b, 0, 5) === '%PDF-') return 'pdf';
  if (startsWith(b, [0x50, 0x4b, 0x03, 0x04]) || startsWith(b, [0x50, 0x4b, 0x05, 0x06])) return 'zip';
  if (startsWith(b, [0x1f, 0x8b])) return 'gzip';
  return markupOrText(b);
}

/** SVG / HTML / XML / plain text by content; UTF-8 and UTF-16 (with BOM) alike. */
function markupOrText(b: Uint8Array): SniffedKind {
  let head = b.subarray(0, 2048);
  if (startsWith(head, [0xff, 0xfe]) || startsWith(head, [0xfe, 0xff])) {
    head = head.filter((v) => v !== 0).subarray(2); // UTF-16: drop the zero high bytes of ASCII
  } else if (startsWith(head, [0xef, 0xbb, 0xbf])) {
    head = head.subarray(3);
  }
  const s = ascii(head, 0, head.length).toLowerCase().trimStart();
  if (s.startsWith('<')) {
    if (s.includes('<svg')) return 'svg';
    if (s.startsWith('<!doctype html') || s.includes('<html') || s.includes('<script') || s.includes('<body')) return 'html';
    return 'xml';
  }
  if (head.length === 0) return 'unknown';
  const sample = head.subarray(0, 512);
  const binary = sample.some((v) => v === 0 || (v < 0x20 && v !== 0x09 && v !== 0x0a && v !== 0x0d && v !== 0x0c && v !== 0x1b));
  return binary ? 'unknown' : 'text';
}

function pngSize(b: Uint8Array): [number, number] | null {
  if (b.length < 24 || ascii(b, 12, 16) !== 'IHDR') return null;
  return [u32be(b, 16), u32be(b, 20)];
}

function gifSize(b: Uint8Array): [number, number] | null {
  return b.length >= 10 ? [u16le(b, 6), u16le(b, 8)] : null;
}

function bmpSize(b: Uint8Array): [number, number] | null {
  if (b.length < 26) return null;
  const dib = b[14]! | (b[15]! << 8) | (b[16]! << 16) | (b[17]! << 24);
  if (dib === 12) return [u16le(b, 18), u16le(b, 20)];
  if (dib < 40) return null;
  return [i32le(b, 18), Math.abs(i32le(b, 22))];
}

function webpSize(b: Uint8Array): [number, number] | null {
  const chunk = ascii(b, 12, 16);
  if (chunk === 'VP8 ' && b.length >= 30 && startsWith(b, [0x9d, 0x01, 0x2a], 23)) {
    return [u16le(b, 26) & 0x3fff, u16le(b, 28) & 0x3fff];
  }
  if (chunk === 'VP8L' && b.length >= 25 && b[20] === 0x2f) {
    const w = 1 + (((b[22]! & 0x3f) << 8) | b[21]!);
    const h = 1 + (((b[24]! & 0x0f) << 10) | (b[23]! << 2) | ((b[22]! & 0xc0) >> 6));
    return [w, h];
  }
  if (chunk === 'VP8X' && b.length >= 30) return [1 + u24le(b, 24), 1 + u24le(b, 27)];
  return null;
}

/** EXIF orientation from an APP1 payload ("Exif\0\0" + TIFF), or undefined. */
export function exifOrientation(app1: Uint8Array): number | undefined {
  if (ascii(app1, 0, 6) !== 'Exif\0\0') return undefined;
  const t = app1.subarray(6);
  if (t.length < 8) return undefined;
  const le = t[0] === 0x49 && t[1] === 0x49;
  if (!le && !(t[0] === 0x4d && t[1] === 0x4d)) return undefined;
  const r16 = (i: number) => (le ? u16le(t, i) : u16be(t, i));
  const r32 = (i: number) => (le ? (t[i]! | (t[i + 1]! << 8) | (t[i + 2]! << 16)) + t[i + 3]! * 0x1000000 : u32be(t, i));
  if (r16(2) !== 42) return undefined;
  const ifd = r32(4);
  if (ifd + 2 > t.length) return undefined;
  const n = r16(ifd);
  for (let k = 0; k < n; k++) {
    const e = ifd + 2 + k * 12;
    if (e + 12 > t.length) return undefined;
    if (r16(e) === 0x0112) {
      const v = r16(e + 8);
      return v >= 1 && v <= 8 ? v : undefined;
    }
  }
  return undefined;
}

function jpegInfo(b: Uint8Array): { size: [number, number] | null; orientation?: number } {
  let orientation: number | undefined;
  let i = 2;
  while (i + 4 <= b.length) {
    if (b[i] !== 0xff) break;
    let marker = b[i + 1]!;
    while (marker === 0xff && i + 2 < b.length) {
      i++;
      marker = b[i + 1]!;
    }
    if (marker === 0xd8 || marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
      i += 2;
      continue;
    }
    if (marker === 0xd9 || marker === 0xda) break; // end of image or start of scan before a frame header
    const len = u16be(b, i + 2);
    if (len < 2) break;
    const isSof = marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
    if (isSof) {
      if (i + 9 > b.length) break;
      return { size: [u16be(b, i + 7), u16be(b, i + 5)], ...(orientation ? { orientation } : {}) };
    }
    if (marker === 0xe1 && orientation === undefined) orientation = exifOrientation(b.subarray(i + 4, Math.min(b.length, i + 2 + len)));
    i += 2 + len;
  }
  return { size: null, ...(orientation ? { orientation } : {}) };
}

/** Identifies a file from its bytes and reads the pixel size its header declares. */
export function sniffImage(bytes: Uint8Array): SniffResult {
  const kind = kindOf(bytes);
  const result: SniffResult = {
    kind,
    decodable: DECODABLE_KINDS.includes(kind),
    unsupportedImage: UNSUPPORTED_IMAGE_KINDS.includes(kind),
    mime: MIME[kind] ?? null,
    description: DESCRIPTIONS[kind],
  };
  let size: [number, number] | null = null;
  if (kind === 'png') size = pngSize(bytes);
  else if (kind === 'gif') size = gifSize(bytes);
  else if (kind === 'bmp') size = bmpSize(bytes);
  else if (kind === 'webp') size = webpSize(bytes);
  else if (kind === 'jpeg') {
    const j = jpegInfo(bytes);
    size = j.size;
    if (j.orientation) result.orientation = j.orientation;
  }
  if (size && size[0] > 0 && size[1] > 0) {
    result.width = size[0];
    result.height = size[1];
  }
  return result;
}
