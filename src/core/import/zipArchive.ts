/**
 * Reading a .zip without loading it: the central directory is read from the end of the Blob, then
 * each entry is sliced out and inflated on its own (fflate's streaming Inflate), so memory holds
 * one entry at a time however large the archive is. Zip64, UTF-8 and CP437 names, the Info-ZIP
 * Unicode path field and CRC checks are handled; encrypted entries and compression methods other
 * than stored/deflate are reported, not read. Entry names are only ever used as labels and
 * report text; nothing is written to a file system.
 */
import { Inflate } from 'fflate';
import { crc32 } from './crc32';

export interface ZipEntry {
  /** Path inside the archive ('/' separated; directories end with '/'). */
  name: string;
  isDirectory: boolean;
  method: number;
  flags: number;
  crc32: number;
  compressedSize: number;
  /** Declared uncompressed size. */
  size: number;
  localHeaderOffset: number;
  /** Why the entry cannot be read (encryption, compression method), or undefined. */
  unreadable?: string;
}

export class ZipFormatError extends Error {
  override name = 'ZipFormatError';
}

const EOCD = 0x06054b50;
const ZIP64_LOCATOR = 0x07064b50;
const ZIP64_EOCD = 0x06064b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;

async function bytesAt(blob: Blob, start: number, end: number): Promise<Uint8Array> {
  if (start < 0 || end > blob.size || start > end) throw new ZipFormatError(`the archive is cut short (needs bytes ${start}–${end} of ${blob.size})`);
  return new Uint8Array(await blob.slice(start, end).arrayBuffer());
}

const view = (b: Uint8Array) => new DataView(b.buffer, b.byteOffset, b.byteLength);
const u64 = (v: DataView, i: number) => {
  const n = v.getUint32(i, true) + v.getUint32(i + 4, true) * 0x100000000;
  if (!Number.isSafeInteger(n)) throw new ZipFormatError('a zip64 size is too large');
  return n;
};

// Code page 437, the zip default for names without the UTF-8 flag: bytes 0x80–0xFF.
const CP437_HIGH =
  'ÇüéâäàåçêëèïîìÄÅÉæÆôöòûùÿÖÜ¢£¥₧ƒáíóúñÑªº¿⌐¬½¼¡«»░▒▓│┤╡╢╖╕╣║╗╝╜╛┐└┴┬├─┼╞╟╚╔╩╦╠═╬╧╨╤╥╙╘╒╓╫╪┘┌█▄▌▐▀αßΓπΣσµτΦΘΩδ∞φε∩≡±≥≤⌠⌡÷≈°∙·√ⁿ²■\u00a0';

export function decodeZipName(bytes: Uint8Array, utf8Flag: boolean): string {
  if (utf8Flag) return new TextDecoder().decode(bytes);
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes); // many tools write UTF-8 without the flag
  } catch {
    let s = '';
    for (const b of bytes) s += b < 0x80 ? String.fromCharCode(b) : CP437_HIGH[b - 0x80];
    return s;
  }
}

async function findEndOfDirectory(blob: Blob): Promise<{ count: number; size: number; offset: number }> {
  const tailStart = Math.max(0, blob.size - (22 + 0xffff));
  const tail = await bytesAt(blob, tailStart, blob.size);
  const v = view(tail);
  let at = -1;
  for (let i = tail.length - 22; i >= 0; i--) {
    if (v.getUint32(i, true) === EOCD) {
      at = i;
      break;
    }
  }
  if (at < 0) throw new ZipFormatError('this is not a zip archive (no end-of-directory record); it may be damaged or cut short');
  let count = v.getUint16(at + 10, true);
  let size = v.getUint32(at + 12, true);
  let offset = v.getUint32(at + 16, true);
  if (count === 0xffff || size === 0xffffffff || offset === 0xffffffff) {
    const loc = at - 20;
    if (loc < 0 || v.getUint32(loc, true) !== ZIP64_LOCATOR) throw new ZipFormatError('zip64 archive without its locator record');
    const eocd64At = u64(v, loc + 8);
    const e = view(await bytesAt(blob, eocd64At, eocd64At + 56));
    if (e.getUint32(0, true) !== ZIP64_EOCD) throw new ZipFormatError('zip64 end-of-directory record is missing');
    count = u64(e, 32);
    size = u64(e, 40);
    offset = u64(e, 48);
  }
  return { count, size, offset };
}

