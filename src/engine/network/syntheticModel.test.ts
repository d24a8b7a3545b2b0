import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
// tfjs-layers is the reference implementation here (and registers tfjs's gradient functions).
import * as tfl from '@tensorflow/tfjs-layers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildFrozenNetwork } from './buildFrozenNetwork';
import { gradientAgreement, maxRelativeError, take } from '../../../test/support/network/compare';
import { artifactsOf, withActivation } from '../../../test/support/network/layersArtifacts';
import { syntheticLayersModel } from '../../../test/support/network/syntheticLayersModel';
import type { FrozenNetwork } from './types';

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
