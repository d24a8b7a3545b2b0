import * as tf from '@tensorflow/tfjs-core';
import { fillsInput, type PromptKind } from '../../core/design/kinds';
import { customGradOf } from '../util/customGrad';

/** Side of the image on the canvas for a fixed initial scale: round(base · s), capped at the canvas. */
export function fixedImageSize(baseSize: number, scale: number, canvas: number): number {
  return Math.max(1, Math.min(canvas, Math.round(baseSize * scale)));
}

/**
 * Effective side with trainable resize, as the reference computes it: min(floor(base · s), canvas).
 * Works on a scalar tensor so the mask can follow the learnt scale without a read-back.
 */
export function trainableImageSize(baseSize: number, scale: tf.Scalar, canvas: number): tf.Scalar {
  return tf.tidy(() => tf.clipByValue(tf.floor(tf.mul(scale, baseSize)), 0, canvas) as tf.Scalar);
}

/** Top (= left) offset of a centred square of side n on the canvas. */
export function centredOffset(canvas: number, n: number): number {
  return Math.floor((canvas - n) / 2);
}

/**
 * Mask [canvas, canvas, 1] saying where the prompt acts.
 * pad: 1 on the frame around the centred image of side `imageSize`, 0 over the image;
 * full, and the kinds that fill the whole input (low-rank, SMM): 1 everywhere; patch: 1 on a
 * patchSize square in the top-left corner.
 * `imageSize` may be a scalar tensor (trainable resize) or a number.
 */
export function promptMask(
  kind: PromptKind,
  canvas: number,
  imageSize: number | tf.Scalar,
  patchSize: number,
): tf.Tensor3D {
  return tf.tidy(() => {
    if (kind === 'full' || fillsInput(kind)) return tf.ones([canvas, canvas, 1]);
    if (kind === 'patch') {
      const inside = tf.cast(
        tf.less(tf.range(0, canvas, 1, 'float32'), Math.min(patchSize, canvas)),
        'float32',
      ) as tf.Tensor1D;
      return tf.reshape(tf.outerProduct(inside, inside), [canvas, canvas, 1]);
    }
    if (typeof imageSize === 'number') return frameMask(canvas, tf.scalar(imageSize));
    // A step function of the scale: its gradient is zero, and wrapping it keeps autodiff away
    // from comparisons, which have no gradient.
    return customGradOf((n) => ({
      value: frameMask(canvas, n as tf.Scalar),
      gradFunc: () => tf.zerosLike(n),
    }))(imageSize);
  });
}

/** 1 on the frame, 0 over the centred n×n image. */
function frameMask(canvas: number, n: tf.Scalar): tf.Tensor3D {
  return tf.tidy(() => {
    const idx = tf.range(0, canvas, 1, 'float32');
    const top = tf.floor(tf.div(tf.sub(canvas, n), 2));
    const inside = tf.cast(
      tf.logicalAnd(tf.greaterEqual(idx, top), tf.less(idx, tf.add(top, n))),
      'float32',
    ) as tf.Tensor1D;
    return tf.reshape(tf.sub(1, tf.outerProduct(inside, inside)), [canvas, canvas, 1]);
  });
}

/** Resize a [B, b, b, 3] batch to side n (bilinear, half-pixel centres) and centre it on the canvas with zeros. */
export function placeFixed(x: tf.Tensor4D, n: number, canvas: number): tf.Tensor4D {
  return tf.tidy(() => {
    const side = x.shape[1];
    const resized = side === n ? x : tf.image.resizeBilinear(x, [n, n], false, true);
    const top = centredOffset(canvas, n);
    const bottom = canvas - n - top;
    return tf.pad(resized, [
      [0, 0],
      [top, bottom],
      [top, bottom],
      [0, 0],
    ]);
  });
}
