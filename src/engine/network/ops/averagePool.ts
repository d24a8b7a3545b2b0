import * as tf from '@tensorflow/tfjs-core';
import { inputGradOp } from './inputGradOp';
import type { KernelCache } from './kernelCache';
import type { Pair } from '../ir';
import { dilate } from './dilate';
import { cropToPadding, inputGradPadding } from './spatialPadding';

/**
 * Average pooling with TF semantics ('same' padding: padded cells are left out of each
 * average). The gradient spreads dy / count over each window with a depthwise convolution
 * by a ones kernel: forward kernels only.
 */
export function averagePool(size: Pair, strides: Pair, padding: 'same' | 'valid', kernels: KernelCache): (x: tf.Tensor4D) => tf.Tensor4D {
  return inputGradOp((x: tf.Tensor4D) => {
    const y = tf.avgPool(x, [size[0], size[1]], [strides[0], strides[1]], padding);
    return {
      value: y,
      gradFunc: (dy: tf.Tensor4D) => tf.tidy(() => {
        const info = tf.backend_util.computePool2DInfo(x.shape, [size[0], size[1]], [strides[0], strides[1]], 1, padding);
        if (tilesExactly(info)) return spreadOverTiles(dy, info, kernels);
        const perCell = tf.div(dy, windowCounts(info));
        const { cropped, padding: convPadding } = cropToPadding(dilate(perCell as tf.Tensor4D, strides), [
          inputGradPadding(info.inHeight, info.outHeight, size[0], strides[0], info.padInfo.top),
          inputGradPadding(info.inWidth, info.outWidth, size[1], strides[1], info.padInfo.left),
        ]);
        const ones = kernels.get(`${size[0]},${size[1]},${info.inChannels}`, () => tf.ones([size[0], size[1], info.inChannels, 1]) as tf.Tensor4D);
        return tf.depthwiseConv2d(cropped, ones, 1, convPadding);
      }),
    };
  });
}

/** Windows that tile the input exactly (stride = window, no padding, no remainder), e.g. a global average pool. */
function tilesExactly(info: tf.backend_util.Conv2DInfo): boolean {
  const { top, bottom, left, right } = info.padInfo;
  return info.strideHeight === info.filterHeight && info.strideWidth === info.filterWidth && top + bottom + left + right === 0 &&
    info.inHeight === info.outHeight * info.filterHeight && info.inWidth === info.outWidth * info.filterWidth;
}

/**
 * The gradient of tiling windows: each cell gets its window's dy / (kh·kw), one broadcast
 * product (a 7×7 global pool's ones-kernel convolution costs about 50× more on wasm).
 */
function spreadOverTiles(dy: tf.Tensor4D, info: tf.backend_util.Conv2DInfo, kernels: KernelCache): tf.Tensor4D {
  const [kh, kw] = [info.filterHeight, info.filterWidth];
  const { batchSize: b, outHeight: ho, outWidth: wo, inChannels: c } = info;
  const share = kernels.get(`tile:${kh},${kw}`, () => tf.fill([1, 1, kh, 1, kw, 1], 1 / (kh * kw)));
  return tf.reshape(tf.mul(tf.reshape(dy, [b, ho, 1, wo, 1, c]), share), [b, ho * kh, wo * kw, c]);
}

/** How many real (unpadded) cells each output averages: [1, outH, outW, 1]. */
function windowCounts(info: tf.backend_util.Conv2DInfo): tf.Tensor {
  const along = (n: number, m: number, k: number, s: number, p: number): number[] =>
    Array.from({ length: m }, (_, o) => Math.min(o * s - p + k, n) - Math.max(o * s - p, 0));
  const rows = along(info.inHeight, info.outHeight, info.filterHeight, info.strideHeight, info.padInfo.top);
  const cols = along(info.inWidth, info.outWidth, info.filterWidth, info.strideWidth, info.padInfo.left);
  const counts = new Float32Array(rows.length * cols.length);
  rows.forEach((r, i) => cols.forEach((c, j) => { counts[i * cols.length + j] = r * c; }));
  return tf.tensor4d(counts, [1, rows.length, cols.length, 1]);
}
