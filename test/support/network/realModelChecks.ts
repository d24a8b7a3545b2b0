import * as tf from '@tensorflow/tfjs-core';
import { Rng } from '../../../src/core/util/rng';
import { buildFrozenNetwork, type FrozenNetworkOptions } from '../../../src/engine/network/buildFrozenNetwork';
import { type GradientAgreement, gradientAgreement, take } from './compare';

/** Seeded random inputs in [0, 1] (the value range of all the test models), backend-free. */
export function randomImages(shape: [number, number, number, number], seed: number): Float32Array {
  const rng = new Rng(seed);
  return Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => rng.next());
}

/**
 * The input gradient of L = Σ w ⊙ output on `backend`, with a network built there from the
 * artifacts (weights live on the backend that built them).
 */
export async function inputGradientOn(
  backend: string, artifacts: tf.io.ModelArtifacts, options: FrozenNetworkOptions, output: string,
  images: Float32Array, shape: [number, number, number, number],
): Promise<Float32Array> {
  await tf.setBackend(backend);
  const network = buildFrozenNetwork(artifacts, options);
  try {
    const outShape = network.tensors.find((t) => t.name === output)?.shape ?? [];
    const x = tf.tensor4d(images, shape);
    const w = tf.randomNormal([shape[0], ...outShape], 0, 1, 'float32', 99);
    const grad = tf.grad((input: tf.Tensor) => tf.sum(tf.mul(network.apply(input as tf.Tensor4D, [output])[0] as tf.Tensor, w)))(x);
    tf.dispose([x, w]);
    return await take(grad);
  } finally {
    network.dispose();
  }
}

/** wasm against cpu for the same network and input. */
export async function wasmAgainstCpu(
  artifacts: tf.io.ModelArtifacts, options: FrozenNetworkOptions, output: string, shape: [number, number, number, number],
): Promise<GradientAgreement> {
  const images = randomImages(shape, 3);
  const onCpu = await inputGradientOn('cpu', artifacts, options, output, images, shape);
  const onWasm = await inputGradientOn('wasm', artifacts, options, output, images, shape);
  return gradientAgreement(onWasm, onCpu, 1e-4);
}
