import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import '@tensorflow/tfjs-layers'; // registers tfjs's gradient functions
import { describe, expect, it } from 'vitest';
import { buildFrozenNetwork } from './buildFrozenNetwork';
import { maxRelativeError, take } from '../../../test/support/network/compare';
import { nsfwjsArtifacts } from '../../../test/support/network/nsfwjsArtifacts';
import { randomImages } from '../../../test/support/network/realModelChecks';
import { artifactsFromFolder, hasDarknetTiny, darknetTinyDir } from '../../../test/support/network/sharedModels';

interface Case {
  name: string;
  artifacts: () => tf.io.ModelArtifacts;
  output: string;
  size: number;
}

const CASES: Case[] = [
  // First layer: 3×3 stride-2 conv (phased backward), zero pad folded in.
  { name: 'nsfwjs mobilenet_v2', artifacts: () => nsfwjsArtifacts('mobilenet_v2'), output: 'out_relu', size: 64 },
  ...(hasDarknetTiny()
    ? // First layer: 3×3 conv + LeakyReLU + max pool in one op.
      [
        {
          name: 'darknet-tiny',
          artifacts: () => artifactsFromFolder(darknetTinyDir()),
          output: 'global_average_pooling2d_1',
          size: 64,
        },
      ]
    : []),
];

/**
 * inputGradient 'batchSum' (what visual prompting with a shared prompt uses): the input gradient
 * summed over the batch must equal the per-example one summed, and it sits in example 0.
 */
describe.each(['wasm', 'cpu'])('batch-summed input gradient on %s', (backend) => {
  it.each(CASES)(
    '$name: its sum over the batch is the per-example gradient summed',
    async ({ artifacts, output, size }) => {
      await tf.setBackend(backend);
      // 64²: the pure-JS cpu backend needs minutes at 224².
      const network = buildFrozenNetwork(artifacts(), { inputSize: [size, size] });
      const shape: [number, number, number, number] = [3, size, size, 3];
      const x = tf.tensor4d(randomImages(shape, 5), shape);
      const outShape = network.tensors.find((t) => t.name === output)?.shape ?? [];
      const w = tf.randomNormal([shape[0], ...outShape], 0, 1, 'float32', 7);
      const gradOf = (inputGradient: 'perExample' | 'batchSum') =>
        tf.grad((input: tf.Tensor) =>
          tf.sum(tf.mul(network.apply(input as tf.Tensor4D, [output], { inputGradient })[0] as tf.Tensor, w)),
        )(x);
      const full = gradOf('perExample');
      const summed = gradOf('batchSum');
      const expected = await take(tf.sum(full, 0));
      const actual = await take(tf.sum(summed, 0));
      expect(maxRelativeError(actual, expected)).toBeLessThan(1e-4);
      const rest = await take(tf.slice(summed, [1, 0, 0, 0], [shape[0] - 1, size, size, 3]));
      expect(rest.every((v) => v === 0)).toBe(true);
      tf.dispose([x, w, full, summed]);
      network.dispose();
    },
  );
});
