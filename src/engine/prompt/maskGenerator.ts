import * as tf from '@tensorflow/tfjs-core';
import { Rng } from '../../core/util/rng';
import { customGradOf } from '../util/customGrad';

/** SMM's patch size: the mask has one cell per 8×8 block of the input (3 max-pools). */
export const MASK_PATCH_SIZE = 8;
/** Channels through SMM's 5-layer mask generator (the ResNet variant of its AttributeNet). */
const CHANNELS = [3, 8, 16, 32, 64, 3] as const;
/** Layers followed by BN and ReLU (all but the output conv) and by a 2×2 max-pool (log2 of the patch size). */
const NORMALISED_LAYERS = 4;
const POOLED_LAYERS = 3;
/** PyTorch's BatchNorm2d defaults. */
const BN_EPS = 1e-5;
const BN_MOMENTUM = 0.1;

interface Layer {
  kernel: tf.Variable<tf.Rank.R4>;
  bias: tf.Variable<tf.Rank.R1>;
  bn: { gamma: tf.Variable<tf.Rank.R1>; beta: tf.Variable<tf.Rank.R1>; mean: tf.Variable<tf.Rank.R1>; variance: tf.Variable<tf.Rank.R1> } | null;
}

/** Export names of layer i's tensors (1-based): mask_conv{i}_kernel [3, 3, in, out], … */
const names = (i: number) => ({
  kernel: `mask_conv${i}_kernel`,
  bias: `mask_conv${i}_bias`,
  gamma: `mask_bn${i}_gamma`,
  beta: `mask_bn${i}_beta`,
  mean: `mask_bn${i}_mean`,
  variance: `mask_bn${i}_variance`,
});

/** Every tensor of the mask generator with its shape, in layer order (weights, then BN's γ, β and running statistics). */
export function maskGeneratorShapes(): Record<string, number[]> {
  const out: Record<string, number[]> = {};
  for (let i = 0; i < CHANNELS.length - 1; i++) {
    const [cin, cout] = [CHANNELS[i] as number, CHANNELS[i + 1] as number];
    const n = names(i + 1);
    out[n.kernel] = [3, 3, cin, cout];
    out[n.bias] = [cout];
    if (i < NORMALISED_LAYERS) for (const k of [n.gamma, n.beta, n.mean, n.variance]) out[k] = [cout];
  }
  return out;
}

/** Trainable values of the mask generator (BN's running statistics excluded): 26,499. */
export function maskGeneratorParameters(): number {
  return Object.entries(maskGeneratorShapes())
    .filter(([name]) => !name.endsWith('_mean') && !name.endsWith('_variance'))
    .reduce((n, [, shape]) => n + shape.reduce((a, b) => a * b, 1), 0);
}

/**
 * 3×3, stride 1, zero padding 1, with bias. Its weight gradient is built from slices and matrix
 * products: wasm has no Conv2DBackpropFilter kernel. The input gradient is a forward conv with the
 * flipped kernel, exact for stride 1 and symmetric padding.
 */
