import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_DESIGN } from '../../core/design/schema';
import type { VPDesign } from '../../core/design/design';
import { designProblems } from '../../core/design/validate';
import { Rng } from '../../core/util/rng';
import { buildFrozenNetwork } from '../network';
import type { FrozenNetwork } from '../network/types';
import { trainableParameters } from '../train/trainableParameters';
import { crossEntropy, type SourceModel, VisualPromptModel } from '../train/visualPromptModel';
import { smallNetwork } from '../../../test/support/parity/kerasJson';
import { buildPromptFile, type PromptModelInfo } from '../export/promptFile';
import { parsePromptFile } from '../export/promptFileReader';
import { modelFromPromptFile, snapshotModel } from '../export/loadPrompt';
import { conv3x3, MASK_PATCH_SIZE, maskGeneratorParameters, upsampleBlocks } from './maskGenerator';

/**
 * The two prompts that fill the model's whole input: LoR-VP's low-rank pattern and SMM's
 * sample-specific masks. Gradients are checked against central finite differences through a
 * frozen network built like the real ones (its custom input gradients included), in training
 * mode, so SMM's per-example input gradient path and its batch-statistics BN are what is tested.
 */

const CANVAS = 32;
const BATCH = 3;
const IMAGENET = { mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] };
let network: FrozenNetwork;

const source = (): SourceModel => ({
  network,
  input: { canvas: CANVAS, valueRange: [0, 1], ...IMAGENET },
  sourceOutput: 'logits',
  featureOutput: 'gap',
  numSource: 10,
});
const design = (over: Partial<VPDesign>): VPDesign => ({ ...DEFAULT_DESIGN, baseSize: 20, labelMapping: 'fully', seed: 5, ...over });

function batch(seed: number, side = 20): tf.Tensor4D {
  const rng = new Rng(seed);
  return tf.tensor4d(Float32Array.from({ length: BATCH * side * side * 3 }, () => rng.next()), [BATCH, side, side, 3]);
}

beforeAll(async () => {
  await tf.setBackend('cpu');
  network = buildFrozenNetwork(smallNetwork(2024).artifacts);
});
afterAll(() => network?.dispose());

function perturbed(v: tf.Variable, flat: number, by: number, f: () => number): number {
  const start = v.dataSync().slice();
  const moved = start.slice();
  moved[flat] = (moved[flat] as number) + by;
  tf.tidy(() => v.assign(tf.tensor(moved, v.shape)));
  const out = f();
  tf.tidy(() => v.assign(tf.tensor(start, v.shape)));
  return out;
}

/**
 * Compares autodiff with central differences at a few entries of every trainable variable. ReLU
 * and max-pool kinks within ±eps make the differences inexact (up to a few %); the exact check
 * is the PyTorch parity test (src/engine/parity/wholeInputPrompts.test.ts).
 */
function checkGradients(model: VisualPromptModel, x: tf.Tensor4D, y: tf.Tensor1D, training: boolean): number {
  const variables = model.variables();
  const loss = () => tf.tidy(() => crossEntropy(model.logits(x, training), y).dataSync()[0] as number);
  const { grads } = tf.variableGrads(() => crossEntropy(model.logits(x, training), y), variables);
  const rng = new Rng(9);
  const eps = 1e-3;
  let checked = 0;
  for (const v of variables) {
    const g = (grads[v.name] as tf.Tensor).dataSync();
    // The largest entries (where the check has signal) and a random one.
    const order = Array.from(g.keys()).sort((a, b) => Math.abs(g[b] as number) - Math.abs(g[a] as number));
    for (const flat of [order[0] as number, order[1] as number, rng.int(g.length)]) {
      const numeric = (perturbed(v, flat, eps, loss) - perturbed(v, flat, -eps, loss)) / (2 * eps);
      const analytic = g[flat] as number;
      expect(Math.abs(numeric - analytic), `${v.name}[${flat}]: finite difference ${numeric}, autodiff ${analytic}`).toBeLessThan(2e-3 + 0.1 * Math.abs(numeric));
      checked++;
    }
  }
  tf.dispose(grads);
  return checked;
}

