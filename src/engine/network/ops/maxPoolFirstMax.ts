import * as tf from '@tensorflow/tfjs-core';
import { firstMaxPoolGrad } from '../../backend/fmaKernels';
import type { Pair } from '../ir';
import { inputGradOp } from './inputGradOp';
import type { KernelCache } from './kernelCache';

/** Pads pooling inputs: finite (unlike −∞), so a one-hot convolution extracts it exactly. */
const LOWEST = -3.4028234663852886e38;

/**
 * Max pooling whose gradient goes, in every window, to the FIRST maximal element in
 * row-major order (PyTorch's rule; ties are common after ReLU). tfjs's MaxPoolGrad is wrong
 * on the wasm backend, and strided slices are very slow there, so the backward pass is our own
 * wasm kernel (backend/fmaKernels.ts) where it runs, and is otherwise built from XNNPACK-backed
 * kernels: max pooling, depthwise convolution and elementwise math.
 */
export function maxPoolFirstMax(size: Pair, strides: Pair, padding: 'same' | 'valid', kernels: KernelCache): (x: tf.Tensor4D) => tf.Tensor4D {
  return inputGradOp((x: tf.Tensor4D, save: tf.GradSaveFunc) => {
    const y = tf.maxPool(x, [size[0], size[1]], [strides[0], strides[1]], padding);
    save([x, y]);
    return {
      value: y,
      gradFunc: (dy: tf.Tensor4D, [xs, ys]: tf.Tensor[]) =>
        tf.tidy(() => firstMaxGrad(dy, xs as tf.Tensor4D, ys as tf.Tensor4D, size, strides, padding, kernels)),
    };
  });
}

/** dL/dx of y = maxPool(x) from dL/dy, each window's gradient going to its first maximum. */
export function firstMaxGrad(
  dy: tf.Tensor4D, x: tf.Tensor4D, y: tf.Tensor4D, size: Pair, strides: Pair, padding: 'same' | 'valid', kernels: KernelCache,
): tf.Tensor4D {
  const info = tf.backend_util.computePool2DInfo(x.shape, [size[0], size[1]], [strides[0], strides[1]], 1, padding);
  const { top, bottom, left, right } = info.padInfo;
  // One pass on our wasm kernel where it runs; otherwise composed from tfjs kernels below.
  const direct = firstMaxPoolGrad(dy, x, y, size, strides, info.padInfo);
  if (direct) return direct;
  const [b, h, w, c] = x.shape;
  // Only the rows and columns some window reads: 'valid' pooling may leave a remainder.
  const usedH = Math.min(h + top + bottom, (info.outHeight - 1) * strides[0] + size[0]);
  const usedW = Math.min(w + left + right, (info.outWidth - 1) * strides[1] + size[1]);
  let region = x;
  if (top + bottom + left + right > 0) region = tf.pad(x, [[0, 0], [top, bottom], [left, right], [0, 0]], LOWEST);
  if (region.shape[1] !== usedH || region.shape[2] !== usedW) region = tf.slice(region, 0, [b, usedH, usedW, c]);
  const grad = size[0] === strides[0] && size[1] === strides[1]
    ? tiledWindowsGrad(dy, region, y, size)
    : offsetChainGrad(dy, region, y, size, strides, kernels);
  // Back to x's frame: drop the padding, restore the unread remainder as zeros.
  const [keptH, keptW] = [Math.min(h, usedH - top), Math.min(w, usedW - left)];
  const unpadded = grad.shape[1] === keptH && grad.shape[2] === keptW ? grad : tf.slice(grad, [0, top, left, 0], [b, keptH, keptW, c]);
  return keptH === h && keptW === w ? unpadded : tf.pad(unpadded, [[0, 0], [0, h - keptH], [0, w - keptW], [0, 0]]);
}

/**
 * Non-overlapping windows tile the input, so the input viewed as [B, outH, kh, outW, kw, C]
 * lines every window up against its maximum. Each cell scores +priority if it equals the
 * maximum and −priority otherwise, priorities falling in row-major order; a max pool of the
 * scores finds each window's first maximum.
 */
