import * as tf from '@tensorflow/tfjs-core';

export type Activation =
  | { kind: 'linear' | 'relu' | 'relu6' | 'elu' | 'sigmoid' | 'tanh' | 'swish' }
  /** axis counts the batch as axis 0; default: the last */
  | { kind: 'softmax'; axis?: number }
  | { kind: 'leakyRelu'; alpha: number }
  | { kind: 'clip'; min: number; max: number };

export const LINEAR: Activation = { kind: 'linear' };

/** Plain tfjs ops whose autodiff gradients only need kernels every backend has. */
export function applyActivation(x: tf.Tensor, a: Activation): tf.Tensor {
  switch (a.kind) {
    case 'linear':
      return x;
    case 'relu':
      return tf.relu(x);
    case 'relu6':
      return tf.relu6(x);
    case 'elu':
      return tf.elu(x);
    case 'sigmoid':
      return tf.sigmoid(x);
    case 'tanh':
      return tf.tanh(x);
    case 'softmax':
      return softmax(x, a.axis ?? -1);
    case 'swish':
      return tf.mul(x, tf.sigmoid(x));
    case 'leakyRelu':
      return tf.leakyRelu(x, a.alpha);
    case 'clip':
      return tf.clipByValue(x, a.min, a.max);
  }
}

export interface KernelActivation {
  /** LeakyReLU runs as PReLU with a constant slope: the wasm fused kernels do PReLU faster. */
  activation: 'linear' | 'relu' | 'relu6' | 'elu' | 'sigmoid' | 'prelu';
  /** The negative slope, for 'prelu'. */
  alpha: number;
}

/**
 * The activations a fused conv/matmul kernel computes whose derivative is a function of the
 * kernel's OUTPUT (so a frozen op saves only its output for the backward pass); null otherwise.
 */
export function kernelActivation(a: Activation): KernelActivation | null {
  switch (a.kind) {
    case 'linear':
    case 'relu':
    case 'relu6':
    case 'elu':
    case 'sigmoid':
      return { activation: a.kind, alpha: 0 };
    case 'leakyRelu':
      // With a negative slope, y > 0 no longer tells which side of zero x was on.
      return a.alpha >= 0 ? { activation: 'prelu', alpha: a.alpha } : null;
    default:
      return null;
  }
}

/** A kernel activation as plain ops (for a frozen op that applies it after its kernel). */
export function applyKernelActivation(a: KernelActivation, x: tf.Tensor, slopes: tf.Tensor | undefined): tf.Tensor {
  switch (a.activation) {
    case 'linear':
      return x;
    case 'relu':
      return tf.relu(x);
    case 'relu6':
      return tf.relu6(x);
    case 'elu':
      return tf.elu(x);
    case 'sigmoid':
      return tf.sigmoid(x);
    case 'prelu':
      return tf.prelu(x, slopes as tf.Tensor);
  }
}

/** The per-channel slope tensor a 'prelu' kernel activation needs (kept until the op is disposed). */
export function preluSlopes(a: KernelActivation, channels: number): tf.Tensor1D | undefined {
  return a.activation === 'prelu' ? (tf.keep(tf.fill([channels], a.alpha)) as tf.Tensor1D) : undefined;
}

/** dL/dx of y = act(x), from dL/dy and y, for the activations `kernelActivation` accepts. */
export function activationGradFromOutput(a: KernelActivation, dy: tf.Tensor, y: tf.Tensor): tf.Tensor {
  switch (a.activation) {
    case 'linear':
      return dy;
    case 'relu':
      return tf.mul(dy, tf.step(y));
    case 'prelu':
      return tf.mul(dy, tf.step(y, a.alpha));
    // 0 < y < 6  <=>  y·(6 − y) > 0
    case 'relu6':
      return tf.mul(dy, tf.step(tf.mul(y, tf.sub(6, y))));
    // elu'(x) = 1 for x > 0, else exp(x) = y + 1
    case 'elu':
      return tf.mul(dy, tf.add(tf.minimum(y, 0), 1));
    case 'sigmoid':
      return tf.mul(dy, tf.mul(y, tf.sub(1, y)));
  }
}

/**
 * dL/dx of y = act(x) from dL/dy and x, for the kernel activations whose derivative is as cheap
 * to read off x as off y (relu, prelu, relu6; linear); null for the others.
 */
export function activationGradFromInput(a: KernelActivation): ((dy: tf.Tensor, x: tf.Tensor) => tf.Tensor) | null {
  switch (a.activation) {
    case 'linear':
      return (dy) => dy;
    // relu and prelu (slope ≥ 0): y > 0 exactly where x > 0.
    case 'relu':
      return (dy, x) => tf.mul(dy, tf.step(x));
    case 'prelu':
      return (dy, x) => tf.mul(dy, tf.step(x, a.alpha));
    // 0 < x < 6  <=>  x·(6 − x) > 0, as for y.
    case 'relu6':
      return (dy, x) => tf.mul(dy, tf.step(tf.mul(x, tf.sub(6, x))));
    default:
      return null;
  }
}

function softmax(x: tf.Tensor, axis: number): tf.Tensor {
  const last = x.rank - 1;
  const a = axis < 0 ? axis + x.rank : axis;
  if (a === last) return tf.softmax(x);
  const perm = [...Array(x.rank).keys()].map((i) => (i === a ? last : i === last ? a : i));
  return tf.transpose(tf.softmax(tf.transpose(x, perm)), perm);
}
