import { describe, expect, it } from 'vitest';
import { encodeNpy } from './npy';
import { decodeSafetensors, encodeSafetensors, SafetensorsError, tensorValues } from './safetensors';
import { sha256, toHex } from './sha256';

const sample = () =>
  encodeSafetensors(
    {
      b: { dtype: 'I32', shape: [2, 2], data: Int32Array.of(1, -2, 3, 2 ** 31 - 1) },
      a: { dtype: 'F32', shape: [3], data: Float32Array.of(0.5, -1.25, 3e-8) },
      s: { dtype: 'F32', shape: [], data: Float32Array.of(1.5) },
    },
    { note: 'héllo' },
  );

/** A file with a hand-written header and data section. */
function handMade(header: unknown, data: Uint8Array, rawHeader?: string): Uint8Array {
  const json = new TextEncoder().encode(rawHeader ?? JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}

const refusal = (bytes: Uint8Array) => {
  try {
    decodeSafetensors(bytes);
  } catch (e) {
    expect(e).toBeInstanceOf(SafetensorsError);
    return (e as Error).message;
  }
  throw new Error('accepted');
};

describe('safetensors', () => {
  it('round-trips tensors and metadata, data aligned to 8 bytes, tensors sorted by name', () => {
    const bytes = sample();
    const n = Number(new DataView(bytes.buffer).getBigUint64(0, true));
    expect((8 + n) % 8).toBe(0);
    const file = decodeSafetensors(bytes);
    expect([...file.tensors.keys()]).toEqual(['a', 'b', 's']);
    expect(file.metadata).toEqual({ note: 'héllo' });
    expect(Array.from(tensorValues(file.tensors.get('a')!))).toEqual(Array.from(Float32Array.of(0.5, -1.25, 3e-8)));
    expect(Array.from(tensorValues(file.tensors.get('b')!))).toEqual([1, -2, 3, 2 ** 31 - 1]);
    expect(file.tensors.get('s')!.shape).toEqual([]);
    expect(file.dataOffset).toBe(8 + n);
  });

  it('refuses malformed files with a reason', () => {
    const f32 = new Uint8Array(8);
    const entry = (offsets: [number, number], shape = [2]) => ({ dtype: 'F32', shape, data_offsets: offsets });
    expect(refusal(new Uint8Array(4))).toMatch(/8-byte header length/);
    expect(refusal(handMade({}, new Uint8Array(), '{"a":'))).toMatch(/not valid JSON/);
    expect(refusal(handMade(null, new Uint8Array(), '[1, 2]'))).toMatch(/not a JSON object/);
    expect(refusal(sample().subarray(0, sample().length - 1))).toMatch(/cut short/);
    expect(refusal(handMade({ a: entry([0, 8]) }, new Uint8Array(12)))).toMatch(/4 bytes after the last tensor/);
    expect(refusal(handMade({ a: entry([0, 8]), b: entry([4, 12]) }, new Uint8Array(12)))).toMatch(/overlaps/);
    expect(refusal(handMade({ a: entry([0, 8]), b: entry([12, 20]) }, new Uint8Array(20)))).toMatch(/belong to no tensor/);
    expect(refusal(handMade({ a: entry([0, 8], [3]) }, f32))).toMatch(/8 bytes for a F32 tensor of shape \[3\]/);
    expect(refusal(handMade({ a: { dtype: 'F31', shape: [2], data_offsets: [0, 8] } }, f32))).toMatch(/unknown dtype/);
    expect(refusal(handMade({ a: { ...entry([0, 8]), extra: 1 } }, f32))).toMatch(/unknown field/);
    expect(refusal(handMade({ a: entry([0, 8], [-2]) }, f32))).toMatch(/bad dimension/);
    expect(refusal(handMade({ __metadata__: { x: 1 }, a: entry([0, 8]) }, f32))).toMatch(/not a string/);
    const huge = new Uint8Array(16);
    new DataView(huge.buffer).setBigUint64(0, 2n ** 40n, true);
    expect(refusal(huge)).toMatch(/more than the/);
  });

  it('reads a header padded with spaces', () => {
    const file = decodeSafetensors(handMade(null, new Uint8Array(4), '{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}   '));
    expect(file.tensors.get('a')!.shape).toEqual([1]);
  });
});

describe('npy', () => {
  it('writes a version 1.0 header padded to 64 bytes', () => {
    const bytes = encodeNpy(Float32Array.of(1, 2, 3, 4, 5, 6), [2, 3]);
    const len = new DataView(bytes.buffer).getUint16(8, true);
    expect((10 + len) % 64).toBe(0);
    const header = new TextDecoder().decode(bytes.subarray(10, 10 + len));
    expect(header).toMatch(/^\{'descr': '<f4', 'fortran_order': False, 'shape': \(2, 3\), \} *\n$/);
    expect(new Float32Array(bytes.slice(10 + len).buffer)).toEqual(Float32Array.of(1, 2, 3, 4, 5, 6));
    expect(new TextDecoder().decode(encodeNpy(Int32Array.of(7), [1]).subarray(10, 70))).toContain("'shape': (1,)");
  });
});

describe('sha256', () => {
  it('matches the standard test vectors', () => {
    const enc = (s: string) => new TextEncoder().encode(s);
    expect(toHex(sha256(enc('')))).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    expect(toHex(sha256(enc('abc')))).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    expect(toHex(sha256(enc('abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq')))).toBe(
      '248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1',
    );
    expect(toHex(sha256(new Uint8Array(1_000_000).fill(0x61)))).toBe('cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0');
  });
});
