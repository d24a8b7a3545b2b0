import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { tinyNetwork } from '../testing/tinyNetwork';
import { Rng } from '../util/rng';
import { evaluateLinearProbe, extractFeatures, type FeatureSet, trainLinearProbe } from './linearProbe';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** Three Gaussian blobs in 6-D with a large offset and scale, so standardisation matters. */
function blobs(perClass: number, seed: number): FeatureSet {
  const rng = new Rng(seed);
  const dim = 6;
  const centres = [
    [3, 0, 0, 1, 0, 0],
    [0, 3, 0, 0, 1, 0],
    [0, 0, 3, 0, 0, 1],
  ];
  const features: number[] = [];
  const labels: number[] = [];
  for (let c = 0; c < 3; c++) {
    for (let i = 0; i < perClass; i++) {
      for (let d = 0; d < dim; d++) features.push(100 + 20 * ((centres[c]![d] as number) + 0.5 * rng.normal()));
      labels.push(c);
    }
  }
  return { features: Float32Array.from(features), labels: Int32Array.from(labels), dim };
}

describe('linear probing', () => {
  it('separates separable features and its exported weights reproduce the validation result', async () => {
    const before = tf.memory().numTensors;
    const probe = await trainLinearProbe(blobs(30, 1), blobs(10, 2), 3, {
      epochs: 30,
      learningRate: 0.05,
      weightDecay: 0,
      batchSize: 16,
      seed: 3,
    });
    expect(tf.memory().numTensors).toBe(before);
    expect(probe.validation.accuracy).toBe(1);
    const again = await evaluateLinearProbe(probe, blobs(10, 2));
    expect(again.accuracy).toBe(probe.validation.accuracy);
    expect(again.loss).toBeCloseTo(probe.validation.loss, 4);
  });

  it('extracts one feature vector per image from the frozen network', async () => {
    const net = tinyNetwork({ inputSize: 32, classes: 4 });
    const source = {
      network: net,
      input: { canvas: 32, valueRange: [0, 1] as const },
      sourceOutput: 'logits',
      featureOutput: 'features',
      numSource: 4,
    };
    const set = {
      height: 8,
      width: 8,
      channels: 1 as const,
      pixels: new Uint8Array(5 * 64).map((_, i) => i % 256),
      labels: Int32Array.from([0, 1, 2, 3, 0]),
    };
    const before = tf.memory().numTensors;
    const f = await extractFeatures(source, { set, indices: Int32Array.from([4, 2, 0]) }, 16, 2);
    expect(tf.memory().numTensors).toBe(before);
    expect(f!.dim).toBe(8);
    expect(f!.features).toHaveLength(24);
    expect([...f!.labels]).toEqual([0, 2, 0]);
    net.dispose();
  });
});
