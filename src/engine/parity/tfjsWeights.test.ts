import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Rng } from '../../core/util/rng';
import {
  exists, joinPath, projectRoot, readBytes, readExchange, readJson, removeDir, runPython, tempDir, torchUnavailable, writeFile,
} from '../../../test/support/parity/support';

/**
 * python/autovp/tfjs_weights.py must decode model.json weight shards bit for bit as tfjs's
 * tf.io.decodeWeights does: groups of concatenated shards (a weight may straddle two shards),
 * float32 / int32, and uint8 / uint16 (min + scale) and float16 quantisation.
 */

const unavailable = torchUnavailable();
const NSFWJS_DIR = joinPath(projectRoot(), 'public', 'generated', 'models', 'nsfwjs-mobilenet-v2');

interface Group {
  paths: string[];
  weights: tf.io.WeightsManifestEntry[];
}

/** Decodes a model folder the way tfjs's loaders do: each group's shards concatenated. */
function decodeWithTfjs(dir: string): Record<string, Float32Array | Int32Array> {
  const json = readJson<{ weightsManifest: Group[] }>(joinPath(dir, 'model.json'));
  const out: Record<string, Float32Array | Int32Array> = {};
  for (const group of json.weightsManifest) {
    const parts = group.paths.map((p) => readBytes(joinPath(dir, p)));
    const buffer = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    let offset = 0;
    for (const p of parts) {
      buffer.set(p, offset);
      offset += p.length;
    }
    const tensors = tf.io.decodeWeights(buffer.buffer, group.weights);
    for (const [name, t] of Object.entries(tensors)) {
      out[name] = t.dataSync() as Float32Array | Int32Array;
      t.dispose();
    }
  }
  return out;
}

function decodeWithPython(dir: string, outDir: string): Record<string, ArrayLike<number>> {
  runPython('parity_weights.py', [dir, outDir]);
  const { tensors } = readExchange(outDir);
  return Object.fromEntries(Object.entries(tensors).map(([k, v]) => [k, v.data]));
}

/** A model.json whose weights use every dtype and quantisation tfjs decodes, in two groups of several shards. */
function writeQuantisedModel(dir: string): void {
  const rng = new Rng(5);
  const bytes: number[][] = [[], []];
  const groups: Group[] = [{ paths: [], weights: [] }, { paths: [], weights: [] }];
  const add = (g: number, entry: tf.io.WeightsManifestEntry, data: Uint8Array) => {
    (groups[g] as Group).weights.push(entry);
    (bytes[g] as number[]).push(...data);
  };
  const u8 = (n: number) => Uint8Array.from({ length: n }, () => rng.int(256));
  const u16 = (n: number) => Uint16Array.from({ length: n }, () => rng.int(65536));
  // float16 bit patterns: every exponent but the NaN/Inf one, denormals and both signs included.
  const f16 = (n: number) => Uint16Array.from({ length: n }, () => {
    const sign = rng.int(2) << 15;
    const exponent = rng.int(31) << 10;
    return sign | exponent | rng.int(1024);
  });
  const asBytes = (a: Uint16Array | Float32Array | Int32Array) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

  add(0, { name: 'plain/f32', shape: [3, 5], dtype: 'float32' }, asBytes(Float32Array.from({ length: 15 }, () => rng.normal())));
  add(0, { name: 'plain/i32', shape: [7], dtype: 'int32' }, asBytes(Int32Array.from({ length: 7 }, () => rng.int(2000) - 1000)));
  add(0, { name: 'q/u8', shape: [4, 9], dtype: 'float32', quantization: { dtype: 'uint8', min: -0.8733451160730, scale: 0.0066667566112 } }, u8(36));
  add(0, { name: 'q/u8_odd', shape: [5], dtype: 'float32', quantization: { dtype: 'uint8', min: 0.1, scale: 1 / 255 } }, u8(5));
  add(1, { name: 'q/u16', shape: [2, 3, 4], dtype: 'float32', quantization: { dtype: 'uint16', min: -3.3, scale: 1e-4 } }, asBytes(u16(24)));
  add(1, { name: 'q/f16', shape: [64], dtype: 'float32', quantization: { dtype: 'float16' } }, asBytes(f16(64)));
  add(1, { name: 'q/i32_u8', shape: [9], dtype: 'int32', quantization: { dtype: 'uint8', min: -7.5, scale: 0.5 } }, u8(9));
  add(1, { name: 'q/i32_u16', shape: [9], dtype: 'int32', quantization: { dtype: 'uint16', min: -100.25, scale: 0.125 } }, asBytes(u16(9)));

  // Split each group into shards at odd offsets, so weights straddle shard boundaries.
  groups.forEach((group, g) => {
    const all = Uint8Array.from(bytes[g] as number[]);
    const cuts = [0, 37, 101, all.length].filter((c, i, a) => c <= all.length && (i === 0 || c > (a[i - 1] as number)));
    for (let i = 0; i + 1 < cuts.length; i++) {
      const name = `group${g + 1}-shard${i + 1}of${cuts.length - 1}`;
      group.paths.push(name);
      writeFile(joinPath(dir, name), all.subarray(cuts[i], cuts[i + 1]));
    }
  });
  writeFile(joinPath(dir, 'model.json'), JSON.stringify({ modelTopology: {}, format: 'layers-model', weightsManifest: groups }));
}

describe.skipIf(unavailable !== null)(`tfjs weight decoding in Python${unavailable ? ` — SKIPPED: ${unavailable}` : ''}`, () => {
  let dir = '';

  beforeAll(async () => {
    await tf.setBackend('cpu');
    dir = tempDir('weights');
  });

  afterAll(() => {
    if (dir) removeDir(dir);
  });

  it('decodes float32, int32, uint8, uint16 and float16 weights across shards exactly as tfjs', () => {
    const modelDir = joinPath(dir, 'quantised');
    writeQuantisedModel(modelDir);
    const expected = decodeWithTfjs(modelDir);
    const actual = decodeWithPython(modelDir, joinPath(dir, 'quantised-out'));
    expect(Object.keys(actual).sort()).toEqual(Object.keys(expected).sort());
    for (const [name, values] of Object.entries(expected)) {
      expect(Array.from(actual[name] as ArrayLike<number>), name).toEqual(Array.from(values));
    }
  });

  const noNsfwjs = !exists(joinPath(NSFWJS_DIR, 'model.json'));
  it.skipIf(noNsfwjs)(
    `decodes the nsfwjs MobileNetV2's uint8 weights exactly as tfjs${noNsfwjs ? ` — SKIPPED: ${NSFWJS_DIR} is absent (npm run prepare-assets)` : ''}`,
    () => {
      const expected = decodeWithTfjs(NSFWJS_DIR);
      const actual = decodeWithPython(NSFWJS_DIR, joinPath(dir, 'nsfwjs-out'));
      expect(Object.keys(actual).sort()).toEqual(Object.keys(expected).sort());
      for (const [name, values] of Object.entries(expected)) {
        const a = actual[name] as ArrayLike<number>;
        let mismatches = 0;
        for (let i = 0; i < values.length; i++) if (a[i] !== values[i]) mismatches++;
        expect(mismatches, `${name}: values that differ`).toBe(0);
      }
    },
  );
});
