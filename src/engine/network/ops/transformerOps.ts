import * as tf from '@tensorflow/tfjs-core';
import { inputGradOp } from './inputGradOp';

/*
 * A transformer's elementwise ops with hand-written input gradients. Under a tape, tfjs saves
 * every intermediate of a composite op, and on wasm each saved tensor is a copy: LayerNorm and
 * GELU built from plain ops keep five to eight full-size tensors per call alive for the backward
 * pass. These save their input once and recompute the rest.
 */

/** LayerNorm over the last axis with frozen γ and β: dL/dx = r·(ĝ − mean ĝ − x̂·mean(ĝ·x̂)), ĝ = dL/dy·γ. */
export function layerNormOp(gamma: tf.Tensor, beta: tf.Tensor, eps: number): (x: tf.Tensor) => tf.Tensor {
  const normalise = (x: tf.Tensor) => {
    const axis = x.rank - 1;
    const { mean, variance } = tf.moments(x, axis, true);
    const r = tf.rsqrt(tf.add(variance, eps));
    return { xHat: tf.mul(tf.sub(x, mean), r), r };
  };
  return inputGradOp((x: tf.Tensor, save: tf.GradSaveFunc) => {
    save([x]);
    return {
      value: tf.tidy(() => tf.add(tf.mul(normalise(x).xHat, gamma), beta)),
      gradFunc: (dy, [saved]) =>
        tf.tidy(() => {
          const { xHat, r } = normalise(saved as tf.Tensor);
          const axis = xHat.rank - 1;
          const g = tf.mul(dy, gamma);
          const centred = tf.sub(g, tf.mean(g, axis, true));
          return tf.mul(tf.sub(centred, tf.mul(xHat, tf.mean(tf.mul(g, xHat), axis, true))), r);
        }),
    };
  });
}

/** CLIP's quick_gelu, x·σ(1.702x): dy/dx = s·(1 + 1.702·x·(1 − s)), s = σ(1.702x). */
export const quickGeluOp = inputGradOp((x: tf.Tensor, save: tf.GradSaveFunc) => {
  save([x]);
  return {
    value: tf.tidy(() => tf.mul(x, tf.sigmoid(tf.mul(x, 1.702)))),
    gradFunc: (dy, [saved]) =>
      tf.tidy(() => {
        const xs = saved as tf.Tensor;
        const s = tf.sigmoid(tf.mul(xs, 1.702));
        return tf.mul(dy, tf.mul(s, tf.add(1, tf.mul(tf.mul(xs, 1.702), tf.sub(1, s)))));
      }),
  };
});
