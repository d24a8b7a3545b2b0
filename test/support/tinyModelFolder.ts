/**
 * A tiny TensorFlow.js layers classifier written as a model folder (model.json + weights.bin +
 * classes.json), for CLI tests that need a fast `--model DIR`: 16×16 RGB → 3×3 conv (4 filters,
 * stride 2) → relu → global average pool → dense logits. Seeded weights, ×`weightScale`;
 * `nanBias` makes the logits' bias NaN (a broken conversion that still passes the gradient check).
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Rng } from '../../src/core/util/rng';
import { artifactsOf } from './network/layersArtifacts';

export async function writeTinyModelFolder(
  dir: string,
  options: { classes?: number; inputSize?: number; seed?: number; nanBias?: boolean; weightScale?: number } = {},
): Promise<void> {
  const classes = options.classes ?? 10;
  const size = options.inputSize ?? 16;
  const rng = new Rng(options.seed ?? 3);
  const model = tfl.sequential({
    layers: [
      tfl.layers.conv2d({ inputShape: [size, size, 3], filters: 4, kernelSize: 3, strides: 2, padding: 'same', name: 'conv' }),
      tfl.layers.reLU({ name: 'relu' }),
      tfl.layers.globalAveragePooling2d({ name: 'features' }),
      tfl.layers.dense({ units: classes, name: 'logits' }),
    ],
  });
  for (const w of model.weights) {
    const shape = w.shape as number[];
    const values = Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () =>
      options.nanBias && w.name.startsWith('logits') && w.name.includes('bias') ? NaN : rng.normal() * 0.5 * (options.weightScale ?? 1),
    );
    w.write(tf.tensor(values, shape));
  }
  const artifacts = await artifactsOf(model);
  model.dispose();
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, 'model.json'),
    JSON.stringify({
      format: 'layers-model',
      modelTopology: artifacts.modelTopology,
      weightsManifest: [{ paths: ['weights.bin'], weights: artifacts.weightSpecs }],
    }),
  );
  writeFileSync(join(dir, 'weights.bin'), new Uint8Array(artifacts.weightData as ArrayBuffer));
  writeFileSync(join(dir, 'classes.json'), JSON.stringify(Array.from({ length: classes }, (_, i) => `source ${i}`)));
}
