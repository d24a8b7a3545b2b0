import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
// tfjs-layers is the reference implementation here (and registers tfjs's gradient functions).
import * as tfl from '@tensorflow/tfjs-layers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildFrozenNetwork } from './buildFrozenNetwork';
import { gradientAgreement, maxRelativeError, take } from '../../../test/support/network/compare';
import { artifactsOf, withActivation } from '../../../test/support/network/layersArtifacts';
import type { FrozenNetwork } from './types';

/**
 * A small Keras model through every layer type the executor supports: convolutions with
 * strides 1 and 2 and same/valid padding, depthwise convolutions with multipliers 1 and 2,
 * batch norms, every activation, overlapping and tiled max/average pools (same and valid,
 * padded and with a remainder), add, multiply, concatenate, reshape, flatten, dense. Its last
 * layer, "logits", is a Dense with softmax.
 */
function syntheticLayersModel(): tfl.LayersModel {
  const L = tfl.layers;
  const input = tfl.input({ shape: [15, 15, 3] });
  const apply = (layer: tfl.layers.Layer, x: tfl.SymbolicTensor | tfl.SymbolicTensor[]): tfl.SymbolicTensor =>
    layer.apply(x) as tfl.SymbolicTensor;

  const padded = apply(L.zeroPadding2d({ padding: [[1, 0], [0, 1]] }), input); // 16×16×3
  const c1 = apply(L.conv2d({ filters: 8, kernelSize: 3, padding: 'same', activation: 'relu' }), padded);
  const c2 = apply(L.leakyReLU({ alpha: 0.2 }), apply(L.batchNormalization(),
    apply(L.conv2d({ filters: 8, kernelSize: 3, strides: 2, padding: 'valid', useBias: false }), c1))); // 7×7×8
  const c3 = apply(L.reLU({ maxValue: 6 }), apply(L.batchNormalization(),
    apply(L.conv2d({ filters: 8, kernelSize: 3, strides: 2, padding: 'same' }), c1))); // 8×8×8
  const p1 = apply(L.maxPooling2d({ poolSize: 3, strides: 2, padding: 'same' }), c1); // 8×8×8
  // tfjs's own AvgPoolGrad divides by the full window even where 'same' padding cuts it short,
  // so the autodiff reference could not check a padded average pool: that case is in ops.test.ts.
  const p2 = apply(L.averagePooling2d({ poolSize: 2, strides: 2, padding: 'same' }), c1); // 8×8×8
  // zero pad → conv → batch norm → leaky ReLU → max pool, all fused into one op (darknet's pattern).
  const padded2 = apply(L.zeroPadding2d({ padding: [[1, 2], [2, 1]] }), input); // 18×18×3
  const c4 = apply(L.maxPooling2d({ poolSize: 2, strides: 2, padding: 'same' }), apply(L.leakyReLU({ alpha: 0.1 }),
    apply(L.batchNormalization(), apply(L.conv2d({ filters: 4, kernelSize: 3, padding: 'valid', useBias: false }), padded2)))); // 8×8×4
  const cat1 = apply(L.concatenate(), [c3, p1, p2, c4]); // 8×8×28
  const d1 = apply(L.depthwiseConv2d({ kernelSize: 3, depthMultiplier: 2, strides: 2, padding: 'same', activation: 'relu6' }), cat1); // 4×4×56
  const d2 = apply(L.activation({ activation: 'elu' }),
    apply(L.depthwiseConv2d({ kernelSize: 3, padding: 'valid' }), c2)); // 5×5×8
  const p3 = apply(L.maxPooling2d({ poolSize: 2, strides: 2, padding: 'same' }), d2); // 3×3×8, padded tiles
  const p4 = apply(L.maxPooling2d({ poolSize: 2, strides: 2, padding: 'valid' }), c2); // 3×3×8, remainder row
  const p5 = apply(L.averagePooling2d({ poolSize: 2, strides: 1, padding: 'valid' }), p3); // 2×2×8
  const p6 = apply(L.maxPooling2d({ poolSize: 2, strides: 1, padding: 'valid' }), p4); // 2×2×8, overlapping
  const sum = apply(L.add(), [p5, p6]);
  const product = apply(L.batchNormalization(), apply(L.multiply(), [p5, p6]));
  const e1 = apply(L.softmax({ axis: -1 }), apply(L.conv2d({ filters: 8, kernelSize: 1, activation: 'tanh' }), sum));
  const e2 = apply(L.activation({ activation: 'swish' }), product);
  const f1 = apply(L.averagePooling2d({ poolSize: 2, strides: 2, padding: 'valid' }),
    apply(L.conv2d({ filters: 16, kernelSize: 3, padding: 'same', activation: 'sigmoid' }), d1)); // 2×2×16
  const cat2 = apply(L.concatenate(), [e1, e2, f1]); // 2×2×32
  const pooled = apply(L.globalAveragePooling2d({}), d1); // 56
  const features = apply(L.concatenate(), [pooled, apply(L.flatten(), cat2)]); // 184
  const hidden = apply(L.dropout({ rate: 0.5 }), apply(L.dense({ units: 16, activation: 'elu' }), features));
  const reshaped = apply(L.flatten(), apply(L.reshape({ targetShape: [4, 4] }), apply(L.activation({ activation: 'linear' }), hidden)));
  const logits = apply(L.dense({ units: 6, activation: 'softmax', name: 'logits' }), reshaped);
  const model = tfl.model({ inputs: input, outputs: logits });
  randomizeWeights(model);
  return model;
}

