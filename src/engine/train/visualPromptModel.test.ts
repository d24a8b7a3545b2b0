import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_DESIGN } from '../../core/design/schema';
import type { PromptKind } from '../../core/design/kinds';
import { buildFrozenNetwork } from '../network';
import type { FrozenNetwork } from '../network/types';
import { coverageNetwork, kerasModel, smallNetwork, Weights } from '../../../test/support/parity/kerasJson';
import { Rng } from '../../core/util/rng';
import { crossEntropy, type SourceModel, VisualPromptModel } from './visualPromptModel';

/** A Rescaling layer reads the input, so the first convolution does not: no op takes the batch-sum hint. */
function rescalingFirstNetwork() {
  return kerasModel(
    'rescaling_first',
    [
      { className: 'InputLayer', name: 'input_1', config: { batch_input_shape: [null, 16, 16, 3], dtype: 'float32' } },
      { className: 'Rescaling', name: 'rescale', inbound: ['input_1'], config: { scale: 2, offset: -1 } },
      {
        className: 'Conv2D',
        name: 'conv',
        inbound: ['rescale'],
        config: {
          filters: 4,
          kernel_size: [3, 3],
          strides: [2, 2],
          padding: 'same',
          data_format: 'channels_last',
          dilation_rate: [1, 1],
          activation: 'relu',
          use_bias: false,
        },
      },
      { className: 'GlobalAveragePooling2D', name: 'gap', inbound: ['conv'], config: { data_format: 'channels_last' } },
      {
        className: 'Dense',
        name: 'logits',
        inbound: ['gap'],
        config: { units: 5, activation: 'linear', use_bias: true },
      },
    ],
    ['logits'],
    new Weights(5)
      .normal('conv/kernel', [3, 3, 3, 4], 0.5)
      .normal('logits/kernel', [4, 5], 0.8)
      .normal('logits/bias', [5], 0.1).list,
  );
}

const NETWORKS = [
  // First conv (stride 2, batch norm folded) reads x: the hint reaches it.
  { name: 'small', files: smallNetwork(11), canvas: 32, numSource: 10 },
  // x read by two convolutions, one with a zero pad folded in: both take the hint.
  { name: 'coverage', files: coverageNetwork(12), canvas: 17, numSource: 6 },
  { name: 'rescaling first', files: rescalingFirstNetwork(), canvas: 16, numSource: 5 },
];
const BATCH = 4;
const BASE = 10;
const NUM_TARGET = 3;

/** The same network, but every call asks for per-example input gradients. */
function perExample(network: FrozenNetwork): FrozenNetwork {
  return {
    inputShape: network.inputShape,
    parameterCount: network.parameterCount,
    tensors: network.tensors,
    apply: (x, outputs) => network.apply(x, outputs, { inputGradient: 'perExample' }),
    dispose: () => undefined,
  };
}

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe.each(NETWORKS)('VisualPromptModel with a fixed scale ($name network)', ({ files, canvas, numSource }) => {
  const network = buildFrozenNetwork(files.artifacts);
  afterAll(() => network.dispose());

  it.each(['pad', 'full', 'patch'] as PromptKind[])(
    '%s prompt: the batch-summed input gradient gives every variable the per-example gradient',
    async (prompt) => {
      const rng = new Rng(3);
      const x = tf.tensor4d(
        Float32Array.from({ length: BATCH * BASE * BASE * 3 }, () => rng.next()),
        [BATCH, BASE, BASE, 3],
      );
      const y = tf.tensor1d([0, 1, 2, 1], 'int32');
      const delta = Float32Array.from({ length: canvas * canvas * 3 }, () => rng.normal());
      const design = {
        ...DEFAULT_DESIGN,
        baseSize: BASE,
        inputScale: 1,
        trainableResize: false,
        prompt,
        patchSize: 5,
        promptActivation: 'sigmoid' as const,
        labelMapping: 'fully' as const,
      };
      const input = { canvas, valueRange: [-1, 1] as const, mean: [0.1, 0.2, 0.3], std: [0.5, 0.6, 0.7] };
      const gradsWith = async (net: FrozenNetwork) => {
        const source: SourceModel = { network: net, input, sourceOutput: 'logits', featureOutput: 'logits', numSource };
        const model = new VisualPromptModel(source, design, NUM_TARGET);
        model.prompter.load(delta);
        const { value, grads } = tf.variableGrads(() => crossEntropy(model.logits(x), y), model.variables());
        const out = await Promise.all(
          model.variables().map(async (v) => (await grads[v.name]?.data()) as Float32Array),
        );
        tf.dispose([value, grads]);
        model.dispose();
        return out;
      };
      const summed = await gradsWith(network);
      const full = await gradsWith(perExample(network));
      expect(summed).toHaveLength(3); // prompt, mapping weight, mapping bias
      summed.forEach((g, i) => {
        const want = full[i] as Float32Array;
        const scale = Math.max(...want.map(Math.abs));
        expect(scale).toBeGreaterThan(0);
        const err = Math.max(...g.map((v, j) => Math.abs(v - (want[j] as number))));
        expect(err / scale).toBeLessThan(1e-4);
      });
      tf.dispose([x, y]);
    },
  );
});
