import { zipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { crc32 } from './crc32';
import { decodeZipName, readZipDirectory, readZipEntry, ZipFormatError } from './zipArchive';

const enc = (s: string) => new TextEncoder().encode(s);
const blob = (b: Uint8Array) => new Blob([b as Uint8Array<ArrayBuffer>]);

/** Offset of the central directory and of its first entry's fields. */
function centralDirectory(zip: Uint8Array): number {
  const v = new DataView(zip.buffer, zip.byteOffset, zip.byteLength);
  for (let i = zip.length - 22; i >= 0; i--) if (v.getUint32(i, true) === 0x06054b50) return v.getUint32(i + 16, true);
  throw new Error('no EOCD');
}

describe('crc32', () => {
  it('matches the standard check value and composes', () => {
    expect(crc32(enc('123456789'))).toBe(0xcbf43926);
    expect(crc32(enc('6789'), crc32(enc('12345')))).toBe(0xcbf43926);
  });
});

describe('readZipDirectory / readZipEntry', () => {
  const png = Uint8Array.from({ length: 5000 }, (_, i) => (i * 7) % 256);
  const files = {
    'pets/cat/a.png': png,
    'pets/dog/ü 🐶.png': [enc('hello dog'), { level: 0 as const }] as [Uint8Array, { level: 0 }],
    'pets/empty/': new Uint8Array(0),
  };
  const zip = zipSync(files);

  it('lists entries (directories marked) and reads deflated and stored entries', async () => {
    const entries = await readZipDirectory(blob(zip));
    expect(entries.map((e) => [e.name, e.isDirectory])).toEqual([
      ['pets/cat/a.png', false],
      ['pets/dog/ü 🐶.png', false],
      ['pets/empty/', true],
    ]);
    expect(entries[0]!.method).toBe(8);
    expect(entries[1]!.method).toBe(0);
    expect(await readZipEntry(blob(zip), entries[0]!)).toEqual(png);
    expect(new TextDecoder().decode(await readZipEntry(blob(zip), entries[1]!))).toBe('hello dog');
  });

  it('refuses to inflate past a limit or past the declared size', async () => {
    const entries = await readZipDirectory(blob(zip));
    await expect(readZipEntry(blob(zip), entries[0]!, 1000)).rejects.toThrow(/over the 1000-byte limit/);
    const lying = zip.slice();
    const cd = centralDirectory(lying);
    new DataView(lying.buffer).setUint32(cd + 24, 100, true); // declared size 100, real 5000
    const e = (await readZipDirectory(blob(lying)))[0]!;
    await expect(readZipEntry(blob(lying), e)).rejects.toThrow(/more than its declared 100 bytes/);
  });

  it('detects damage: CRC, truncation, not a zip', async () => {
    const bad = zip.slice();
    new DataView(bad.buffer).setUint32(centralDirectory(bad) + 16, 12345, true);
    const e = (await readZipDirectory(blob(bad)))[0]!;
    await expect(readZipEntry(blob(bad), e)).rejects.toThrow(/CRC mismatch/);
    await expect(readZipDirectory(blob(zip.subarray(0, zip.length - 30)))).rejects.toThrow(ZipFormatError);
    await expect(readZipDirectory(blob(enc('not a zip at all')))).rejects.toThrow(/not a zip archive/);
    const flipped = zip.slice();
    const lv = new DataView(flipped.buffer);
    const data = 30 + lv.getUint16(26, true) + lv.getUint16(28, true); // the first entry's deflate stream
    for (let i = data + 2; i < data + 12; i++) flipped[i] = flipped[i]! ^ 0x5a;
    const f = (await readZipDirectory(blob(flipped)))[0]!;
    await expect(readZipEntry(blob(flipped), f)).rejects.toThrow(ZipFormatError);
  });

  it('marks encrypted entries and unknown compression methods unreadable', async () => {
    const z = zip.slice();
    const v = new DataView(z.buffer);
    const cd = centralDirectory(z);
    v.setUint16(cd + 8, v.getUint16(cd + 8, true) | 1, true);
    const nameLen = v.getUint16(cd + 28, true);
    const second = cd + 46 + nameLen + v.getUint16(cd + 30, true) + v.getUint16(cd + 32, true);
    v.setUint16(second + 10, 14, true); // LZMA
    const [a, b] = await readZipDirectory(blob(z));
    expect(a!.unreadable).toMatch(/encrypted/);
    expect(b!.unreadable).toMatch(/method 14/);
    await expect(readZipEntry(blob(z), a!)).rejects.toThrow(/encrypted/);
  });

  it('decodes names: UTF-8 flag, UTF-8 without it, CP437 otherwise', () => {
    expect(decodeZipName(enc('ü'), true)).toBe('ü');
    expect(decodeZipName(enc('café'), false)).toBe('café');
    expect(decodeZipName(Uint8Array.from([0x63, 0x61, 0x66, 0x82]), false)).toBe('café'); // CP437 é = 0x82
    expect(decodeZipName(Uint8Array.from([0x9b, 0xe1]), false)).toBe('¢ß');
  });
});