describe('low-rank prompt (LoR-VP)', () => {
  it('trains 2·3·C·r values, starts at a zero pattern, and its gradients match finite differences', async () => {
    const model = new VisualPromptModel(source(), design({ prompt: 'lowrank', promptRank: 3 }), 4);
    const x = batch(1);
    const y = tf.tensor1d([0, 3, 1], 'int32');
    try {
      const lowRank = model.prompter.lowRank!;
      expect(model.trainableParameters().prompt).toBe(2 * 3 * CANVAS * 3);
      expect(model.prompter.variables().map((v) => v.size).reduce((a, b) => a + b)).toBe(2 * 3 * CANVAS * 3);
      const state = await model.prompter.state();
      expect(state.delta.every((v) => v === 0)).toBe(true);
      expect(state.mask.every((v) => v === 1)).toBe(true);
      expect(state.imageSize).toBe(CANVAS);
      const a = state.tensors!.lowrank_a!;
      const std = Math.sqrt(a.reduce((s, v) => s + v * v, 0) / a.length);
      expect(std).toBeGreaterThan(0.008);
      expect(std).toBeLessThan(0.012);
      // The image is resized to the whole canvas and the pattern added before normalisation.
      const placed = tf.image.resizeBilinear(x, [CANVAS, CANVAS], false, true);
      expect(tf.max(tf.abs(tf.sub(model.prompter.prompted(x), placed))).dataSync()[0]).toBeLessThan(1e-6);
      // Away from B = 0 (where dL/dA is exactly 0), both factors get gradients.
      tf.tidy(() => lowRank.b.assign(tf.mul(tf.randomNormal(lowRank.b.shape, 0, 1, 'float32', 3), 0.05)));
      expect(checkGradients(model, x, y, true)).toBeGreaterThan(0);
      // The pattern is B·A per channel, channels last.
      const [b, aa, p] = [await lowRank.b.array(), await lowRank.a.array(), await (model.prompter.pattern()).array()];
      let dot = 0;
      for (let k = 0; k < 3; k++) dot += (b[2]![5]![k] as number) * (aa[2]![k]![7] as number);
      expect(p[5]![7]![2]).toBeCloseTo(dot, 6);
    } finally {
      tf.dispose([x, y]);
      model.dispose();
    }
  });
});

