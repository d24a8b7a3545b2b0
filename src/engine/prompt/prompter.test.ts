import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_DESIGN } from '../../core/design/schema';
import type { VPDesign } from '../../core/design/design';
import { tinySource } from '../../../test/support/tinyNetwork';
import { crossEntropy, VisualPromptModel } from '../train/visualPromptModel';
import { Rng } from '../../core/util/rng';
import { placeFixed } from './geometry';
import { trainableResize } from './trainableResize';

const source = tinySource({ inputSize: 32, classes: 10, seed: 3 });
const net = source.network;
const design = (over: Partial<VPDesign>): VPDesign => ({ ...DEFAULT_DESIGN, baseSize: 16, inputScale: 1, ...over });

function randomBatch(n: number, side: number, seed: number): tf.Tensor4D {
  const rng = new Rng(seed);
  return tf.tensor4d(
    Float32Array.from({ length: n * side * side * 3 }, () => rng.next()),
    [n, side, side, 3],
  );
}

beforeAll(async () => {
  await tf.setBackend('cpu');
});
afterAll(() => net.dispose());

/** Loss of the model as a function of the current variables. */
function lossOf(model: VisualPromptModel, x: tf.Tensor4D, y: tf.Tensor1D): number {
  return tf.tidy(() => crossEntropy(model.logits(x), y).arraySync() as number);
}

function perturb(v: tf.Variable, flat: number, by: number): void {
  const values = v.dataSync().slice();
  values[flat] = (values[flat] as number) + by;
  tf.tidy(() => v.assign(tf.tensor(values, v.shape)));
}

describe('prompt gradient', () => {
  it('matches central finite differences in the frame and is zero over the image', () => {
    const model = new VisualPromptModel(source, design({ inputScale: 1, labelMapping: 'random', k: 1 }), 10);
    const x = randomBatch(4, 16, 11);
    const y = tf.tensor1d([0, 3, 7, 9], 'int32');
    // A non-zero prompt so the sigmoid is not at its symmetric point.
    tf.tidy(() => model.prompter.delta.assign(tf.mul(tf.reshape(randomBatch(1, 32, 5), [32, 32, 3]), 2)));
    const { grads } = tf.variableGrads(() => crossEntropy(model.logits(x), y), [model.prompter.delta]);
    const g = grads[model.prompter.delta.name]!.dataSync();
    const eps = 5e-3;
    // Frame pixels (the 16-px image sits at rows/cols 8..23) and image pixels.
    const frame = [
      [0, 0, 0],
      [3, 20, 1],
      [31, 31, 2],
      [10, 5, 0],
      [25, 12, 2],
    ];
    for (const [r, c, ch] of frame) {
      const flat = (r! * 32 + c!) * 3 + ch!;
      perturb(model.prompter.delta, flat, eps);
      const up = lossOf(model, x, y);
      perturb(model.prompter.delta, flat, -2 * eps);
      const down = lossOf(model, x, y);
      perturb(model.prompter.delta, flat, eps);
      const fd = (up - down) / (2 * eps);
      expect(Math.abs((g[flat] as number) - fd)).toBeLessThan(2e-4 + 0.02 * Math.abs(fd));
      expect(Math.abs(g[flat] as number)).toBeGreaterThan(0);
    }
    for (const [r, c] of [
      [8, 8],
      [15, 16],
      [23, 23],
    ]) {
      for (let ch = 0; ch < 3; ch++) expect(Math.abs(g[(r! * 32 + c!) * 3 + ch] as number)).toBe(0);
    }
    tf.dispose([x, y, grads]);
    model.dispose();
  });
});

describe('trainable resize', () => {
  it('at scale 1 reproduces plain centring on the canvas', () => {
    const x = randomBatch(2, 16, 1);
    const s = tf.scalar(1);
    const a = trainableResize(x, s, 32);
    const b = placeFixed(x, 16, 32);
    expect(tf.max(tf.abs(tf.sub(a, b))).arraySync()).toBeLessThan(1e-6);
    tf.dispose([x, s, a, b]);
  });

  it('at scale 2 shows the central half of the image at twice the size', () => {
    // A horizontal ramp: value = column index. Scaling about the centre keeps the centre value
    // and halves the slope seen per output pixel.
    const side = 16;
    const canvas = 16;
    const ramp = tf.tidy(() =>
      tf.tile(tf.reshape(tf.range(0, side, 1, 'float32'), [1, 1, side, 1]), [1, side, 1, 3]),
    ) as tf.Tensor4D;
    const s = tf.scalar(2);
    const out = trainableResize(ramp, s, canvas).arraySync()[0]!;
    const c = (canvas - 1) / 2;
    for (const col of [4, 7, 8, 11]) {
      expect(out[5]![col]![0]).toBeCloseTo(c + (col - c) / 2, 5);
    }
    tf.dispose([ramp, s]);
  });

  it('scale gradient matches finite differences', () => {
    const model = new VisualPromptModel(
      source,
      design({ trainableResize: true, inputScale: 1.3, labelMapping: 'fully' }),
      10,
    );
    const x = randomBatch(3, 16, 21);
    const y = tf.tensor1d([1, 2, 5], 'int32');
    const scale = model.prompter.scale!;
    const { grads } = tf.variableGrads(() => crossEntropy(model.logits(x), y), [scale]);
    const g = grads[scale.name]!.dataSync()[0] as number;
    // The mask is a step function of floor(16·s): stay inside one step (16·1.3 = 20.8).
    const eps = 1e-3;
    perturb(scale, 0, eps);
    const up = lossOf(model, x, y);
    perturb(scale, 0, -2 * eps);
    const down = lossOf(model, x, y);
    perturb(scale, 0, eps);
    const fd = (up - down) / (2 * eps);
    expect(Math.abs(g)).toBeGreaterThan(1e-4);
    expect(Math.abs(g - fd)).toBeLessThan(1e-3 + 0.03 * Math.abs(fd));
    tf.dispose([x, y, grads]);
    model.dispose();
  });

  it('keeps the learnt scale in [0.1, 5]', () => {
    const model = new VisualPromptModel(source, design({ trainableResize: true, inputScale: 1 }), 10);
    tf.tidy(() => model.prompter.scale!.assign(tf.scalar(9)));
    model.prompter.clampScale();
    expect(model.prompter.scale!.dataSync()[0]).toBe(5);
    tf.tidy(() => model.prompter.scale!.assign(tf.scalar(-1)));
    model.prompter.clampScale();
    expect(model.prompter.scale!.dataSync()[0]).toBeCloseTo(0.1);
    model.dispose();
  });
});
