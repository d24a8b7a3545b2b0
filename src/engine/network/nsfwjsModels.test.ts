import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
// tfjs-converter/-layers are the reference implementations (tfjs-layers also registers tfjs's gradients).
import * as tfc from '@tensorflow/tfjs-converter';
import * as tfl from '@tensorflow/tfjs-layers';
import { describe, expect, it } from 'vitest';
import { buildFrozenNetwork, type FrozenNetworkOptions } from './buildFrozenNetwork';
import { maxRelativeError, take } from '../../../test/support/network/compare';
import { withActivation } from '../../../test/support/network/layersArtifacts';
import { type NsfwjsModel, nsfwjsArtifacts } from '../../../test/support/network/nsfwjsArtifacts';
import { randomImages, wasmAgainstCpu } from '../../../test/support/network/realModelChecks';

interface Case {
  model: NsfwjsModel;
  logits: string;
  size: number;
  /** Reference backend: tfjs-layers on cpu needs about 70 s for InceptionV3 at 299², batch 2. */
  referenceBackend: 'cpu' | 'wasm';
  /** Gradient check: where and at what size (InceptionV3's head needs 299²; its backbone runs from 75²). */
  gradient: { output: string; options: FrozenNetworkOptions; size: number };
}

const MID_LOGITS = 'StatefulPartitionedCall/sequential/dense/BiasAdd';

const CASES: Case[] = [
  { model: 'mobilenet_v2', logits: 'dense_3', size: 224, referenceBackend: 'cpu', gradient: { output: 'dense_3', options: {}, size: 224 } },
  { model: 'mobilenet_v2_mid', logits: MID_LOGITS, size: 224, referenceBackend: 'cpu', gradient: { output: MID_LOGITS, options: {}, size: 224 } },
  { model: 'inception_v3', logits: 'dense_3', size: 299, referenceBackend: 'wasm', gradient: { output: 'mixed10', options: { inputSize: [75, 75] }, size: 75 } },
];

/** tfjs's own output for the logits (the Keras models' last Dense has its softmax removed). */
async function referenceLogits(c: Case, artifacts: tf.io.ModelArtifacts, x: tf.Tensor4D): Promise<Float32Array> {
  if (c.model === 'mobilenet_v2_mid') {
    const graph = await tfc.loadGraphModel(tf.io.fromMemory(artifacts));
    const logits = await take(graph.execute(x, c.logits) as tf.Tensor);
    graph.dispose();
    return logits;
  }
  const layers = await tfl.loadLayersModel(tf.io.fromMemory(withActivation(artifacts, c.logits, 'linear')));
  const logits = await take(layers.predict(x) as tf.Tensor);
  layers.dispose();
  return logits;
}

describe.each(CASES)('nsfwjs $model', (c) => {
  const artifacts = nsfwjsArtifacts(c.model);

  it(`computes the logits tfjs computes (reference on ${c.referenceBackend}, executor on wasm, batch 2)`, async () => {
    const shape: [number, number, number, number] = [2, c.size, c.size, 3];
    const images = randomImages(shape, 1);
    await tf.setBackend(c.referenceBackend);
    const x = tf.tensor4d(images, shape);
    const expected = await referenceLogits(c, artifacts, x);
    x.dispose();

    await tf.setBackend('wasm');
    const network = buildFrozenNetwork(artifacts);
    const xs = tf.tensor4d(images, shape);
    const mine = await take(network.apply(xs, [c.logits])[0] as tf.Tensor);
    xs.dispose();
    network.dispose();
    expect(maxRelativeError(mine, expected)).toBeLessThan(1e-4);
  });

  it(`gives the same input gradient of "${c.gradient.output}" on wasm as on cpu (${c.gradient.size}², batch 1)`, async () => {
    const { output, options, size } = c.gradient;
    const agreement = await wasmAgainstCpu(artifacts, options, output, [1, size, size, 3]);
    expect(agreement.outlierShare).toBeLessThan(0.02);
    expect(agreement.cosine).toBeGreaterThan(0.9999);
  });
});