/** Random weights, with positive batch-norm variances, so batch norms do real work. */
function randomizeWeights(model: tfl.LayersModel): void {
  let seed = 1;
  model.setWeights(model.weights.map((w) => {
    const shape = w.shape as number[];
    return w.originalName.endsWith('moving_variance')
      ? tf.randomUniform(shape, 0.5, 1.5, 'float32', seed++)
      : tf.randomNormal(shape, 0, 0.4, 'float32', seed++);
  }));
}


/** L(x) = Σ w ⊙ f(x): a random linear functional of the network's output. */
function functional(f: (x: tf.Tensor4D) => tf.Tensor, w: tf.Tensor): (x: tf.Tensor) => tf.Scalar {
  return (x) => tf.sum(tf.mul(f(x as tf.Tensor4D), w));
}

describe('a synthetic layers model with every supported layer type', () => {
  let artifacts: tf.io.ModelArtifacts;
  let reference: tfl.LayersModel;
  let network: FrozenNetwork;
  let x: tf.Tensor4D;
  let w: tf.Tensor;
  const logits = (input: tf.Tensor4D): tf.Tensor => network.apply(input, ['logits'])[0] as tf.Tensor;

  beforeAll(async () => {
    await tf.setBackend('cpu');
    const model = syntheticLayersModel();
    artifacts = await artifactsOf(model);
    model.dispose();
    // Same weights, softmax removed: what the executor calls "logits".
    reference = await tfl.loadLayersModel(tf.io.fromMemory(withActivation(artifacts, 'logits', 'linear')));
    network = buildFrozenNetwork(artifacts);
    x = tf.randomUniform([2, 15, 15, 3], -1, 1, 'float32', 7) as tf.Tensor4D;
    w = tf.randomNormal([2, 6], 0, 1, 'float32', 8);
  });

  afterAll(() => {
    network.dispose();
    reference.dispose();
    tf.dispose([x, w]);
  });

  it('lists every layer output with its shape, the softmax Dense as pre-softmax logits', () => {
    const byName = new Map(network.tensors.map((t) => [t.name, t.shape]));
    expect(byName.get('logits')).toEqual([6]);
    expect(byName.get('logits/softmax')).toEqual([6]);
    expect(network.inputShape).toEqual([15, 15, 3]);
    expect(network.tensors.length).toBe(43);
  });

  it('computes the same logits as tfjs-layers', async () => {
    const mine = await take(logits(x));
    const theirs = await take(reference.predict(x) as tf.Tensor);
    expect(maxRelativeError(mine, theirs)).toBeLessThan(1e-4);
  });

  it('returns softmax probabilities under "<layer>/softmax"', async () => {
    const [probabilities, raw] = network.apply(x, ['logits/softmax', 'logits']);
    const expected = await take(tf.softmax(raw as tf.Tensor));
    expect(maxRelativeError(await take(probabilities as tf.Tensor), expected)).toBeLessThan(1e-6);
    (raw as tf.Tensor).dispose();
  });

  it('gives the input gradient of tfjs autodiff through the same layers (cpu)', async () => {
    const mine = await take(tf.grad(functional(logits, w))(x));
    const theirs = await take(tf.grad(functional((input) => reference.apply(input) as tf.Tensor, w))(x));
    expect(maxRelativeError(mine, theirs)).toBeLessThan(1e-4);
  });

  it('matches central finite differences', async () => {
    const grad = await take(tf.grad(functional(logits, w))(x));
    const base = await take(tf.clone(x));
    const loss = functional(logits, w);
    const eps = 1e-3;
    const scale = Math.max(...grad.map(Math.abs));
    for (const index of [0, 97, 311, 640, 1000, 1349]) {
      const at = (delta: number): number => {
        const shifted = base.slice();
        shifted[index] = (shifted[index] as number) + delta;
        return tf.tidy(() => loss(tf.tensor4d(shifted, x.shape)).dataSync()[0] as number);
      };
      const finite = (at(eps) - at(-eps)) / (2 * eps);
      expect(Math.abs(finite - (grad[index] as number))).toBeLessThan(2e-3 * scale);
    }
  });

  it('gives the same gradient on wasm as on cpu', async () => {
    const onCpu = await take(tf.grad(functional(logits, w))(x));
    await tf.setBackend('wasm');
    const wasmNetwork = buildFrozenNetwork(artifacts);
    try {
      const [xs, ws] = [tf.tensor4d(await x.data(), x.shape), tf.tensor(await w.data(), w.shape)];
      const onWasm = await take(tf.grad(functional((input) => wasmNetwork.apply(input, ['logits'])[0] as tf.Tensor, ws))(xs));
      tf.dispose([xs, ws]);
      expect(gradientAgreement(onWasm, onCpu, 1e-4).maxRelative).toBeLessThan(1e-4);
    } finally {
      wasmNetwork.dispose();
      await tf.setBackend('cpu');
    }
  });

  it('leaves no tensor behind after forward + backward, and frees everything on dispose (even if built in a tidy)', async () => {
    const step = (): void => {
      const { value, grad } = tf.valueAndGrad(functional(logits, w))(x);
      tf.dispose([value, grad]);
    };
    step(); // the first call derives folded weights and backward kernels, kept until dispose
    const before = tf.memory().numTensors;
    step();
    expect(tf.memory().numTensors).toBe(before);

    const start = tf.memory().numTensors;
    let extra: FrozenNetwork | undefined;
    tf.tidy(() => {
      extra = buildFrozenNetwork(artifacts); // built inside a tidy, used after it
    });
    const built = extra as FrozenNetwork;
    tf.grad(functional((input) => built.apply(input, ['logits'])[0] as tf.Tensor, w))(x).dispose();
    built.dispose();

    expect(tf.memory().numTensors).toBe(start);
  });
});