describe('sample-specific multi-channel masks (SMM)', () => {
  it('its convolution\'s gradients (no Conv2DBackpropFilter) equal tfjs\'s own', () => {
    const [x, k, b, w] = [[2, 8, 8, 3], [3, 3, 3, 5], [5], [2, 8, 8, 5]].map((s, i) => tf.randomNormal(s, 0, 1, 'float32', 20 + i));
    const ours = tf.grads((xs, ks, bs) => tf.sum(tf.mul(conv3x3(xs as tf.Tensor4D, ks as tf.Tensor4D, bs as tf.Tensor1D), w!)))([x!, k!, b!]);
    const theirs = tf.grads((xs, ks, bs) => tf.sum(tf.mul(tf.add(tf.conv2d(xs as tf.Tensor4D, ks as tf.Tensor4D, 1, 'same'), bs!), w!)))([x!, k!, b!]);
    ours.forEach((g, i) => expect(tf.max(tf.abs(tf.sub(g, theirs[i]!))).dataSync()[0]).toBeLessThan(1e-4));
    tf.dispose([x!, k!, b!, w!, ...ours, ...theirs]);
  });

  it('has the paper\'s 26,499-parameter mask generator and δ over the whole canvas', () => {
    expect(maskGeneratorParameters()).toBe(26_499);
    const model = new VisualPromptModel(source(), design({ prompt: 'smm' }), 4);
    try {
      const count = model.prompter.variables().map((v) => v.size).reduce((a, b) => a + b);
      expect(count).toBe(26_499 + 3 * CANVAS * CANVAS);
      expect(model.trainableParameters().prompt).toBe(count);
    } finally {
      model.dispose();
    }
  });

  it('the upsampling\'s gradient is the sum over each 8×8 block (for batches of several channels)', () => {
    const m = tf.zeros([2, 4, 4, 3]);
    const w = tf.randomNormal([2, 32, 32, 3], 0, 1, 'float32', 1);
    const g = tf.grad((a) => tf.sum(tf.mul(upsampleBlocks(a as tf.Tensor4D, 8), w)))(m);
    const blockSums = tf.sum(tf.reshape(w, [2, 4, 8, 4, 8, 3]), [2, 4]);
    expect(tf.max(tf.abs(tf.sub(g, blockSums))).dataSync()[0]).toBeLessThan(1e-5);
    tf.dispose([m, w, g, blockSums]);
  });

  it('draws one low-resolution mask per image, copied over 8×8 blocks, different for different images', () => {
    const model = new VisualPromptModel(source(), design({ prompt: 'smm' }), 4);
    const x = batch(2);
    try {
      const generator = model.prompter.maskGenerator!;
      const [low, up] = tf.tidy(() => {
        const placed = tf.div(tf.sub(tf.image.resizeBilinear(x, [CANVAS, CANVAS], false, true), IMAGENET.mean), IMAGENET.std) as tf.Tensor4D;
        return [generator.lowResolution(placed, false).arraySync(), model.prompter.sampleMasks(x).arraySync()];
      });
      const p = CANVAS / MASK_PATCH_SIZE;
      expect([low.length, low[0]!.length, low[0]![0]!.length, low[0]![0]![0]!.length]).toEqual([BATCH, p, p, 3]);
      for (let b = 0; b < BATCH; b++)
        for (let h = 0; h < CANVAS; h++)
          for (let w = 0; w < CANVAS; w++)
            expect(up[b]![h]![w]).toEqual(low[b]![Math.floor(h / MASK_PATCH_SIZE)]![Math.floor(w / MASK_PATCH_SIZE)]);
      expect(low[0]).not.toEqual(low[1]);
    } finally {
      x.dispose();
      model.dispose();
    }
  });

  it('adds δ ⊙ mask after normalisation; gradients into δ and the mask generator match finite differences, in training and inference mode', () => {
    const model = new VisualPromptModel(source(), design({ prompt: 'smm' }), 4);
    const x = batch(3);
    const y = tf.tensor1d([2, 0, 3], 'int32');
    try {
      const delta = model.prompter.delta;
      tf.tidy(() => delta.assign(tf.randomNormal(delta.shape, 0, 0.5, 'float32', 4)));
      const expected = tf.tidy(() => {
        const placed = tf.div(tf.sub(tf.image.resizeBilinear(x, [CANVAS, CANVAS], false, true), IMAGENET.mean), IMAGENET.std);
        return tf.add(placed, tf.mul(delta, model.prompter.sampleMasks(x)));
      });
      const actual = model.prompter.modelInput(x);
      expect(tf.max(tf.abs(tf.sub(actual, expected))).dataSync()[0]).toBeLessThan(1e-5);
      tf.dispose([expected, actual]);
      expect(checkGradients(model, x, y, true)).toBe(3 * model.variables().length);
      expect(checkGradients(model, x, y, false)).toBe(3 * model.variables().length);
    } finally {
      tf.dispose([x, y]);
      model.dispose();
    }
  });

  it('updates BN running statistics as PyTorch does in training mode and uses them at inference', async () => {
    const model = new VisualPromptModel(source(), design({ prompt: 'smm' }), 4);
    const x = batch(4);
    try {
      const before = (await model.prompter.state()).tensors!;
      tf.tidy(() => model.logits(x, false));
      expect((await model.prompter.state()).tensors!.mask_bn1_mean).toEqual(before.mask_bn1_mean);
      // The batch statistics of conv1's output, by hand.
      const conv1 = tf.tidy(() => {
        const placed = tf.div(tf.sub(tf.image.resizeBilinear(x, [CANVAS, CANVAS], false, true), IMAGENET.mean), IMAGENET.std) as tf.Tensor4D;
        const k = tf.tensor4d(before.mask_conv1_kernel!, [3, 3, 3, 8]);
        return tf.add(tf.conv2d(placed, k, 1, 'same'), tf.tensor1d(before.mask_conv1_bias!));
      });
      const { mean, variance } = tf.moments(conv1, [0, 1, 2]);
      const n = BATCH * CANVAS * CANVAS;
      const [m, v] = [await mean.data(), await variance.data()];
      tf.dispose([conv1, mean, variance]);
      tf.tidy(() => model.logits(x, true));
      const after = (await model.prompter.state()).tensors!;
      after.mask_bn1_mean!.forEach((r, i) => expect(r).toBeCloseTo(0.1 * (m[i] as number), 5));
      after.mask_bn1_variance!.forEach((r, i) => expect(r).toBeCloseTo(0.9 + 0.1 * (v[i] as number) * (n / (n - 1)), 5));
    } finally {
      x.dispose();
      model.dispose();
    }
  });

  it('saves and loads δ with the mask generator (the same predictions after a round trip)', async () => {
    const trained = new VisualPromptModel(source(), design({ prompt: 'smm' }), 4);
    const fresh = new VisualPromptModel(source(), design({ prompt: 'smm', seed: 99 }), 4);
    const x = batch(5);
    try {
      tf.tidy(() => trained.prompter.delta.assign(tf.randomNormal(trained.prompter.delta.shape, 0, 0.5, 'float32', 6)));
      tf.tidy(() => trained.logits(x, true)); // moves the running statistics
      const state = await trained.prompter.state();
      fresh.prompter.load(state.delta, undefined, state.tensors);
      const [a, b] = tf.tidy(() => [trained.sourceLogits(x).dataSync(), fresh.sourceLogits(x).dataSync()]);
      expect(Array.from(b!)).toEqual(Array.from(a!));
      expect(() => fresh.prompter.load(state.delta)).toThrow(/learnt tensors/);
    } finally {
      x.dispose();
      trained.dispose();
      fresh.dispose();
    }
  });
});