export function conv3x3(x: tf.Tensor4D, kernel: tf.Tensor4D, bias: tf.Tensor1D): tf.Tensor4D {
  const op = tf.customGrad(((xs: tf.Tensor4D, k: tf.Tensor4D, b: tf.Tensor1D, save: tf.GradSaveFunc) => {
    save([xs, k]);
    return {
      value: tf.add(tf.conv2d(xs, k, 1, 'same'), b),
      gradFunc: (dy: tf.Tensor4D, [sx, sk]: tf.Tensor[]) => {
        const input = sx as tf.Tensor4D;
        const [n, h, w, cin] = input.shape;
        const cout = dy.shape[3];
        const flipped = tf.transpose(tf.reverse(sk as tf.Tensor4D, [0, 1]), [0, 1, 3, 2]);
        const dx = tf.conv2d(dy, flipped as tf.Tensor4D, 1, 'same');
        const padded = tf.pad(input, [[0, 0], [1, 1], [1, 1], [0, 0]]);
        const dyFlat = tf.reshape(dy, [n * h * w, cout]);
        const taps: tf.Tensor2D[] = [];
        for (let i = 0; i < 3; i++) {
          for (let j = 0; j < 3; j++) {
            const shifted = tf.reshape(tf.slice(padded, [0, i, j, 0], [n, h, w, cin]), [n * h * w, cin]);
            taps.push(tf.matMul(shifted, dyFlat, true, false));
          }
        }
        const dk = tf.reshape(tf.stack(taps), [3, 3, cin, cout]);
        return [dx, dk, tf.sum(dy, [0, 1, 2])];
      },
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]);
  return op(x, kernel, bias) as tf.Tensor4D;
}

/**
 * SMM's mask generator f_mask (AttributeNet, patch size 8, 5 conv layers): conv-BN-ReLU-maxpool
 * 3→8→16→32, conv-BN-ReLU 32→64, conv 64→3. Its output is the raw [B, C/8, C/8, 3] mask (no
 * sigmoid, no clamp). BN uses batch statistics and updates its running statistics while training
 * (PyTorch's train mode, momentum 0.1, unbiased running variance) and the running statistics
 * otherwise. Initialised as PyTorch's defaults: U(±1/√fan_in) for weights and biases, γ = 1, β = 0.
 */
export class MaskGenerator {
  private readonly layers: Layer[] = [];

  constructor(
    readonly canvas: number,
    name: string,
    seed: number,
  ) {
    if (canvas % MASK_PATCH_SIZE !== 0) {
      throw new Error(`SMM needs a model input whose side is a multiple of ${MASK_PATCH_SIZE}; this model takes ${canvas}×${canvas}. Pick another model or another prompt.`);
    }
    const rng = new Rng(seed).fork();
    const shapes = maskGeneratorShapes();
    const uniform = (shape: number[], bound: number) => () => {
      const size = shape.reduce((a, b) => a * b, 1);
      return tf.tensor(Float32Array.from({ length: size }, () => (2 * rng.next() - 1) * bound), shape);
    };
    const v = <R extends tf.Rank>(make: () => tf.Tensor, key: string, trainable = true) =>
      tf.tidy(() => tf.variable(make(), trainable, `${name}/${key}`)) as tf.Variable<R>;
    for (let i = 0; i < CHANNELS.length - 1; i++) {
      const n = names(i + 1);
      const bound = 1 / Math.sqrt((CHANNELS[i] as number) * 9);
      const cout = CHANNELS[i + 1] as number;
      this.layers.push({
        kernel: v<tf.Rank.R4>(uniform(shapes[n.kernel] as number[], bound), n.kernel),
        bias: v<tf.Rank.R1>(uniform([cout], bound), n.bias),
        bn:
          i < NORMALISED_LAYERS
            ? {
                gamma: v<tf.Rank.R1>(() => tf.ones([cout]), n.gamma),
                beta: v<tf.Rank.R1>(() => tf.zeros([cout]), n.beta),
                mean: v<tf.Rank.R1>(() => tf.zeros([cout]), n.mean, false),
                variance: v<tf.Rank.R1>(() => tf.ones([cout]), n.variance, false),
              }
            : null,
      });
    }
  }

  /** The trainable variables (convs, BN's γ and β); the running statistics are not among them. */
  variables(): tf.Variable[] {
    return this.layers.flatMap((l) => [l.kernel, l.bias, ...(l.bn ? [l.bn.gamma, l.bn.beta] : [])]);
  }

  /** The low-resolution mask [B, C/8, C/8, 3] of a batch already in the model's range. */
  lowResolution(x: tf.Tensor4D, training: boolean): tf.Tensor4D {
    return tf.tidy(() => {
      let h = x;
      this.layers.forEach((l, i) => {
        h = conv3x3(h, l.kernel, l.bias);
        if (l.bn) h = tf.relu(batchNorm(h, l.bn, training));
        if (i < POOLED_LAYERS) h = tf.maxPool(h, 2, 2, 'valid');
      });
      return h;
    });
  }

  /** The mask at the input's resolution [B, C, C, 3]: each cell copied over its 8×8 block. */
  apply(x: tf.Tensor4D, training: boolean): tf.Tensor4D {
    return tf.tidy(() => upsampleBlocks(this.lowResolution(x, training), MASK_PATCH_SIZE));
  }

  /** Every tensor (BN statistics included) by export name. */
  named(): [string, tf.Variable][] {
    return this.layers.flatMap((l, i) => {
      const n = names(i + 1);
      const out: [string, tf.Variable][] = [[n.kernel, l.kernel], [n.bias, l.bias]];
      if (l.bn) out.push([n.gamma, l.bn.gamma], [n.beta, l.bn.beta], [n.mean, l.bn.mean], [n.variance, l.bn.variance]);
      return out;
    });
  }

  async tensors(): Promise<Record<string, Float32Array>> {
    const named = this.named();
    const values = await Promise.all(named.map(([, v]) => v.data() as Promise<Float32Array>));
    return Object.fromEntries(named.map(([key], i) => [key, values[i] as Float32Array]));
  }

  load(tensors: Readonly<Record<string, Float32Array>>): void {
    const named = this.named();
    for (const [key, v] of named) {
      const data = tensors[key];
      if (!data || data.length !== v.size) throw new Error(`the SMM mask generator needs "${key}" with ${v.size} values`);
    }
    tf.tidy(() => {
      for (const [key, v] of named) v.assign(tf.tensor(tensors[key] as Float32Array, v.shape));
    });
  }

  dispose(): void {
    for (const [, v] of this.named()) v.dispose();
  }
}

/**
 * Nearest upsampling by an integer factor f: each cell of [B, P, P, C] copied over an f×f block.
 * Its gradient is the sum over each block, written out here: tfjs's own ResizeNearestNeighborGrad
 * (cpu backend, tfjs 4.22) gives wrong values for batches of several channels.
 */
export function upsampleBlocks(m: tf.Tensor4D, f: number): tf.Tensor4D {
  const [b, p, q, c] = m.shape;
  return customGradOf<tf.Tensor4D>((cells) => ({
    value: tf.image.resizeNearestNeighbor(cells as tf.Tensor4D, [p * f, q * f]),
    gradFunc: (dy) => tf.sum(tf.reshape(dy, [b, p, f, q, f, c]), [2, 4]),
  }))(m);
}

/** BatchNorm2d over [B, H, W, C]; in training also updates the running statistics (PyTorch's rule). */
function batchNorm(h: tf.Tensor4D, bn: NonNullable<Layer['bn']>, training: boolean): tf.Tensor4D {
  if (!training) {
    return tf.batchNorm(h, bn.mean, bn.variance, bn.beta, bn.gamma, BN_EPS) as tf.Tensor4D;
  }
  const { mean, variance } = tf.moments(h, [0, 1, 2]);
  const n = h.shape[0] * h.shape[1] * h.shape[2];
  const unbiased = n > 1 ? tf.mul(variance, n / (n - 1)) : variance;
  bn.mean.assign(tf.add(tf.mul(bn.mean, 1 - BN_MOMENTUM), tf.mul(mean, BN_MOMENTUM)));
  bn.variance.assign(tf.add(tf.mul(bn.variance, 1 - BN_MOMENTUM), tf.mul(unbiased, BN_MOMENTUM)));
  const normalised: tf.Tensor4D = tf.div(tf.sub(h, mean), tf.sqrt(tf.add(variance, BN_EPS)));
  return tf.add(tf.mul(normalised, bn.gamma), bn.beta) as tf.Tensor4D;
}
