/**
 * NumPy's .npy format, version 1.0 (what np.save writes for small headers): magic, version, a
 * little-endian uint16 header length, a Python-literal header dict padded with spaces to a
 * 64-byte boundary and ending in a newline, then the C-order data. Pure.
 */

const DESCR = { F32: '<f4', I32: '<i4', U8: '|u1' } as const;

export type NpyArray = Float32Array | Int32Array | Uint8Array;

function descrOf(data: NpyArray): string {
  if (data instanceof Float32Array) return DESCR.F32;
  if (data instanceof Int32Array) return DESCR.I32;
  return DESCR.U8;
}

export function encodeNpy(data: NpyArray, shape: readonly number[]): Uint8Array {
  const n = shape.reduce((a, b) => a * b, 1);
  if (!shape.every((d) => Number.isSafeInteger(d) && d >= 0) || n !== data.length) {
    throw new Error(`encodeNpy: ${data.length} values for shape [${shape.join(', ')}]`);
  }
  const tuple = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  let header = `{'descr': '${descrOf(data)}', 'fortran_order': False, 'shape': ${tuple}, }`;
  const total = Math.ceil((10 + header.length + 1) / 64) * 64;
  header = header.padEnd(total - 10 - 1, ' ') + '\n';
  const out = new Uint8Array(10 + header.length + data.length * data.BYTES_PER_ELEMENT);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]); // \x93NUMPY v1.0
  const view = new DataView(out.buffer);
  view.setUint16(8, header.length, true);
  for (let i = 0; i < header.length; i++) out[10 + i] = header.charCodeAt(i);
  const at = 10 + header.length;
  if (data instanceof Float32Array) data.forEach((v, i) => view.setFloat32(at + i * 4, v, true));
  else if (data instanceof Int32Array) data.forEach((v, i) => view.setInt32(at + i * 4, v, true));
  else out.set(data, at);
  return out;
}
