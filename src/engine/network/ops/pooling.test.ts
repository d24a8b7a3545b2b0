import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import '@tensorflow/tfjs-layers'; // registers tfjs's gradient functions
import { setFlagsFromString } from 'node:v8';
import { describe, expect, it } from 'vitest';
import { fmaKernelStatus, installFmaKernels, setFmaKernelsEnabled } from '../../backend/fmaKernels';
import type { Pair } from '../ir';
import { maxRelativeError, take } from '../../../../test/support/network/compare';
import { averagePool } from './averagePool';
import { KernelCache } from './kernelCache';
import { maxPoolFirstMax } from './maxPoolFirstMax';

type Kind = 'max' | 'avg';

/** Plain-JS pooling backward: max → the first maximal cell (row-major), avg → dy / real cells. */
function referencePoolGrad(
  kind: Kind, x: Float32Array, shape: [number, number, number, number], size: Pair, strides: Pair, padding: 'same' | 'valid', dy: Float32Array,
): Float32Array {
  const [b, h, w, c] = shape;
  const info = tf.backend_util.computePool2DInfo(shape, [size[0], size[1]], [strides[0], strides[1]], 1, padding);
  const dx = new Float32Array(x.length);
  const at = (n: number, r: number, q: number, ch: number): number => ((n * h + r) * w + q) * c + ch;
  for (let n = 0; n < b; n++) {
    for (let oh = 0; oh < info.outHeight; oh++) {
      for (let ow = 0; ow < info.outWidth; ow++) {
        for (let ch = 0; ch < c; ch++) {
          const cells: number[] = [];
          for (let i = 0; i < size[0]; i++) {
            for (let j = 0; j < size[1]; j++) {
              const r = oh * strides[0] - info.padInfo.top + i;
              const q = ow * strides[1] - info.padInfo.left + j;
              if (r >= 0 && r < h && q >= 0 && q < w) cells.push(at(n, r, q, ch));
            }
          }
          const g = dy[((n * info.outHeight + oh) * info.outWidth + ow) * c + ch] as number;
          if (kind === 'avg') {
            for (const cell of cells) dx[cell] = (dx[cell] as number) + g / cells.length;
          } else {
            let first = cells[0] as number;
            for (const cell of cells) if ((x[cell] as number) > (x[first] as number)) first = cell;
            dx[first] = (dx[first] as number) + g;
          }
        }
      }
    }
  }
  return dx;
}

const CONFIGS: { size: Pair; strides: Pair; padding: 'same' | 'valid'; hw: Pair }[] = [
  { size: [2, 2], strides: [2, 2], padding: 'valid', hw: [8, 8] },
  { size: [2, 2], strides: [2, 2], padding: 'same', hw: [7, 9] },
  { size: [2, 2], strides: [2, 2], padding: 'valid', hw: [7, 5] },
  { size: [3, 3], strides: [2, 2], padding: 'valid', hw: [9, 8] },
  { size: [3, 3], strides: [2, 2], padding: 'same', hw: [8, 7] },
  { size: [3, 3], strides: [1, 1], padding: 'same', hw: [6, 6] },
  { size: [2, 3], strides: [1, 2], padding: 'valid', hw: [6, 7] },
  { size: [1, 1], strides: [2, 2], padding: 'valid', hw: [5, 5] },
];

async function poolGrad(kind: Kind, x: tf.Tensor4D, dy: tf.Tensor4D, size: Pair, strides: Pair, padding: 'same' | 'valid'): Promise<Float32Array> {
  const kernels = new KernelCache();
  const pool = (kind === 'max' ? maxPoolFirstMax : averagePool)(size, strides, padding, kernels);
  const grad = tf.grad((input: tf.Tensor) => tf.sum(tf.mul(pool(input as tf.Tensor4D), dy)))(x);
  kernels.dispose();
  return take(grad);
}

/** cpu; wasm with tfjs's kernels only; wasm with our kernels (the max-pool gradient in one pass). */
async function useBackend(backend: string): Promise<void> {
  await tf.setBackend(backend === 'cpu' ? 'cpu' : 'wasm');
  if (backend === 'cpu') return;
  setFlagsFromString('--experimental-wasm-relaxed-simd');
  await installFmaKernels(1);
  setFmaKernelsEnabled(backend === 'wasm, our kernels');
  expect(fmaKernelStatus().active).toBe(backend === 'wasm, our kernels');
}

describe.each(['cpu', 'wasm', 'wasm, our kernels'])('pooling gradients on %s', (backend) => {
  it('max pooling routes each window\'s gradient to its first maximum', async () => {
    await useBackend(backend);
    const x = tf.tensor4d([
      1, 1, 0, 2,
      1, 0, 2, 2,
      3, 3, 5, 5,
      3, 3, 5, 5,
    ], [1, 4, 4, 1]);
    const dy = tf.tensor4d([1, 2, 3, 4], [1, 2, 2, 1]);
    expect(Array.from(await poolGrad('max', x, dy, [2, 2], [2, 2], 'valid'))).toEqual([
      1, 0, 0, 2,
      0, 0, 0, 0,
      3, 0, 4, 0,
      0, 0, 0, 0,
    ]);
    tf.dispose([x, dy]);
  });

  it.each(CONFIGS)('max and average pooling $size/$strides $padding on $hw match a plain-JS reference', async ({ size, strides, padding, hw }) => {
    await useBackend(backend);
    // 6 channels: our kernel's four-lane path and its one-by-one tail.
    const shape: [number, number, number, number] = [2, hw[0], hw[1], 6];
    // Few distinct values: plenty of ties, and all-negative windows.
    const x = tf.tidy(() => tf.floor(tf.randomUniform(shape, -3, 2, 'float32', 11))) as tf.Tensor4D;
    const y = tf.maxPool(x, [size[0], size[1]], [strides[0], strides[1]], padding);
    const dy = tf.randomNormal(y.shape, 0, 1, 'float32', 12) as tf.Tensor4D;
    const [xs, dys] = [await x.data() as Float32Array, await dy.data() as Float32Array];
    for (const kind of ['max', 'avg'] as const) {
      const mine = await poolGrad(kind, x, dy, size, strides, padding);
      expect(maxRelativeError(mine, referencePoolGrad(kind, xs, shape, size, strides, padding, dys))).toBeLessThan(1e-6);
    }
    tf.dispose([x, y, dy]);
  });
});

describe('average pooling with same padding', () => {
  it('leaves padded cells out of the average (TF semantics)', async () => {
    await tf.setBackend('wasm');
    const x = tf.tensor4d([1, 2, 3, 4, 5, 6, 7, 8, 9], [1, 3, 3, 1]);
    const kernels = new KernelCache();
    const y = await take(averagePool([3, 3], [1, 1], 'same', kernels)(x));
    kernels.dispose();
    // Corner: mean of the 4 real cells 1, 2, 4, 5; centre: mean of all 9.
    expect(y[0]).toBeCloseTo(3, 6);
    expect(y[4]).toBeCloseTo(5, 6);
    x.dispose();
  });
});
