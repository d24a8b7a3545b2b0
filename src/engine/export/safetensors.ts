/**
 * A small, strict reader and writer of the safetensors format (huggingface/safetensors), the
 * file a trained prompt leaves the browser as. Layout:
 *
 *   8 bytes   N, little-endian unsigned 64-bit: length of the header
 *   N bytes   UTF-8 JSON object: { "__metadata__"?: {string: string}, name: {dtype, shape, data_offsets} }
 *             (may end in spaces, which pad the data to an 8-byte boundary)
 *   rest      the tensors' bytes, little-endian, row-major, [begin, end) relative to the data start
 *
 * The reader accepts only well-formed files: a bounded header, every entry typed, every byte of
 * the data section covered exactly once (no gaps, no overlap, nothing after), sizes matching
 * shapes. Pure: bytes in, tensors out; no tfjs.
 */

/** Element sizes of every dtype the format defines. */
const DTYPE_BYTES = {
  BOOL: 1,
  U8: 1,
  I8: 1,
  F8_E5M2: 1,
  F8_E4M3: 1,
  I16: 2,
  U16: 2,
  F16: 2,
  BF16: 2,
  I32: 4,
  U32: 4,
  F32: 4,
  F64: 8,
  I64: 8,
  U64: 8,
} as const;

export type SafetensorsDtype = keyof typeof DTYPE_BYTES;

/** The dtypes this module writes and turns into typed arrays. */
export type WritableDtype = 'F32' | 'I32' | 'U8';

export type TensorData = Float32Array | Int32Array | Uint8Array;

export interface TensorInput {
  dtype: WritableDtype;
  shape: readonly number[];
  data: TensorData;
}

/** A tensor as read: its dtype, shape and a copy of its bytes (little-endian). */
export interface RawTensor {
  dtype: SafetensorsDtype;
  shape: number[];
  bytes: Uint8Array;
}

export interface SafetensorsFile {
  metadata: Record<string, string>;
  /** In file order (ascending offsets). */
  tensors: Map<string, RawTensor>;
  /** Where the data section starts (8 + header length). */
  dataOffset: number;
}

export interface SafetensorsLimits {
  /** Largest header accepted (bytes). The reference implementation allows 100 MB. */
  maxHeaderBytes: number;
  /** Most tensors accepted. */
  maxTensors: number;
}

export const DEFAULT_LIMITS: SafetensorsLimits = { maxHeaderBytes: 16 * 1024 * 1024, maxTensors: 1024 };

/** Why a file was refused; `message` is written for a person. */
export class SafetensorsError extends Error {
  override readonly name = 'SafetensorsError';
}

const fail = (message: string): never => {
  throw new SafetensorsError(message);
};

const numel = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

function checkName(name: string): void {
  if (name.length === 0 || name === '__metadata__') fail(`tensor name ${JSON.stringify(name)} is not allowed`);
}

function checkShape(shape: unknown, where: string): number[] {
  if (!Array.isArray(shape)) return fail(`${where}: "shape" is not a list`);
  if (shape.length > 8) fail(`${where}: ${shape.length} dimensions (at most 8)`);
  for (const d of shape) {
    if (typeof d !== 'number' || !Number.isSafeInteger(d) || d < 0) fail(`${where}: bad dimension ${JSON.stringify(d)}`);
  }
  return shape as number[];
}

function elementWriter(dtype: WritableDtype): (view: DataView, at: number, v: number) => void {
  switch (dtype) {
    case 'F32':
      return (view, at, v) => view.setFloat32(at, v, true);
    case 'I32':
      return (view, at, v) => view.setInt32(at, v, true);
    case 'U8':
      return (view, at, v) => view.setUint8(at, v);
  }
}

const ARRAY_OF: Record<WritableDtype, new (length: number) => TensorData> = {
  F32: Float32Array,
  I32: Int32Array,
  U8: Uint8Array,
};

/**
 * Writes tensors (sorted by name, contiguous, in that order) and string metadata. The header is
 * padded with spaces so the data starts on an 8-byte boundary, as the reference writer does.
 */
export function encodeSafetensors(tensors: Readonly<Record<string, TensorInput>>, metadata: Readonly<Record<string, string>> = {}): Uint8Array {
  const names = Object.keys(tensors).sort();
  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length > 0) {
    for (const [k, v] of Object.entries(metadata)) if (typeof v !== 'string') fail(`metadata ${k} is not a string`);
    header.__metadata__ = { ...metadata };
  }
  let offset = 0;
  for (const name of names) {
    checkName(name);
    const t = tensors[name]!;
    const shape = checkShape([...t.shape], `tensor ${name}`);
    if (!(t.data instanceof ARRAY_OF[t.dtype])) fail(`tensor ${name}: ${t.dtype} needs a ${ARRAY_OF[t.dtype].name}`);
    if (t.data.length !== numel(shape)) fail(`tensor ${name}: ${t.data.length} values for shape [${shape.join(', ')}]`);
    const size = t.data.length * DTYPE_BYTES[t.dtype];
    header[name] = { dtype: t.dtype, shape, data_offsets: [offset, offset + size] };
    offset += size;
  }
  let json = new TextEncoder().encode(JSON.stringify(header));
  const padded = Math.ceil((8 + json.length) / 8) * 8 - 8;
  if (padded !== json.length) {
    const p = new Uint8Array(padded).fill(0x20);
    p.set(json);
    json = p;
  }
  const out = new Uint8Array(8 + json.length + offset);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  let at = 8 + json.length;
  for (const name of names) {
    const t = tensors[name]!;
    const write = elementWriter(t.dtype);
    const step = DTYPE_BYTES[t.dtype];
    for (let i = 0; i < t.data.length; i++, at += step) write(view, at, t.data[i]!);
  }
  return out;
}

