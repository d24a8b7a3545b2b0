import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { exifOrientation, sniffImage } from './imageSniff';

const enc = (s: string) => new TextEncoder().encode(s);
const bytes = (...parts: (number[] | Uint8Array | string)[]) =>
  Uint8Array.from(parts.flatMap((p) => (typeof p === 'string' ? Array.from(enc(p)) : Array.from(p))));
const le16 = (v: number) => [v & 0xff, v >> 8];
const le32 = (v: number) => [v & 0xff, (v >> 8) & 0xff, (v >> 16) & 0xff, (v >>> 24) & 0xff];

function png(width: number, height: number): Uint8Array {
  const p = new PNG({ width, height });
  p.data.fill(200);
  return new Uint8Array(PNG.sync.write(p));
}

function jpg(width: number, height: number): Uint8Array {
  const data = Buffer.alloc(width * height * 4, 128);
  return new Uint8Array(jpeg.encode({ data, width, height }, 80).data);
}

/** A JPEG with an EXIF APP1 segment (orientation tag) inserted after SOI. */
function withExif(j: Uint8Array, orientation: number, littleEndian: boolean): Uint8Array {
  const w16 = (v: number) => (littleEndian ? le16(v) : [v >> 8, v & 0xff]);
  const w32 = (v: number) => (littleEndian ? le32(v) : le32(v).reverse());
  const tiff = [...(littleEndian ? [0x49, 0x49] : [0x4d, 0x4d]), ...w16(42), ...w32(8), ...w16(1), ...w16(0x0112), ...w16(3), ...w32(1), ...w16(orientation), 0, 0, ...w32(0)];
  const payload = [...enc('Exif\0\0'), ...tiff];
  const len = payload.length + 2;
  return bytes([0xff, 0xd8, 0xff, 0xe1, len >> 8, len & 0xff], payload, j.subarray(2));
}