/** The archive's entries, in central-directory order. Throws ZipFormatError on a broken archive. */
export async function readZipDirectory(blob: Blob): Promise<ZipEntry[]> {
  const { count, size, offset } = await findEndOfDirectory(blob);
  const dir = await bytesAt(blob, offset, offset + size);
  const v = view(dir);
  const entries: ZipEntry[] = [];
  let i = 0;
  for (let k = 0; k < count; k++) {
    if (i + 46 > dir.length || v.getUint32(i, true) !== CENTRAL) throw new ZipFormatError(`central directory entry ${k + 1} of ${count} is damaged`);
    const flags = v.getUint16(i + 8, true);
    const method = v.getUint16(i + 10, true);
    const crc = v.getUint32(i + 16, true);
    let compressedSize = v.getUint32(i + 20, true);
    let uncompressed = v.getUint32(i + 24, true);
    const nameLen = v.getUint16(i + 28, true);
    const extraLen = v.getUint16(i + 30, true);
    const commentLen = v.getUint16(i + 32, true);
    let localHeaderOffset = v.getUint32(i + 42, true);
    const nameBytes = dir.subarray(i + 46, i + 46 + nameLen);
    let name = decodeZipName(nameBytes, (flags & 0x800) !== 0);
    // Extra fields: zip64 sizes/offset, Info-ZIP Unicode path.
    let e = i + 46 + nameLen;
    const extraEnd = e + extraLen;
    while (e + 4 <= extraEnd) {
      const id = v.getUint16(e, true);
      const len = v.getUint16(e + 2, true);
      const body = e + 4;
      if (id === 0x0001) {
        let p = body;
        const next = () => {
          const value = p + 8 <= body + len ? u64(v, p) : 0xffffffff;
          p += 8;
          return value;
        };
        if (uncompressed === 0xffffffff) uncompressed = next();
        if (compressedSize === 0xffffffff) compressedSize = next();
        if (localHeaderOffset === 0xffffffff) localHeaderOffset = next();
      } else if (id === 0x7075 && len > 5 && dir[body] === 1 && v.getUint32(body + 1, true) === crc32(nameBytes)) {
        name = new TextDecoder().decode(dir.subarray(body + 5, body + len));
      }
      e = body + len;
    }
    i = extraEnd + commentLen;
    const entry: ZipEntry = {
      name,
      isDirectory: name.endsWith('/'),
      method,
      flags,
      crc32: crc,
      compressedSize,
      size: uncompressed,
      localHeaderOffset,
    };
    if (flags & 0x1) entry.unreadable = 'encrypted (password-protected) zip entry';
    else if (method !== 0 && method !== 8) entry.unreadable = `zip compression method ${method} is not supported (only stored and deflate)`;
    entries.push(entry);
  }
  return entries;
}

/**
 * The uncompressed bytes of one entry, inflated in pieces. Throws when the entry is unreadable,
 * inflates to more than its declared size or `maxBytes`, or fails its CRC.
 */
export async function readZipEntry(blob: Blob, entry: ZipEntry, maxBytes = Infinity): Promise<Uint8Array> {
  if (entry.unreadable) throw new ZipFormatError(entry.unreadable);
  if (entry.size > maxBytes) throw new ZipFormatError(`entry declares ${entry.size} bytes, over the ${maxBytes}-byte limit`);
  const local = view(await bytesAt(blob, entry.localHeaderOffset, entry.localHeaderOffset + 30));
  if (local.getUint32(0, true) !== LOCAL) throw new ZipFormatError('local file header is missing');
  const start = entry.localHeaderOffset + 30 + local.getUint16(26, true) + local.getUint16(28, true);
  const compressed = blob.slice(start, start + entry.compressedSize);
  if (start + entry.compressedSize > blob.size) throw new ZipFormatError('entry data is cut short');
  const limit = Math.min(entry.size, maxBytes);
  let out: Uint8Array;
  if (entry.method === 0) {
    if (entry.compressedSize !== entry.size) throw new ZipFormatError('stored entry sizes disagree');
    out = new Uint8Array(await compressed.arrayBuffer());
  } else {
    out = new Uint8Array(limit);
    let filled = 0;
    let overflow = false;
    const inflater = new Inflate((chunk) => {
      if (filled + chunk.length > limit) {
        overflow = true;
        return;
      }
      out.set(chunk, filled);
      filled += chunk.length;
    });
    const piece = 1 << 20;
    for (let p = 0; p < entry.compressedSize && !overflow; p += piece) {
      const part = new Uint8Array(await compressed.slice(p, Math.min(p + piece, entry.compressedSize)).arrayBuffer());
      try {
        inflater.push(part, p + piece >= entry.compressedSize);
      } catch (e) {
        throw new ZipFormatError(`compressed data is damaged (${e instanceof Error ? e.message : String(e)})`);
      }
    }
    if (entry.compressedSize === 0) inflater.push(new Uint8Array(0), true);
    if (overflow) throw new ZipFormatError(`entry inflates to more than its declared ${entry.size} bytes`);
    if (filled !== entry.size) throw new ZipFormatError(`entry inflates to ${filled} bytes, not the declared ${entry.size}`);
  }
  if (crc32(out) !== entry.crc32) throw new ZipFormatError('CRC mismatch: the entry is damaged');
  return out;
}