/** Parses and checks a whole file. Throws SafetensorsError, with a reason, on anything malformed. */
export function decodeSafetensors(bytes: Uint8Array, limits: SafetensorsLimits = DEFAULT_LIMITS): SafetensorsFile {
  if (bytes.length < 8) fail(`the file is ${bytes.length} bytes long; a safetensors file starts with an 8-byte header length`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n64 = view.getBigUint64(0, true);
  if (n64 > BigInt(limits.maxHeaderBytes)) fail(`the header says it is ${n64} bytes long, more than the ${limits.maxHeaderBytes} accepted (not a safetensors file, or a damaged one)`);
  const n = Number(n64);
  if (n < 2) fail('the header is empty');
  if (8 + n > bytes.length) fail(`the header says it is ${n} bytes long but the file has only ${bytes.length - 8} bytes after the length`);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + n));
  } catch {
    return fail('the header is not valid UTF-8');
  }
  if (!text.startsWith('{')) fail('the header is not a JSON object');
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return fail('the header is not valid JSON');
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) fail('the header is not a JSON object');
  const entries = Object.entries(raw as Record<string, unknown>);

  const metadata: Record<string, string> = {};
  const parsed: { name: string; dtype: SafetensorsDtype; shape: number[]; begin: number; end: number }[] = [];
  for (const [name, value] of entries) {
    if (name === '__metadata__') {
      if (typeof value !== 'object' || value === null || Array.isArray(value)) fail('__metadata__ is not an object');
      for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
        if (typeof v !== 'string') fail(`metadata ${JSON.stringify(k)} is not a string`);
        metadata[k] = v as string;
      }
      continue;
    }
    checkName(name);
    const where = `tensor ${JSON.stringify(name)}`;
    if (typeof value !== 'object' || value === null || Array.isArray(value)) fail(`${where}: entry is not an object`);
    const e = value as Record<string, unknown>;
    const extra = Object.keys(e).filter((k) => k !== 'dtype' && k !== 'shape' && k !== 'data_offsets');
    if (extra.length) fail(`${where}: unknown field ${JSON.stringify(extra[0])}`);
    const dtype = e.dtype;
    if (typeof dtype !== 'string' || !(dtype in DTYPE_BYTES)) fail(`${where}: unknown dtype ${JSON.stringify(dtype)}`);
    const shape = checkShape(e.shape, where);
    const off = e.data_offsets;
    if (!Array.isArray(off) || off.length !== 2 || !off.every((x) => typeof x === 'number' && Number.isSafeInteger(x) && x >= 0)) {
      fail(`${where}: "data_offsets" must be two non-negative integers`);
    }
    const [begin, end] = off as [number, number];
    if (end < begin) fail(`${where}: data_offsets end before they begin`);
    const size = numel(shape) * DTYPE_BYTES[dtype as SafetensorsDtype];
    if (end - begin !== size) fail(`${where}: ${end - begin} bytes for a ${dtype} tensor of shape [${shape.join(', ')}] (${size} expected)`);
    parsed.push({ name, dtype: dtype as SafetensorsDtype, shape, begin, end });
  }
  if (parsed.length > limits.maxTensors) fail(`${parsed.length} tensors, more than the ${limits.maxTensors} accepted`);

  const dataStart = 8 + n;
  const dataLength = bytes.length - dataStart;
  parsed.sort((a, b) => a.begin - b.begin || a.end - b.end);
  let expected = 0;
  for (const t of parsed) {
    if (t.begin < expected) fail(`tensor ${JSON.stringify(t.name)} overlaps the tensor before it`);
    if (t.begin > expected) fail(`${t.begin - expected} bytes before tensor ${JSON.stringify(t.name)} belong to no tensor`);
    expected = t.end;
  }
  if (expected !== dataLength) {
    fail(expected > dataLength
      ? `the tensors need ${expected} bytes of data but the file has ${dataLength} (cut short?)`
      : `${dataLength - expected} bytes after the last tensor belong to no tensor`);
  }
  const tensors = new Map<string, RawTensor>();
  for (const t of parsed) {
    tensors.set(t.name, { dtype: t.dtype, shape: t.shape, bytes: bytes.slice(dataStart + t.begin, dataStart + t.end) });
  }
  return { metadata, tensors, dataOffset: dataStart };
}

/** The values of an F32 / I32 / U8 tensor as a typed array (endian-safe copy). */
export function tensorValues(t: RawTensor): TensorData {
  const view = new DataView(t.bytes.buffer, t.bytes.byteOffset, t.bytes.byteLength);
  switch (t.dtype) {
    case 'F32': {
      const out = new Float32Array(t.bytes.length / 4);
      for (let i = 0; i < out.length; i++) out[i] = view.getFloat32(i * 4, true);
      return out;
    }
    case 'I32': {
      const out = new Int32Array(t.bytes.length / 4);
      for (let i = 0; i < out.length; i++) out[i] = view.getInt32(i * 4, true);
      return out;
    }
    case 'U8':
      return new Uint8Array(t.bytes);
    default:
      return fail(`dtype ${t.dtype} is not read by this app`);
  }
}
