import * as tf from '@tensorflow/tfjs-core';
import { customGradOf } from '../util/customGrad';
import { centredOffset } from './geometry';

/** Clamp range of the learnt scale, as in the reference. */
export const RESIZE_SCALE_RANGE: readonly [number, number] = [0.1, 5.0];

interface Taps {
  idx0: tf.Tensor1D;
  idx1: tf.Tensor1D;
  w0: tf.Tensor1D;
  w1: tf.Tensor1D;
  valid0: tf.Tensor1D;
  valid1: tf.Tensor1D;
  /** dv/ds for each output index. */
  dvds: tf.Tensor1D;
}

/**
 * Bilinear taps for scaling about the canvas centre (kornia's `scale`, align_corners=True,
 * zero padding): output pixel i samples canvas coordinate u = c + (i − c)/s, c = (C−1)/2,
 * which is v = u − top in the coordinates of the b×b image centred on the canvas.
 */
function taps(s: tf.Scalar, canvas: number, side: number): Taps {
  const c = (canvas - 1) / 2;
  const top = centredOffset(canvas, side);
  const rel = tf.sub(tf.range(0, canvas, 1, 'float32'), c);
  const v = tf.add(tf.div(rel, s), c - top) as tf.Tensor1D;
  const v0 = tf.floor(v);
  const frac = tf.sub(v, v0);
  const inRange = (t: tf.Tensor1D) =>
    tf.cast(tf.logicalAnd(tf.greaterEqual(t, 0), tf.lessEqual(t, side - 1)), 'float32') as tf.Tensor1D;
  const v1 = tf.add(v0, 1) as tf.Tensor1D;
  const valid0 = inRange(v0 as tf.Tensor1D);
  const valid1 = inRange(v1);
  const toIndex = (t: tf.Tensor1D) => tf.cast(tf.clipByValue(t, 0, side - 1), 'int32') as tf.Tensor1D;
  return {
    idx0: toIndex(v0 as tf.Tensor1D),
    idx1: toIndex(v1),
    w0: tf.mul(tf.sub(1, frac), valid0),
    w1: tf.mul(frac, valid1),
    valid0,
    valid1,
    dvds: tf.neg(tf.div(rel, tf.square(s))) as tf.Tensor1D,
  };
}

/** Interpolate along `axis` (1 = rows, 2 = columns) of a [B, H, W, C] tensor with weights (a0, a1). */
function interp(x: tf.Tensor4D, t: Taps, axis: 1 | 2, a0: tf.Tensor1D, a1: tf.Tensor1D): tf.Tensor4D {
  const shape = axis === 1 ? [1, -1, 1, 1] : [1, 1, -1, 1];
  return tf.add(
    tf.mul(tf.gather(x, t.idx0, axis), tf.reshape(a0, shape)),
    tf.mul(tf.gather(x, t.idx1, axis), tf.reshape(a1, shape)),
  ) as tf.Tensor4D;
}

/**
 * Trainable resize: the b×b batch `x` is centred on a C×C zero canvas and scaled about the
 * centre by the scalar `s`. Differentiable with respect to `s` only (the images are data); the
 * gradient is analytic and uses gathers, so it runs on every backend (wasm has no
 * UnsortedSegmentSum for gather's own gradient).
 */
export function trainableResize(x: tf.Tensor4D, s: tf.Scalar, canvas: number): tf.Tensor4D {
  const side = x.shape[1];
  return customGradOf<tf.Tensor4D>((scale, save) => {
    save([scale]);
    const t = taps(scale as tf.Scalar, canvas, side);
    const rows = interp(x, t, 1, t.w0, t.w1);
    return {
      value: interp(rows, t, 2, t.w0, t.w1),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const g = taps(saved[0] as tf.Scalar, canvas, side);
        const minus0 = tf.neg(g.valid0) as tf.Tensor1D;
        // ∂out/∂v along rows, then along columns (derivatives of the tent weights are ∓valid).
        const rowsD = interp(interp(x, g, 1, minus0, g.valid1), g, 2, g.w0, g.w1);
        const colsD = interp(interp(x, g, 1, g.w0, g.w1), g, 2, minus0, g.valid1);
        const ds = tf.add(
          tf.sum(tf.mul(tf.mul(dy, rowsD), tf.reshape(g.dvds, [1, -1, 1, 1]))),
          tf.sum(tf.mul(tf.mul(dy, colsD), tf.reshape(g.dvds, [1, 1, -1, 1]))),
        );
        return [ds];
      },
    };
  })(s);
}
