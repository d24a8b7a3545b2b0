/**
 * The same frozen network, input and gradient on two backends, layer by layer: the forward
 * value of every tensor the network can return, and the input gradient of a fixed random linear
 * functional of it (what visual prompting backpropagates), compared. This is how WebGPU numbers
 * get checked where no GPU exists (SwiftShader) before a user's GPU meets them (e2e/faults.spec.ts),
 * and wasm against cpu in Node (backendParity.test.ts).
 */
import * as tf from '@tensorflow/tfjs-core';
import { Rng } from '../../core/util/rng';
import { buildFrozenNetwork } from '../network/buildFrozenNetwork';

interface LayerAgreement {
  /** The tensor's name (the layer's, or `<layer>/softmax`). */
  name: string;
  shape: number[];
  /** max |a − b| / max |b| of the forward values; null when a backend failed (see error). */
  forward: number | null;
  /** The same for the input gradient of Σ w ⊙ output. */
  gradient: number | null;
  error?: string;
}

export interface ParityReport {
  backends: [string, string];
  inputShape: number[];
  layers: LayerAgreement[];
}

const seeded = (n: number, seed: number, scale: number) => {
  const rng = new Rng(seed);
  return Float32Array.from({ length: n }, () => (rng.next() * 2 - 1) * scale);
};

function relativeError(a: Float32Array, b: Float32Array): number {
  let diff = 0;
  let magnitude = 0;
  for (let i = 0; i < b.length; i++) {
    diff = Math.max(diff, Math.abs(a[i]! - b[i]!));
    magnitude = Math.max(magnitude, Math.abs(b[i]!));
  }
  // Not a number anywhere (a broken kernel) must not pass as agreement.
  if (!Number.isFinite(diff) || a.some((v) => !Number.isFinite(v))) return Number.POSITIVE_INFINITY;
  return magnitude > 0 ? diff / magnitude : diff;
}

type Values = Map<string, { forward: Float32Array; gradient: Float32Array } | { error: string }>;

/** Forward and input gradient of every tensor of the network on `backend`. */
async function valuesOn(
  backend: string,
  artifacts: tf.io.ModelArtifacts,
  batch: number,
): Promise<{ values: Values; inputShape: number[]; shapes: Map<string, number[]> }> {
  if (!(await tf.setBackend(backend))) throw new Error(`The ${backend} backend did not start.`);
  const network = buildFrozenNetwork(artifacts);
  const values: Values = new Map();
  const shapes = new Map(network.tensors.map((t) => [t.name, [...t.shape]]));
  const inputShape = [batch, ...network.inputShape];
  const x = tf.tensor4d(seeded(tf.util.sizeFromShape(inputShape), 1, 1), inputShape as [number, number, number, number]);
  try {
    for (const [i, t] of network.tensors.entries()) {
      const outShape = [batch, ...t.shape];
      const w = tf.tensor(seeded(tf.util.sizeFromShape(outShape), 100 + i, 1), outShape);
      try {
        const forward = tf.tidy(() => network.apply(x, [t.name])[0] as tf.Tensor);
        const gradient = tf.tidy(() => tf.grad((input: tf.Tensor) => tf.sum(tf.mul(network.apply(input as tf.Tensor4D, [t.name])[0] as tf.Tensor, w)))(x));
        values.set(t.name, {
          forward: (await forward.data()) as Float32Array,
          gradient: (await gradient.data()) as Float32Array,
        });
        tf.dispose([forward, gradient]);
      } catch (e) {
        values.set(t.name, { error: e instanceof Error ? e.message : String(e) });
      } finally {
        w.dispose();
      }
    }
  } finally {
    x.dispose();
    network.dispose();
  }
  return { values, inputShape, shapes };
}

/**
 * Compares `backends[0]` against `backends[1]` (the reference) on the network of `artifacts`.
 * Leaves the backend that was current when called current again.
 */
export async function networkParity(artifacts: tf.io.ModelArtifacts, backends: [string, string], batch = 2): Promise<ParityReport> {
  const previous = tf.getBackend();
  try {
    const tested = await valuesOn(backends[0], artifacts, batch);
    const reference = await valuesOn(backends[1], artifacts, batch);
    const layers: LayerAgreement[] = [];
    for (const [name, a] of tested.values) {
      const b = reference.values.get(name);
      const shape = tested.shapes.get(name) ?? [];
      if (!b || 'error' in a || 'error' in b) {
        const error = [a, b].flatMap((v, k) => (v && 'error' in v ? [`${backends[k]}: ${v.error}`] : [])).join('; ') || 'missing';
        layers.push({ name, shape, forward: null, gradient: null, error });
        continue;
      }
      layers.push({ name, shape, forward: relativeError(a.forward, b.forward), gradient: relativeError(a.gradient, b.gradient) });
    }
    return { backends, inputShape: tested.inputShape, layers };
  } finally {
    if (previous && tf.getBackend() !== previous) await tf.setBackend(previous);
  }
}
