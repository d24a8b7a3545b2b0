import type * as tf from '@tensorflow/tfjs-core';

/** max |actual − expected| / max |expected|. */
export function maxRelativeError(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  if (actual.length !== expected.length) throw new Error(`length ${actual.length} ≠ ${expected.length}`);
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < expected.length; i++) {
    diff = Math.max(diff, Math.abs((actual[i] as number) - (expected[i] as number)));
    scale = Math.max(scale, Math.abs(expected[i] as number));
  }
  return diff / scale;
}

export interface GradientAgreement {
  /** max |a − b| / max |b| */
  maxRelative: number;
  /** Share of elements with |a − b| > tolerance · max |b|. */
  outlierShare: number;
  cosine: number;
}

/**
 * How two gradients of the same network agree. Across backends, a few units whose
 * pre-activation lies within float noise of a ReLU kink switch side, which changes the
 * gradient on their receptive field only: those show up as a small outlier share, while a
 * wrong backward op moves the cosine and the bulk of the elements.
 */
export function gradientAgreement(a: ArrayLike<number>, b: ArrayLike<number>, tolerance: number): GradientAgreement {
  const maxRelative = maxRelativeError(a, b);
  let scale = 0;
  for (let i = 0; i < b.length; i++) scale = Math.max(scale, Math.abs(b[i] as number));
  let outliers = 0;
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < b.length; i++) {
    const x = a[i] as number;
    const y = b[i] as number;
    if (Math.abs(x - y) > tolerance * scale) outliers++;
    dot += x * y;
    na += x * x;
    nb += y * y;
  }
  return { maxRelative, outlierShare: outliers / b.length, cosine: dot / Math.sqrt(na * nb) };
}

/** Reads a tensor and disposes it. */
export async function take(t: tf.Tensor): Promise<Float32Array> {
  const values = (await t.data()) as Float32Array;
  t.dispose();
  return values;
}