function tiledWindowsGrad(dy: tf.Tensor4D, region: tf.Tensor4D, y: tf.Tensor4D, [kh, kw]: Pair): tf.Tensor4D {
  const [b, ho, wo, c] = y.shape;
  const cells = tf.reshape(region, [b, ho, kh, wo, kw, c]);
  const perWindow = (t: tf.Tensor): tf.Tensor => tf.reshape(t, [b, ho, 1, wo, 1, c]);
  const priority = tf.tensor(Array.from({ length: kh * kw }, (_, p) => p - kh * kw), [1, 1, kh, 1, kw, 1]);
  // step(max − cell, −1) is +1 where the cell is below the window max, −1 where it equals it.
  const score = tf.mul(tf.step(tf.sub(perWindow(y), cells), -1), priority);
  const best = tf.maxPool(tf.reshape(score, region.shape) as tf.Tensor4D, [kh, kw], [kh, kw], 'valid');
  const first = tf.step(tf.sub(score, perWindow(tf.sub(best, 0.5))));
  return tf.reshape(tf.mul(first, perWindow(dy)), region.shape);
}

/**
 * Overlapping windows: walk the window offsets in row-major order; the gradient still
 * unrouted for each window goes to the first offset whose cell equals the window's max.
 * Cells of one offset are extracted by a strided depthwise convolution with a one-hot kernel
 * (exact for finite inputs); routed values are summed per stride phase on the output grid
 * and the phases interleaved once at the end.
 */
function offsetChainGrad(
  dy: tf.Tensor4D, region: tf.Tensor4D, y: tf.Tensor4D, [kh, kw]: Pair, [sh, sw]: Pair, kernels: KernelCache,
): tf.Tensor4D {
  const [b, hp, wp, c] = region.shape;
  const [ho, wo] = [y.shape[1], y.shape[2]];
  const [hl, wl] = [Math.ceil(hp / sh), Math.ceil(wp / sw)];
  const phases: (tf.Tensor | undefined)[][] = Array.from({ length: sh }, () => Array.from<tf.Tensor | undefined>({ length: sw }));
  let unrouted: tf.Tensor4D = dy;
  for (let i = 0; i < kh; i++) {
    for (let j = 0; j < kw; j++) {
      let routed = unrouted;
      if (i < kh - 1 || j < kw - 1) {
        const oneHot = kernels.get(`${kh},${kw},${i},${j},${c}`, () => oneHotKernel(kh, kw, i, j, c));
        const cell = tf.depthwiseConv2d(region, oneHot, [sh, sw], 'valid');
        const rest = tf.mul(unrouted, tf.step(tf.sub(y, cell))) as tf.Tensor4D;
        routed = tf.sub(unrouted, rest);
        unrouted = rest;
      }
      // Offset (i, j) of output (p, q) is cell (p·sh + i, q·sw + j): phase (i mod sh, j mod sw),
      // grid position (p + ⌊i/sh⌋, q + ⌊j/sw⌋).
      const [th, tw] = [Math.floor(i / sh), Math.floor(j / sw)];
      const placed = tf.pad(routed, [[0, 0], [th, hl - ho - th], [tw, wl - wo - tw], [0, 0]]);
      const row = phases[i % sh] as (tf.Tensor | undefined)[];
      const sum = row[j % sw];
      row[j % sw] = sum ? tf.add(sum, placed) : placed;
    }
  }
  const grid = tf.stack(phases.map((row) => tf.stack(row.map((p) => p ?? tf.zeros([b, hl, wl, c])), 3)), 2);
  const full = tf.reshape(grid, [b, hl * sh, wl * sw, c]);
  return (hl * sh === hp && wl * sw === wp ? full : tf.slice(full, 0, [b, hp, wp, c])) as tf.Tensor4D;
}

function oneHotKernel(kh: number, kw: number, i: number, j: number, c: number): tf.Tensor4D {
  const values = new Float32Array(kh * kw * c);
  values.fill(1, (i * kw + j) * c, (i * kw + j + 1) * c);
  return tf.tensor4d(values, [kh, kw, c, 1]);
}
