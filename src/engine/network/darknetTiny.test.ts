import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
// tfjs-layers is the reference implementation here (and registers tfjs's gradient functions).
import * as tfl from '@tensorflow/tfjs-layers';
import { describe, expect, it } from 'vitest';
import { buildFrozenNetwork } from './buildFrozenNetwork';
import { maxRelativeError, take } from '../../../test/support/network/compare';
import { randomImages, wasmAgainstCpu } from '../../../test/support/network/realModelChecks';
import { artifactsFromFolder, darknetTinyDir, hasDarknetTiny } from '../../../test/support/network/sharedModels';

const LOGITS = 'global_average_pooling2d_1';

describe.skipIf(!hasDarknetTiny())(`darknet-tiny (skipped when ${darknetTinyDir()} is absent)`, () => {
  const artifacts = hasDarknetTiny() ? artifactsFromFolder(darknetTinyDir()) : {};

  it('computes the logits tfjs-layers computes (reference on cpu, executor on wasm)', async () => {
    const shape: [number, number, number, number] = [2, 224, 224, 3];
    const images = randomImages(shape, 1);
    await tf.setBackend('cpu');
    const reference = await tfl.loadLayersModel(tf.io.fromMemory(artifacts));
    const x = tf.tensor4d(images, shape);
    const expected = await take(reference.predict(x) as tf.Tensor);
    x.dispose();
    reference.dispose();

    await tf.setBackend('wasm');
    const network = buildFrozenNetwork(artifacts);
    const xs = tf.tensor4d(images, shape);
    const mine = await take(network.apply(xs, [LOGITS])[0] as tf.Tensor);
    xs.dispose();
    network.dispose();
    expect(maxRelativeError(mine, expected)).toBeLessThan(1e-4);
  });

  it('gives the same input gradient on wasm as on cpu (64×64, batch 2)', async () => {
    const agreement = await wasmAgainstCpu(artifacts, { inputSize: [64, 64] }, LOGITS, [2, 64, 64, 3]);
    expect(agreement.outlierShare).toBeLessThan(0.02);
    expect(agreement.cosine).toBeGreaterThan(0.9999);
  });
});
