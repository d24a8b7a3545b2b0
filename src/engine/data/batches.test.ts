import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { Rng } from '../../core/util/rng';
import { BatchPrefetcher, epochBatches, toBatchTensor } from './batches';
import { copyImages, type ImageSet, type LazyImageSet } from '../../core/data/imageSet';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** Half-pixel-centre bilinear weights for upsampling 2 → 4 along one axis: out[j] = Σ w[j][r]·in[r]. */
const W: number[][] = [
  [1, 0],
  [0.75, 0.25],
  [0.25, 0.75],
  [0, 1],
];

function resize2to4(img: number[][]): number[][] {
  return W.map((wr) => W.map((wc) => wr.reduce((acc, a, r) => acc + wc.reduce((s, b, c) => s + a * b * img[r]![c]!, 0), 0)));
}

describe('toBatchTensor', () => {
  // two 2×2 grayscale images
  const img0 = [
    [0, 51],
    [102, 255],
  ];
  const img1 = [
    [255, 0],
    [0, 255],
  ];
  const gray: ImageSet = {
    height: 2,
    width: 2,
    channels: 1,
    pixels: Uint8Array.from([...img0.flat(), ...img1.flat()]),
    labels: Int32Array.from([0, 1]),
  };

  it('gathers, scales to [0,1], resizes with half-pixel centres and repeats gray to RGB', async () => {
    const before = tf.memory().numTensors;
    const x = toBatchTensor(gray, [1, 0], 4);
    expect(tf.memory().numTensors).toBe(before + 1);
    expect(x.shape).toEqual([2, 4, 4, 3]);
    expect(x.dtype).toBe('float32');
    const got = (await x.array()) as number[][][][];
    x.dispose();
    expect(tf.memory().numTensors).toBe(before);
    [img1, img0].forEach((img, b) => {
      const want = resize2to4(img.map((row) => row.map((v) => v / 255)));
      for (let i = 0; i < 4; i++) {
        for (let j = 0; j < 4; j++) {
          for (let c = 0; c < 3; c++) expect(got[b]![i]![j]![c]).toBeCloseTo(want[i]![j]!, 6);
        }
      }
    });
    // a spot value by hand: img0 at (1,1) = 0.75·0.75·0 + 0.75·0.25·51 + 0.25·0.75·102 + 0.25·0.25·255 = 44.625
    expect(got[1]![1]![1]![0]).toBeCloseTo(44.625 / 255, 6);
  });

  it('keeps RGB channels apart and skips the resize at native size', async () => {
    const rgb: ImageSet = {
      height: 2,
      width: 2,
      channels: 3,
      pixels: Uint8Array.from({ length: 12 }, (_, i) => i * 20),
      labels: Int32Array.from([3]),
    };
    const before = tf.memory().numTensors;
    const x = toBatchTensor(rgb, [0], 2);
    expect(x.shape).toEqual([1, 2, 2, 3]);
    expect(Array.from(await x.data())).toEqual(Array.from(rgb.pixels, (v) => Math.fround(v / 255)));
    x.dispose();
    const y = toBatchTensor(rgb, [0, 0], 4);
    const v = (await y.array()) as number[][][][];
    y.dispose();
    // channel 1 of the top-left output pixel is channel 1 of the top-left input pixel
    expect(v[0]![0]![0]![1]).toBeCloseTo(20 / 255, 6);
    expect(v[1]![3]![3]![2]).toBeCloseTo(220 / 255, 6);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('handles an empty batch and rejects bad indices without leaking', () => {
    const before = tf.memory().numTensors;
    const e = toBatchTensor(gray, [], 8);
    expect(e.shape).toEqual([0, 8, 8, 3]);
    e.dispose();
    expect(() => toBatchTensor(gray, [2], 4)).toThrow(/outside/);
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('epochBatches', () => {
  it('shuffles by seed, keeps the last partial batch and covers every index once', () => {
    const idx = Int32Array.from({ length: 10 }, (_, i) => i * 3);
    const b = epochBatches(idx, 4, new Rng(5));
    expect(b.map((x) => x.length)).toEqual([4, 4, 2]);
    const flat = b.flatMap((x) => Array.from(x));
    expect([...flat].sort((p, q) => p - q)).toEqual(Array.from(idx));
    expect(flat).not.toEqual(Array.from(idx));
    expect(epochBatches(idx, 4, new Rng(5)).map((x) => Array.from(x))).toEqual(b.map((x) => Array.from(x)));
    expect(epochBatches(idx, 4, new Rng(6)).flatMap((x) => Array.from(x))).not.toEqual(flat);
    expect(Array.from(idx)).toEqual(Array.from({ length: 10 }, (_, i) => i * 3)); // input untouched
  });
});

/** `memory` served lazily, each read recorded in `reads`; `hold` may delay a read. */
function recordingSet(memory: ImageSet, reads: number[][], hold: () => Promise<void> = async () => undefined): LazyImageSet {
  const { height, width, channels, labels } = memory;
  return {
    height,
    width,
    channels,
    labels,
    read: async (idx) => {
      reads.push(Array.from(idx));
      await hold();
      return copyImages(memory, idx);
    },
  };
}

describe('BatchPrefetcher', () => {
  it('reads the next batch while the current one is used, and matches toBatchTensor', async () => {
    const pixels = Uint8Array.from({ length: 4 * 2 * 2 }, (_, i) => i * 10);
    const memory: ImageSet = { height: 2, width: 2, channels: 1, pixels, labels: Int32Array.of(0, 1, 0, 1) };
    const reads: number[][] = [];
    let release: () => void = () => undefined;
    const lazy = recordingSet(memory, reads, async () => {
      if (reads.length === 2) await new Promise<void>((r) => (release = r));
    });
    const reader = new BatchPrefetcher(lazy);
    const x = await reader.tensor([3, 1], 2, [0, 2]);
    expect(reads).toEqual([[3, 1], [0, 2]]); // the second batch was asked for before the first was used
    const expected = toBatchTensor(memory, [3, 1], 2);
    expect(Array.from(await x.data())).toEqual(Array.from(await expected.data()));
    const second = reader.tensor([0, 2], 2);
    release();
    const y = await second;
    expect(reads).toHaveLength(2); // served by the read started ahead
    const expected2 = toBatchTensor(memory, [0, 2], 2);
    expect(Array.from(await y.data())).toEqual(Array.from(await expected2.data()));
    tf.dispose([x, y, expected, expected2]);
  });

  it('reads afresh when asked for another batch than the one read ahead', async () => {
    const memory: ImageSet = { height: 1, width: 1, channels: 1, pixels: Uint8Array.of(1, 2, 3), labels: Int32Array.of(0, 0, 0) };
    const reads: number[][] = [];
    const lazy = recordingSet(memory, reads);
    const reader = new BatchPrefetcher(lazy);
    await reader.pixels([0], [1]);
    expect(Array.from(await reader.pixels([2]))).toEqual([3]);
    expect(reads).toEqual([[0], [1], [2]]);
  });
});
