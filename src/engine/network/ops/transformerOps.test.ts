import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import '@tensorflow/tfjs-layers'; // registers tfjs's gradient functions
import { describe, expect, it } from 'vitest';
import { layerNormOp, quickGeluOp } from './transformerOps';

/** The same functions from plain ops: tfjs differentiates them itself. */
function plainLayerNorm(x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor, eps: number): tf.Tensor {
  const { mean, variance } = tf.moments(x, x.rank - 1, true);
  return tf.add(tf.mul(tf.div(tf.sub(x, mean), tf.sqrt(tf.add(variance, eps))), gamma), beta);
}
const plainQuickGelu = (x: tf.Tensor) => tf.mul(x, tf.sigmoid(tf.mul(x, 1.702)));

function maxDiff(a: tf.Tensor, b: tf.Tensor): number {
  return tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0] as number);
}

describe.each(['cpu', 'wasm'])('transformer ops with their own gradients (%s)', (backend) => {
  it('LayerNorm and quick_gelu: values and input gradients as tfjs derives them, and finite differences', async () => {
    await tf.setBackend(backend);
    tf.tidy(() => {
      const x = tf.randomNormal([2, 5, 16], 0.3, 2, 'float32', 3);
      const gamma = tf.randomNormal([16], 1, 0.2, 'float32', 4);
      const beta = tf.randomNormal([16], 0, 0.1, 'float32', 5);
      const weights = tf.randomNormal([2, 5, 16], 0, 1, 'float32', 6); // a loss that weighs every output differently
      const cases: [string, (x: tf.Tensor) => tf.Tensor, (x: tf.Tensor) => tf.Tensor][] = [
        ['layerNorm', layerNormOp(gamma, beta, 1e-5), (t) => plainLayerNorm(t, gamma, beta, 1e-5)],
        ['quickGelu', quickGeluOp, plainQuickGelu],
      ];
      for (const [name, op, plain] of cases) {
        const loss = (f: (x: tf.Tensor) => tf.Tensor) => (t: tf.Tensor) => tf.sum(tf.mul(f(t), weights));
        expect(maxDiff(op(x), plain(x)), `${name} value`).toBeLessThan(1e-5);
        const g = tf.grad(loss(op))(x);
        expect(maxDiff(g, tf.grad(loss(plain))(x)), `${name} gradient`).toBeLessThan(1e-4);
        // Central differences on a few coordinates (float32: h = 1e-2 on the op's own values).
        const xs = x.dataSync();
        for (const i of [0, 17, 63, 159]) {
          const at = (d: number) => {
            const shifted = Float32Array.from(xs);
            shifted[i] = (shifted[i] as number) + d;
            return loss(op)(tf.tensor(shifted, x.shape)).dataSync()[0] as number;
          };
          const numeric = (at(1e-2) - at(-1e-2)) / 2e-2;
          expect(g.dataSync()[i], `${name} d/dx[${i}]`).toBeCloseTo(numeric, 1);
        }
      }
    });
  });
});
