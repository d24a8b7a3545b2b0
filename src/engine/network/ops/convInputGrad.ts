import * as tf from '@tensorflow/tfjs-core';
import type { Pair } from '../ir';
import { dilate } from './dilate';
import { cropToPadding, inputGradPadding } from './spatialPadding';

/** The backward kernel of stride phase (rh, rw), or null where that phase has no taps. */
export type PhaseKernels = (rh: number, rw: number) => tf.Tensor4D | null;

/**
 * dL/dx of a conv2d from dL/dy by FORWARD convolutions only (XNNPACK-accelerated on wasm, about
 * 10× faster there than Conv2DBackpropInput). Input rows (and columns) fall into `stride`
 * phases by their position modulo the stride; each phase is a stride-1 correlation of dy with
 * the flipped taps of that phase, and the phases are then interleaved. Compared with
 * correlating a zero-dilated dy with the whole flipped kernel, that does stride² times fewer
 * multiply-adds.
 */
export function conv2dInputGrad(dy: tf.Tensor4D, phaseKernels: PhaseKernels, info: tf.backend_util.Conv2DInfo): tf.Tensor4D {
  const { batchSize, inHeight, inWidth, inChannels, strideHeight: sh, strideWidth: sw } = info;
  const rows = phaseGeometry(inHeight, info.outHeight, info.filterHeight, sh, info.padInfo.top);
  const cols = phaseGeometry(inWidth, info.outWidth, info.filterWidth, sw, info.padInfo.left);
  const phase = (k: number, l: number): tf.Tensor4D => {
    const [r, c] = [rows[k] as PhaseGeometry, cols[l] as PhaseGeometry];
    const kernel = phaseKernels(r.phase, c.phase);
    if (!kernel || r.count === 0 || c.count === 0) return tf.zeros([batchSize, r.count, c.count, inChannels]);
    const { cropped, padding } = cropToPadding(dy, [r.padding, c.padding]);
    return tf.conv2d(cropped, kernel, 1, padding);
  };
  if (sh === 1 && sw === 1) return phase(0, 0);
  // Row i of dx belongs to phase i mod sh: stack the phases (padded to equal length) and unfold.
  const [qh, qw] = [Math.ceil(inHeight / sh), Math.ceil(inWidth / sw)];
  const padded = (k: number, l: number): tf.Tensor4D => {
    const p = phase(k, l);
    const [, h, w] = p.shape;
    return h === qh && w === qw ? p : tf.pad(p, [[0, 0], [0, qh - h], [0, qw - w], [0, 0]]);
  };
  const grid = tf.stack(rows.map((_, k) => tf.stack(cols.map((__, l) => padded(k, l)), 3)), 2) as tf.Tensor;
  const full: tf.Tensor4D = tf.reshape(grid, [batchSize, qh * sh, qw * sw, inChannels]);
  return qh * sh === inHeight && qw * sw === inWidth ? full : tf.slice(full, 0, [batchSize, inHeight, inWidth, inChannels]);
}

/**
 * dL/dx of a depthwise convolution: dy spread over the stride grid (zeros between), correlated
 * with the flipped kernel [kh, kw, C·m, 1], summed over the multiplier m. Depthwise products are
 * cheap, so the extra work on zeros costs less than interleaving stride phases would.
 */
export function depthwiseInputGrad(dy: tf.Tensor4D, flippedKernel: tf.Tensor4D, info: tf.backend_util.Conv2DInfo): tf.Tensor4D {
  const { batchSize, inHeight, inWidth, inChannels, strideHeight: sh, strideWidth: sw } = info;
  const spread = dilate(dy, [sh, sw]);
  const { cropped, padding } = cropToPadding(spread, [
    inputGradPadding(inHeight, info.outHeight, info.filterHeight, sh, info.padInfo.top),
    inputGradPadding(inWidth, info.outWidth, info.filterWidth, sw, info.padInfo.left),
  ]);
  const perOutput = tf.depthwiseConv2d(cropped, flippedKernel, 1, padding);
  const multiplier = flippedKernel.shape[2] / inChannels;
  return multiplier === 1 ? perOutput : tf.sum(tf.reshape(perOutput, [batchSize, inHeight, inWidth, inChannels, multiplier]), 4);
}

interface PhaseGeometry {
  /** Which kernel taps (phase, phase + stride, …) reach these input positions. */
  phase: number;
  /** How many input positions the phase has. */
  count: number;
  /** Padding (negative: cropping) of dy for a stride-1 correlation that yields them. */
  padding: [number, number];
}

/**
 * Along one axis (input length n, output length m, kernel k, stride s, leading padding p): the
 * input position i = 0, 1, … sits at padded position i + p = q·s + r, and receives
 * dy[q − u]·w[r + s·u] for every tap r + s·u < k. Listed by i mod s.
 */
function phaseGeometry(n: number, m: number, k: number, s: number, p: number): PhaseGeometry[] {
  return Array.from({ length: s }, (_, first) => {
    const r = (first + p) % s;
    const taps = Math.max(0, Math.ceil((k - r) / s));
    const q0 = (first + p - r) / s;
    const count = first < n ? Math.ceil((n - first) / s) : 0;
    const before = taps - 1 - q0;
    return { phase: r, count, padding: [before, count - m - before + taps - 1] };
  });
}

/**
 * The backward kernel of stride phase (rh, rw): taps rh, rh + sh, … × rw, rw + sw, … of the
 * forward kernel, flipped in space; conv2d [kh, kw, in, out] → [·, ·, out, in], depthwise
 * [kh, kw, C, m] → [·, ·, C·m, 1]. Null where the phase has no taps (kernel smaller than stride).
 */
export function phaseBackwardKernel(kernel: tf.Tensor4D, [rh, rw]: Pair, [sh, sw]: Pair, depthwise: boolean): tf.Tensor4D | null {
  const [kh, kw, c, m] = kernel.shape;
  if (rh >= kh || rw >= kw) return null;
  const taps = sh === 1 && sw === 1 ? kernel : tf.stridedSlice(kernel, [rh, rw, 0, 0], [kh, kw, c, m], [sh, sw, 1, 1]) as tf.Tensor4D;
  const flipped = flipSpatially(taps);
  const [th, tw] = flipped.shape;
  return depthwise ? tf.reshape(flipped, [th, tw, c * m, 1]) : tf.transpose(flipped, [0, 1, 3, 2]);
}

/**
 * Reverses both spatial axes by reversing the order of the kh·kw taps (contiguous blocks), which
 * every backend copies block-wise; the cpu backend's Reverse kernel goes element by element
 * (over 20 s for InceptionV3's kernels).
 */
function flipSpatially(kernel: tf.Tensor4D): tf.Tensor4D {
  const [kh, kw, c, m] = kernel.shape;
  const taps = tf.split(tf.reshape(kernel, [kh * kw, c * m]), kh * kw, 0);
  return tf.reshape(tf.concat(taps.reverse(), 0), kernel.shape);
}
