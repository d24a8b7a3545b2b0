import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_DESIGN } from '../../core/design/schema';
import type { VPDesign } from '../../core/design/design';
import type { ImageSet } from '../../core/data/imageSet';
import { countMatrix, freqAssignment } from '../mapping/assignments';
import { FullyMapping, IndexMapping } from '../mapping/labelMapping';
import { buildFrozenNetwork } from '../network';
import type { FrozenNetwork } from '../network/types';
import { Prompter } from '../prompt/prompter';
import { createOptimizer } from '../train/optimizer';
import { trainVisualPrompt } from '../train/trainer';
import { crossEntropy, type SourceModel, VisualPromptModel } from '../train/visualPromptModel';
import { Rng } from '../../core/util/rng';
import { smallNetwork } from '../../../test/support/parity/kerasJson';
import {
  type Difference, DifferenceLog, difference, joinPath, readExchange, removeDir, runPython, type Tensor, tempDir,
  torchUnavailable, withinTolerance, writeExchange, writeFile,
} from '../../../test/support/parity/support';

/**
 * Part 7 of "The whole AutoVP design space, proven against PyTorch": the same small network in
 * the engine and in PyTorch (python/autovp, rebuilt from the same model.json and weights), the
 * same batch, prompt and mapping; every quantity of a training step must agree to 1e-4 relative
 * (to the largest reference magnitude) or 1e-5 absolute.
 */

const REL = 1e-4;
const ABS = 1e-5;
const CANVAS = 32;
const BATCH = 8;
const NUM_SOURCE = 10;
const NUM_TARGET = 4;
const STEPS = 2;
const IMAGENET = { mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] };

interface Case {
  name: string;
  /** Side of the base images. */
  base: number;
  inputScale: number;
  trainableResize: boolean;
  mapping: 'fully' | 'freq' | 'iter';
  k: number;
  valueRange: [number, number];
  mean?: number[];
  std?: number[];
}

/**
 * Fixed scale 0.5 (downsampling 18 → 9) and 1.5 (upsampling 18 → 27); trainable resize at
 * s = 1.3 of a 15-px image (mask side floor(19.5) = 19). Every canvas − side is odd, so the
 * floor in the centring offset matters everywhere.
 */
const CASES: Case[] = [
  { name: 'fixed0.5_fully', base: 18, inputScale: 0.5, trainableResize: false, mapping: 'fully', k: 1, valueRange: [0, 1], ...IMAGENET },
  { name: 'fixed0.5_freq2', base: 18, inputScale: 0.5, trainableResize: false, mapping: 'freq', k: 2, valueRange: [0, 1], ...IMAGENET },
  { name: 'fixed1.5_fully', base: 18, inputScale: 1.5, trainableResize: false, mapping: 'fully', k: 1, valueRange: [-1, 1] },
  { name: 'resize1.3_fully', base: 15, inputScale: 1.3, trainableResize: true, mapping: 'fully', k: 1, valueRange: [-1, 1] },
  { name: 'resize1.3_iter2', base: 15, inputScale: 1.3, trainableResize: true, mapping: 'iter', k: 2, valueRange: [0, 1], ...IMAGENET },
];

const OPTIMIZERS = [
  { name: 'adam', kind: 'adam' as const, lr: 0.01, weight_decay: 1e-3, momentum: 0 },
  { name: 'sgd', kind: 'sgd' as const, lr: 0.1, weight_decay: 1e-3, momentum: 0.9 },
];

const unavailable = torchUnavailable();