describe('sniffImage', () => {
  it('recognises PNG and JPEG from their bytes and reads the declared size', () => {
    expect(sniffImage(png(37, 21))).toMatchObject({ kind: 'png', decodable: true, mime: 'image/png', width: 37, height: 21 });
    const j = sniffImage(jpg(33, 17));
    expect(j).toMatchObject({ kind: 'jpeg', decodable: true, mime: 'image/jpeg', width: 33, height: 17 });
    expect(j.orientation).toBeUndefined();
  });

  it('reads EXIF orientation in both byte orders', () => {
    const j = jpg(40, 20);
    expect(sniffImage(withExif(j, 6, true))).toMatchObject({ width: 40, height: 20, orientation: 6 });
    expect(sniffImage(withExif(j, 8, false)).orientation).toBe(8);
    expect(exifOrientation(enc('Exif\0\0MM\0\x2a'))).toBeUndefined(); // cut short
    expect(sniffImage(withExif(j, 9, true)).orientation).toBeUndefined(); // out of range
  });

  it('reads GIF, BMP and the three WebP headers', () => {
    expect(sniffImage(bytes('GIF89a', le16(300), le16(200), new Array(10).fill(0)))).toMatchObject({ kind: 'gif', width: 300, height: 200 });
    const bmp = bytes('BM', new Array(12).fill(0), le32(40), le32(640), le32(-480 >>> 0), new Array(20).fill(0));
    expect(sniffImage(bmp)).toMatchObject({ kind: 'bmp', width: 640, height: 480 });
    const vp8 = bytes('RIFF', le32(100), 'WEBP', 'VP8 ', le32(80), [0, 0, 0, 0x9d, 0x01, 0x2a], le16(1000), le16(750), [0, 0]);
    expect(sniffImage(vp8)).toMatchObject({ kind: 'webp', mime: 'image/webp', width: 1000, height: 750 });
    // VP8L: 14-bit width-1 and height-1 packed after the 0x2f signature
    const w = 400 - 1;
    const h = 300 - 1;
    const bits = w | (h << 14);
    const vp8l = bytes('RIFF', le32(100), 'WEBP', 'VP8L', le32(80), [0x2f], le32(bits), [0, 0, 0, 0, 0]);
    expect(sniffImage(vp8l)).toMatchObject({ width: 400, height: 300 });
    const vp8x = bytes('RIFF', le32(100), 'WEBP', 'VP8X', le32(10), [0x10, 0, 0, 0], [0x0f, 0x27, 0], [0x3f, 0x1f, 0], [0, 0]);
    expect(sniffImage(vp8x)).toMatchObject({ width: 10000, height: 8000 });
  });

  it('refuses SVG (even named .png), HTML, XML and text by content', () => {
    const svg = sniffImage(enc('<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'));
    expect(svg).toMatchObject({ kind: 'svg', decodable: false, unsupportedImage: true, mime: null });
    expect(svg.description).toMatch(/SVG/);
    expect(sniffImage(enc('\uFEFF  <svg onload="alert(1)"/>')).kind).toBe('svg');
    const utf16 = new Uint8Array([0xff, 0xfe, ...Array.from(enc('<svg/>')).flatMap((c) => [c, 0])]);
    expect(sniffImage(utf16).kind).toBe('svg');
    expect(sniffImage(enc('<!DOCTYPE html><html><body><img src=x onerror=alert(1)></body></html>')).kind).toBe('html');
    expect(sniffImage(enc('<?xml version="1.0"?><data/>')).kind).toBe('xml');
    expect(sniffImage(enc('label,file\ncat,1.png\n'))).toMatchObject({ kind: 'text', decodable: false, unsupportedImage: false });
  });

  it('names other formats people have in image folders', () => {
    const cases: [Uint8Array, string][] = [
      [bytes([0x49, 0x49, 0x2a, 0x00, 8, 0, 0, 0]), 'tiff'],
      [bytes([0, 0, 0, 0x18], 'ftypheic', new Array(8).fill(0)), 'heif'],
      [bytes([0, 0, 0, 0x18], 'ftypavif', new Array(8).fill(0)), 'avif'],
      [bytes([0, 0, 0, 0x18], 'ftypisom', new Array(8).fill(0)), 'video'],
      [bytes([0, 0, 1, 0, 1, 0]), 'ico'],
      [bytes('%PDF-1.7\n'), 'pdf'],
      [bytes('8BPS', [0, 1]), 'psd'],
      [bytes([0x50, 0x4b, 0x03, 0x04, 0, 0]), 'zip'],
      [bytes([0x1f, 0x8b, 8, 0]), 'gzip'],
      [bytes([0xff, 0x0a, 0, 0]), 'jxl'],
      [bytes([0, 1, 2, 3, 0xfe, 0x80, 0x00, 0x13]), 'unknown'],
    ];
    for (const [b, kind] of cases) {
      const s = sniffImage(b);
      expect(s.kind, kind).toBe(kind);
      expect(s.decodable).toBe(false);
    }
  });

  it('has no size for truncated or damaged headers', () => {
    const p = png(10, 10);
    expect(sniffImage(p.subarray(0, 12))).toMatchObject({ kind: 'png', decodable: true });
    expect(sniffImage(p.subarray(0, 12)).width).toBeUndefined();
    const broken = p.slice(0, 40);
    broken.set(enc('XXXX'), 12); // IHDR renamed
    expect(sniffImage(broken).width).toBeUndefined();
    const j = jpg(10, 10);
    expect(sniffImage(j.subarray(0, 20)).width).toBeUndefined();
    expect(sniffImage(bytes([0xff, 0xd8, 0xff, 0xda, 0, 2])).width).toBeUndefined(); // scan before frame header
    expect(sniffImage(new Uint8Array(0)).kind).toBe('unknown');
    // a zero-size PNG header is not a size
    const zero = png(1, 1);
    zero.set([0, 0, 0, 0], 16);
    expect(sniffImage(zero).width).toBeUndefined();
  });
});