describe('designs of the whole-input prompts', () => {
  it('refuse trainable resize, which does not apply to them', () => {
    expect(designProblems(design({ prompt: 'smm', trainableResize: true })).join()).toMatch(/trainable resize does not apply to the SMM prompt/);
    expect(designProblems(design({ prompt: 'lowrank', trainableResize: false }))).toEqual([]);
    expect(() => new VisualPromptModel(source(), design({ prompt: 'lowrank', trainableResize: true }), 4)).toThrow(/Trainable resize does not apply/);
  });

  it('count parameters as the prompts hold them', () => {
    const d = design({ prompt: 'lowrank', promptRank: 4 });
    expect(trainableParameters(d, 224, 1000, 10).prompt).toBe(5_376);
    expect(trainableParameters({ ...d, prompt: 'smm' }, 224, 1000, 10).prompt).toBe(150_528 + 26_499);
  });

  it('SMM refuses a canvas that is not a multiple of the patch size', () => {
    expect(() => new VisualPromptModel({ ...source(), input: { canvas: 30, valueRange: [0, 1] } }, design({ prompt: 'smm' }), 4)).toThrow(/multiple of 8/);
  });
});

describe('prompt files of the whole-input prompts', () => {
  const info: PromptModelInfo = {
    id: 'small', name: 'small', source: { kind: 'url', url: 'x' } as unknown as PromptModelInfo['source'], format: 'layers',
    inputSize: CANVAS, valueRange: [0, 1], normalization: { mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] },
    sourceOutput: 'logits', numSource: 10,
  };

  it.each(['lowrank', 'smm'] as const)('%s: written with its learnt tensors, read back, the same predictions', async (prompt) => {
    const d = design({ prompt, promptRank: 2 });
    const model = new VisualPromptModel(source(), d, 4);
    const x = batch(6);
    try {
      if (prompt === 'lowrank') tf.tidy(() => model.prompter.lowRank!.b.assign(tf.randomNormal(model.prompter.lowRank!.b.shape, 0, 0.1, 'float32', 7)));
      else tf.tidy(() => model.logits(x, true));
      const bytes = buildPromptFile({
        ...(await snapshotModel(model)()), design: d, model: info, targetClasses: ['a', 'b', 'c', 'd'],
        preprocessing: { baseSize: 20, resize: 'bilinear-half-pixel', fit: 'crop', alphaBackground: [255, 255, 255], workingSize: null, values: 'uint8/255', grayscale: 'repeat-to-rgb', dataset: null },
        metrics: { validation: null, test: null, epochs: [], steps: 0, final: true, stopped: false }, createdAt: new Date(0),
      });
      const file = parsePromptFile(bytes);
      expect(file.manifest.imageSize).toBe(CANVAS);
      expect(Object.keys(file.prompt.tensors ?? {}).length).toBe(prompt === 'lowrank' ? 2 : 5 * 2 + 4 * 4);
      const loaded = modelFromPromptFile(source(), file);
      const [a, b] = tf.tidy(() => [model.logits(x).dataSync(), loaded.logits(x).dataSync()]);
      expect(Array.from(b!)).toEqual(Array.from(a!));
      loaded.dispose();
    } finally {
      x.dispose();
      model.dispose();
    }
  });
});