describe.skipIf(unavailable !== null)(
  `visual-prompting pipeline against PyTorch${unavailable ? ` — SKIPPED: ${unavailable}` : ''}`,
  () => {
    const files = smallNetwork(2024);
    const rng = new Rng(77);
    const bases = [...new Set(CASES.map((c) => c.base))];
    // uint8 images, as the engine's data sets hold them: the trainer reads these, both sides the p/255 floats.
    const pixels = new Map(bases.map((b) => [b, Uint8Array.from({ length: BATCH * b * b * 3 }, () => rng.int(256))]));
    const images = new Map(bases.map((b) => [b, Float32Array.from(pixels.get(b) as Uint8Array, (p) => p / 255)]));
    const labels = Int32Array.from({ length: BATCH }, () => rng.int(NUM_TARGET));
    // A prompt far from 0 so that sigmoid(δ) is not at its symmetric point.
    const delta = Float32Array.from({ length: CANVAS * CANVAS * 3 }, () => 1.5 * rng.normal());
    const weight = Float32Array.from({ length: NUM_SOURCE * NUM_TARGET }, () => 0.3 * rng.normal());
    const bias = Float32Array.from({ length: NUM_TARGET }, () => 0.1 * rng.normal());

    let dir = '';
    let reference: Record<string, Tensor> = {};
    let network: FrozenNetwork;
    const log = new DifferenceLog();

    beforeAll(async () => {
      await tf.setBackend('cpu');
      dir = tempDir('vp');
      const modelDir = joinPath(dir, 'model');
      writeFile(joinPath(modelDir, 'model.json'), JSON.stringify(files.modelJson));
      writeFile(joinPath(modelDir, files.shardName), files.shard);
      writeExchange(joinPath(dir, 'in'), {
        ...Object.fromEntries(bases.map((b) => [`images_${b}`, { data: images.get(b) as Float32Array, shape: [BATCH, b, b, 3] }])),
        labels: { data: labels, shape: [BATCH] },
        delta: { data: delta, shape: [CANVAS, CANVAS, 3] },
        weight: { data: weight, shape: [NUM_SOURCE, NUM_TARGET] },
        bias: { data: bias, shape: [NUM_TARGET] },
      }, {
        model_dir: modelDir, source_output: 'logits', canvas: CANVAS, num_source: NUM_SOURCE,
        num_target: NUM_TARGET, steps: STEPS, dtype: 'float32', optimizers: OPTIMIZERS,
        cases: CASES.map((c) => ({
          name: c.name, base: c.base, input_scale: c.inputScale, trainable_resize: c.trainableResize, mapping: c.mapping, k: c.k,
          value_range: c.valueRange, mean: c.mean ?? null, std: c.std ?? null,
        })),
      });
      runPython('parity_vp.py', [dir]);
      reference = readExchange(joinPath(dir, 'out')).tensors;
      network = buildFrozenNetwork(files.artifacts);
    });

    afterAll(() => {
      network?.dispose();
      if (dir) removeDir(dir);
      if (log.rows.length) console.log(log.format(`engine vs PyTorch, small network (tolerance ${REL} rel or ${ABS} abs)`));
    });

    function check(name: string, actual: ArrayLike<number>, referenceName = name): Difference {
      const expected = reference[referenceName];
      if (!expected) throw new Error(`the reference wrote no ${referenceName}`);
      const d = log.add(difference(name, actual, expected.data));
      expect(withinTolerance(d, REL, ABS), `${name}: max|Δ| ${d.maxAbs} against max|ref| ${d.scale}`).toBe(true);
      return d;
    }

    /** Compares two arrays computed here (e.g. updates relative to the shared start). */
    function checkPair(name: string, actual: ArrayLike<number>, expected: ArrayLike<number>): Difference {
      const d = log.add(difference(name, actual, expected));
      expect(withinTolerance(d, REL, ABS), `${name}: max|Δ| ${d.maxAbs} against max|ref| ${d.scale}`).toBe(true);
      return d;
    }

    function startValue(name: string, c: Case): Float32Array {
      if (name === 'delta') return delta;
      if (name === 'scale') return Float32Array.of(c.inputScale);
      return name === 'weight' ? weight : bias;
    }

    function sourceModel(c: Case): SourceModel {
      return {
        network,
        input: { canvas: CANVAS, valueRange: c.valueRange, mean: c.mean, std: c.std },
        sourceOutput: 'logits',
        featureOutput: 'gap',
        numSource: NUM_SOURCE,
      };
    }

    function design(c: Case, opt = OPTIMIZERS[0] as (typeof OPTIMIZERS)[number]): VPDesign {
      return {
        ...DEFAULT_DESIGN, baseSize: c.base, inputScale: c.inputScale, trainableResize: c.trainableResize,
        prompt: 'pad', promptActivation: 'sigmoid', labelMapping: c.mapping, k: c.k, interval: 1,
        optimizer: opt.kind, learningRate: opt.lr, weightDecay: opt.weight_decay, momentum: opt.momentum,
        epochs: 1, batchSize: BATCH,
      };
    }

    /** Puts the shared starting values into the model's variables. */
    function reset(model: VisualPromptModel, c: Case): void {
      model.prompter.load(delta, c.inputScale);
      if (model.mapping instanceof FullyMapping) model.mapping.load(weight, bias);
    }

    /** Name of each trainable variable on the reference side. */
    function named(model: VisualPromptModel): [string, tf.Variable][] {
      const out: [string, tf.Variable][] = [['delta', model.prompter.delta]];
      if (model.prompter.scale) out.push(['scale', model.prompter.scale]);
      if (model.mapping instanceof FullyMapping) out.push(['weight', model.mapping.weight], ['bias', model.mapping.bias]);
      return out;
    }

    for (const c of CASES) {
      it(`${c.name}: prompted input, logits, loss, gradients and ${STEPS} steps of Adam and SGD agree`, async () => {
        const model = new VisualPromptModel(sourceModel(c), design(c), NUM_TARGET);
        const x = tf.tensor4d(images.get(c.base) as Float32Array, [BATCH, c.base, c.base, 3]);
        const y = tf.tensor1d(labels, 'int32');
        try {
          reset(model, c);
          const state = await model.prompter.state();
          expect(state.imageSize, 'side of the image on the canvas').toBe(reference[`${c.name}/image_size`]?.data[0]);

          check(`${c.name}/prompted`, await take(model.prompter.prompted(x)));
          const source = model.sourceLogits(x);
          check(`${c.name}/source_logits`, await source.data());
          if (model.mapping instanceof IndexMapping) {
            const top1 = tf.argMax(source, 1);
            const counts = countMatrix(await top1.data(), labels, NUM_SOURCE, NUM_TARGET);
            top1.dispose();
            const assignment = freqAssignment(counts, NUM_TARGET, c.k);
            expect(assignment.flat(), 'FreqMap assignment from the prompted model').toEqual(Array.from(reference[`${c.name}/assignment`]?.data ?? []));
            model.mapping.setAssignment(assignment);
          }
          source.dispose();
          check(`${c.name}/logits`, await take(model.logits(x)));

          const variables = model.variables();
          const { value, grads } = tf.variableGrads(() => crossEntropy(model.logits(x), y), variables);
          check(`${c.name}/loss`, await take(value));
          for (const [name, v] of named(model)) check(`${c.name}/grad/${name}`, await (grads[v.name] as tf.Tensor).data());
          tf.dispose(grads);

          for (const opt of OPTIMIZERS) {
            reset(model, c);
            const optimizer = createOptimizer({ optimizer: opt.kind, momentum: opt.momentum, weightDecay: opt.weight_decay });
            // Σ over steps of the squared gradient Adam normalises by, per element, and the elements
            // that have been ill-conditioned at some step (see below).
            const sumSquares = new Map<string, Float64Array>();
            const illConditioned = new Map<string, Uint8Array>();
            try {
              for (let step = 1; step <= STEPS; step++) {
                const prefix = `${c.name}/${opt.name}/step${step}`;
                const before = new Map<string, Float32Array>();
                for (const [name, v] of named(model)) before.set(name, (await v.data()) as Float32Array);
                const { value: loss, grads: g } = tf.variableGrads(() => crossEntropy(model.logits(x), y), variables);
                for (const [name, v] of named(model)) {
                  const grad = (await (g[v.name] as tf.Tensor).data()) as Float32Array;
                  check(`${prefix}/grad/${name}`, grad);
                  const p = before.get(name) as Float32Array;
                  const ss = sumSquares.get(name) ?? new Float64Array(grad.length);
                  grad.forEach((gi, i) => { ss[i] = (ss[i] as number) + (gi + opt.weight_decay * (p[i] as number)) ** 2; });
                  sumSquares.set(name, ss);
                }
                optimizer.step(variables, g, opt.lr);
                model.prompter.clampScale();
                tf.dispose(g);
                check(`${prefix}/loss`, await take(loss));
                for (const [name, v] of named(model)) {
                  const after = (await v.data()) as Float32Array;
                  check(`${prefix}/${name}`, after);
                  // The step itself, small next to the values it moves. Adam divides by the RMS
                  // of the gradient + 1e-8: where that RMS is itself within ~100·eps of zero (a
                  // loss gradient cancelling the weight-decay term), float noise in the gradient
                  // is amplified up to lr/eps-fold, so those few elements are left out here (they
                  // are still within the tolerance of the values checked above).
                  const start = startValue(name, c);
                  const expected = reference[`${prefix}/${name}`] as Tensor;
                  const ss = sumSquares.get(name) as Float64Array;
                  const marks = illConditioned.get(name) ?? new Uint8Array(after.length);
                  illConditioned.set(name, marks);
                  if (opt.kind === 'adam') ss.forEach((v, i) => { if (Math.sqrt(v / step) <= 1e-6) marks[i] = 1; });
                  const keep = (i: number) => marks[i] === 0;
                  const ill = marks.reduce((n, m) => n + m, 0);
                  expect(ill, `${prefix}/${name}: ill-conditioned Adam elements`).toBeLessThanOrEqual(Math.max(1, after.length / 200));
                  checkPair(`${prefix}/${name} (update${ill ? `, ${ill} ill-cond. left out` : ''})`,
                    after.map((a, i) => (keep(i) ? a - (start[i] as number) : 0)),
                    expected.data.map((e, i) => (keep(i) ? e - (start[i] as number) : 0)));
                }
              }
            } finally {
              optimizer.dispose();
            }
          }
        } finally {
          tf.dispose([x, y]);
          model.dispose();
        }
      });

      it(`${c.name}: one epoch of the engine's trainer on one batch ends where one PyTorch step does`, async () => {
        const set: ImageSet = { height: c.base, width: c.base, channels: 3, pixels: pixels.get(c.base) as Uint8Array, labels };
        const split = { set, indices: Int32Array.from({ length: BATCH }, (_, i) => i) };
        for (const opt of OPTIMIZERS) {
          const model = new VisualPromptModel(sourceModel(c), design(c, opt), NUM_TARGET);
          try {
            reset(model, c);
            let assignment: number[] = [];
            const result = await trainVisualPrompt(model, split, split, {
              onMapping: (_, state) => { if ('assignment' in state) assignment = state.assignment.flat(); },
            });
            expect(result.steps).toBe(1);
            if (c.mapping !== 'fully') expect(assignment, 'FreqMap assignment of the trainer').toEqual(Array.from(reference[`${c.name}/assignment`]?.data ?? []));
            for (const [name, v] of named(model)) check(`${c.name}/${opt.name}/step1/${name} (trainer)`, await v.data(), `${c.name}/${opt.name}/step1/${name}`);
          } finally {
            model.dispose();
          }
        }
      });
    }
  },
);

async function take(t: tf.Tensor): Promise<Float32Array> {
  const values = (await t.data()) as Float32Array;
  t.dispose();
  return values;
}

describe('the image side the prompter reports', () => {
  // The reported image side follows the mask, which uses the float32 product b · s (as the
  // reference's int(b · scale) on a float32 parameter): b = 20, s = float32(1.3) gives 26.
  it('equals the side of the hole in the mask (base 20, trainable resize s = 1.3)', async () => {
    await tf.setBackend('cpu');
    const prompter = new Prompter({ ...DEFAULT_DESIGN, baseSize: 20, inputScale: 1.3, trainableResize: true }, { canvas: CANVAS, valueRange: [0, 1] }, 'state-check');
    try {
      const state = await prompter.state();
      const hole = Math.sqrt(state.mask.reduce((n, v) => n + (v === 0 ? 1 : 0), 0));
      expect(hole, 'the mask follows float32(20 · 1.3) = 26, as the reference').toBe(26);
      expect(state.imageSize).toBe(hole);
    } finally {
      prompter.dispose();
    }
  });
});
