import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { tinyNetwork } from '../../../test/support/tinyNetwork';
import { Rng } from '../../core/util/rng';
import {
  evaluateLinearProbe,
  extractFeatures,
  featureDims,
  type FeatureSet,
  linearBaselines,
  trainLinearProbe,
} from './linearProbe';

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

  const set = {
    height: 8,
    width: 8,
    channels: 1 as const,
    pixels: new Uint8Array(5 * 64).map((_, i) => (i * 37) % 256),
    labels: Int32Array.from([0, 1, 2, 3, 0]),
  };
  const sourceWith = (net: ReturnType<typeof tinyNetwork>, featureOutput: string) => ({
    network: net,
    input: { canvas: 32, valueRange: [0, 1] as const },
    sourceOutput: 'logits',
    featureOutput,
    numSource: 4,
  });

  it('extracts one feature vector per image from the frozen network (a vector stays as it is)', async () => {
    const net = tinyNetwork({ inputSize: 32, classes: 4 });
    const source = sourceWith(net, 'features');
    expect(featureDims(source)).toEqual({ pooled: 8, flattened: 8 });
    const before = tf.memory().numTensors;
    const f = await extractFeatures(source, { set, indices: Int32Array.from([4, 2, 0]) }, 16, 2, undefined, {
      flattened: true,
    });
    expect(tf.memory().numTensors).toBe(before);
    expect(f!.pooled.dim).toBe(8);
    expect(f!.pooled.features).toHaveLength(24);
    expect([...f!.pooled.labels]).toEqual([0, 2, 0]);
    // A vector has nothing to flatten: no extra set.
    expect(f!.flattened).toBeNull();
    net.dispose();
  });

  it('pools a spatial map over H and W, and flattens the same map from the same forward pass', async () => {
    const net = tinyNetwork({ inputSize: 32, classes: 4 });
    const source = sourceWith(net, 'conv');
    // conv is 16×16×8: pooled 8 values, flattened 2,048.
    expect(featureDims(source)).toEqual({ pooled: 8, flattened: 2048 });
    let calls = 0;
    const counting = {
      ...source,
      network: { ...net, apply: (...a: Parameters<typeof net.apply>) => (calls++, net.apply(...a)) },
    };
    const before = tf.memory().numTensors;
    const f = await extractFeatures(counting, { set, indices: Int32Array.from([4, 2, 0]) }, 16, 3, undefined, {
      flattened: true,
    });
    expect(tf.memory().numTensors).toBe(before);
    expect(calls).toBe(1);
    expect(f!.pooled.dim).toBe(8);
    expect(f!.flattened!.dim).toBe(2048);
    expect([...f!.flattened!.labels]).toEqual([0, 2, 0]);
    // The pooled features are the spatial mean of the flattened ones ([H, W, C] row-major) and
    // equal the network's own global-mean 'features' tensor.
    const own = await extractFeatures(sourceWith(net, 'features'), { set, indices: Int32Array.from([4, 2, 0]) }, 16, 3);
    for (let i = 0; i < 3; i++) {
      for (let c = 0; c < 8; c++) {
        let sum = 0;
        for (let p = 0; p < 256; p++) sum += f!.flattened!.features[i * 2048 + p * 8 + c] as number;
        expect(f!.pooled.features[i * 8 + c]).toBeCloseTo(sum / 256, 5);
        expect(f!.pooled.features[i * 8 + c]).toBeCloseTo(own!.pooled.features[i * 8 + c] as number, 5);
      }
    }
    // Without the flag, only the pooled set.
    const pooledOnly = await extractFeatures(source, { set, indices: Int32Array.from([1]) }, 16, 3);
    expect(pooledOnly!.flattened).toBeNull();
    net.dispose();
  });

  it('trains the pooled probe (the baseline) and the flattened extra, and counts their parameters', async () => {
    const net = tinyNetwork({ inputSize: 32, classes: 4 });
    const source = sourceWith(net, 'conv');
    const split = (indices: number[]) => ({ set, indices: Int32Array.from(indices) });
    const splits = { train: split([0, 1, 2, 3]), val: split([4]), test: split([1, 2]) };
    const options = { baseSize: 16, batchSize: 4, seed: 1, maxFlattenedBytes: 1e9 };
    const before = tf.memory().numTensors;
    const both = await linearBaselines(source, splits, 4, options);
    expect(tf.memory().numTensors).toBe(before);
    expect(both!.pooled).toMatchObject({ features: 'pooled', dim: 8, parameters: 8 * 4 + 4 });
    expect(both!.pooled.test!.count).toBe(2);
    expect(both!.flattened).toMatchObject({ features: 'flattened', dim: 2048, parameters: 2048 * 4 + 4 });
    expect(both!.flattened!.test!.count).toBe(2);
    expect(both!.flattenedSkipped).toBeNull();
    // Too large: the extra probe is skipped, saying why; the baseline still runs.
    const capped = await linearBaselines(source, splits, 4, { ...options, maxFlattenedBytes: 1000 });
    expect(capped!.flattened).toBeNull();
    expect(capped!.flattenedSkipped).toMatch(/2,048-d features of 7 images would take/);
    expect(capped!.pooled.dim).toBe(8);
    // Stopped: nothing.
    expect(await linearBaselines(source, splits, 4, { ...options, shouldStop: () => true })).toBeNull();
    net.dispose();
  });
});
