import * as tf from '@tensorflow/tfjs-core';
import type { ImageSet } from '../../src/core/data/imageSet';
import type { FrozenNetwork } from '../../src/engine/network/types';
import { Rng } from '../../src/core/util/rng';

/**
 * A small real CNN from plain ops (3×3 conv stride 2 → relu → global mean → dense), with seeded
 * frozen weights, for tests that need a source model without loading one. Its tensors: 'conv'
 * (the relu map, [size/2, size/2, 8]), 'features' (its global mean, [8]) and 'logits'.
 */
export function tinyNetwork(options: { inputSize?: number; classes?: number; seed?: number } = {}): FrozenNetwork {
  const size = options.inputSize ?? 32;
  const classes = options.classes ?? 10;
  const rng = new Rng(options.seed ?? 1);
  const rand = (n: number, scale: number) => Float32Array.from({ length: n }, () => rng.normal() * scale);
  const filters = 8;
  const kernel = tf.tensor4d(rand(3 * 3 * 3 * filters, 0.5), [3, 3, 3, filters]);
  const dense = tf.tensor2d(rand(filters * classes, 1), [filters, classes]);
  const bias = tf.tensor1d(rand(classes, 0.1));
  return {
    inputShape: [size, size, 3],
    parameterCount: kernel.size + dense.size + bias.size,
    tensors: [
      { name: 'conv', shape: [Math.ceil(size / 2), Math.ceil(size / 2), filters] },
      { name: 'features', shape: [filters] },
      { name: 'logits', shape: [classes] },
    ],
    apply(x, outputs) {
      return tf.tidy(() => {
        const conv = tf.relu(tf.conv2d(x, kernel, 2, 'same'));
        const features = tf.mean(conv, [1, 2]) as tf.Tensor2D;
        const logits = tf.add(tf.matMul(features, dense), bias);
        const all: Record<string, tf.Tensor> = { conv, features, logits };
        return outputs.map((name) => {
          const t = all[name];
          if (!t) throw new Error(`no tensor ${name}`);
          return t;
        });
      });
    },
    dispose() {
      tf.dispose([kernel, dense, bias]);
    },
  };
}

/** The tiny network as a visual-prompting source model (values in [0, 1], classes as logits). */
export function tinySource(options: { inputSize?: number; classes?: number; seed?: number } = {}) {
  const size = options.inputSize ?? 32;
  const classes = options.classes ?? 10;
  return {
    network: tinyNetwork(options),
    input: { canvas: size, valueRange: [0, 1] as const },
    sourceOutput: 'logits',
    featureOutput: 'features',
    numSource: classes,
  };
}

/** Two easy classes of 12×12 grayscale images: dark noisy ones (0) and bright noisy ones (1). */
export function darkOrBright(n: number, seed: number): ImageSet {
  const rng = new Rng(seed);
  const pixels = new Uint8Array(n * 144);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    labels[i] = i % 2;
    for (let p = 0; p < 144; p++) pixels[i * 144 + p] = Math.round((labels[i] ? 170 : 40) + rng.next() * 60);
  }
  return { height: 12, width: 12, channels: 1, pixels, labels };
}
