import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_DESIGN } from '../../core/design/schema';
import type { BayesianMappingKind } from '../../core/design/kinds';
import type { VPDesign } from '../../core/design/design';
import type { ImageSet } from '../../core/data/imageSet';
import { Rng } from '../../core/util/rng';
import { BayesianMapping } from '../mapping/bayesianMapping';
import { buildFrozenNetwork } from '../network';
import type { FrozenNetwork } from '../network/types';
import { trainVisualPrompt, updateFrequencyMapping } from '../train/trainer';
import { crossEntropy, type SourceModel, VisualPromptModel } from '../train/visualPromptModel';
import { smallNetwork } from '../../../test/support/parity/kerasJson';
import {
  DifferenceLog, difference, joinPath, readExchange, removeDir, runPython, type Tensor, tempDir, torchUnavailable,
  withinTolerance, writeExchange, writeFile,
} from '../../../test/support/parity/support';

/**
 * BLM and BLM+ against the PyTorch reference (python/autovp/blm.py, written from METHODS.md §1):
 * ω from identical logits (an ImageNet-sized case with BLM+'s k = 15), and on the small network
 * of the pipeline test, ω counted through the prompted model, one step's loss and prompt gradient
 * with it, and the prompt after the engine's trainer took one Adam step — all to 1e-4.
 */

const REL = 1e-4;
const ABS = 1e-5;
const CANVAS = 32;
const NUM_SOURCE = 10;
const N = 28;
const BASE = 18;
const LR = 0.01;
const IMAGENET = { mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] };

interface Case {
  name: string;
  kind: BayesianMappingKind;
  numTarget: number;
  inputScale: number;
  valueRange: [number, number];
  mean?: number[];
  std?: number[];
}

const CASES: Case[] = [
  { name: 'blm_T4', kind: 'blm', numTarget: 4, inputScale: 1.5, valueRange: [0, 1], ...IMAGENET },
  // 14 classes: BLM+ keeps the top k = 2 probabilities of each image.
  { name: 'blmplus_T14', kind: 'blmplus', numTarget: 14, inputScale: 1.2, valueRange: [-1, 1] },
];

interface Fixed {
  name: string;
  kind: BayesianMappingKind;
  numSource: number;
  numTarget: number;
  n: number;
}

const FIXED: Fixed[] = [
  { name: 'fixed_blm_S1000_T100', kind: 'blm', numSource: 1000, numTarget: 100, n: 1500 },
  { name: 'fixed_blmplus_S1000_T100', kind: 'blmplus', numSource: 1000, numTarget: 100, n: 1500 },
  { name: 'fixed_blmplus_S10_T3', kind: 'blmplus', numSource: 10, numTarget: 3, n: 40 },
];

const unavailable = torchUnavailable();

describe.skipIf(unavailable !== null)(`BLM / BLM+ against PyTorch${unavailable ? ` — SKIPPED: ${unavailable}` : ''}`, () => {
  // Seed 1: the network's top-1 varies over these images in both cases (checked below), so ω is not degenerate.
  const files = smallNetwork(1);
  const rng = new Rng(91);
  // Each image a random colour with noise, so the network's top-1 varies between images.
  const colours = Array.from({ length: N * 3 }, () => rng.next());
  const pixels = Uint8Array.from({ length: N * BASE * BASE * 3 }, (_, i) => {
    const colour = colours[Math.floor(i / (BASE * BASE * 3)) * 3 + (i % 3)] as number;
    return Math.max(0, Math.min(255, Math.round(255 * colour + 30 * rng.normal())));
  });
  const images = Float32Array.from(pixels, (p) => p / 255);
  const delta = Float32Array.from({ length: CANVAS * CANVAS * 3 }, () => 1.5 * rng.normal());
  const labelsOf = (c: { numTarget: number }, n: number) => Int32Array.from({ length: n }, (_, i) => i % c.numTarget);
  // Logits spread wide enough that no two top entries tie.
  const fixedLogits = new Map(FIXED.map((f) => [f.name, Float32Array.from({ length: f.n * f.numSource }, () => 3 * rng.normal())]));

  let dir = '';
  let reference: Record<string, Tensor> = {};
  let network: FrozenNetwork;
  const log = new DifferenceLog();

  beforeAll(async () => {
    await tf.setBackend('cpu');
    dir = tempDir('blm');
    const modelDir = joinPath(dir, 'model');
    writeFile(joinPath(modelDir, 'model.json'), JSON.stringify(files.modelJson));
    writeFile(joinPath(modelDir, files.shardName), files.shard);
    const tensors: Record<string, Tensor> = {
      images: { data: images, shape: [N, BASE, BASE, 3] },
      delta: { data: delta, shape: [CANVAS, CANVAS, 3] },
    };
    for (const c of CASES) tensors[`${c.name}/labels`] = { data: labelsOf(c, N), shape: [N] };
    for (const f of FIXED) {
      tensors[`${f.name}/logits`] = { data: fixedLogits.get(f.name) as Float32Array, shape: [f.n, f.numSource] };
      tensors[`${f.name}/labels`] = { data: labelsOf(f, f.n), shape: [f.n] };
    }
    writeExchange(joinPath(dir, 'in'), tensors, {
      model_dir: modelDir, source_output: 'logits', canvas: CANVAS, num_source: NUM_SOURCE, lr: LR,
      cases: CASES.map((c) => ({
        name: c.name, kind: c.kind, num_target: c.numTarget, base: BASE, input_scale: c.inputScale,
        value_range: c.valueRange, mean: c.mean ?? null, std: c.std ?? null,
      })),
      fixed: FIXED.map((f) => ({ name: f.name, kind: f.kind, num_source: f.numSource, num_target: f.numTarget })),
    });
    runPython('parity_blm.py', [dir]);
    reference = readExchange(joinPath(dir, 'out')).tensors;
    network = buildFrozenNetwork(files.artifacts);
  });

  afterAll(() => {
    network?.dispose();
    if (dir) removeDir(dir);
    if (log.rows.length) console.log(log.format(`BLM engine vs PyTorch (tolerance ${REL} rel or ${ABS} abs)`));
  });

  function check(name: string, actual: ArrayLike<number>, referenceName = name): void {
    const expected = reference[referenceName];
    if (!expected) throw new Error(`the reference wrote no ${referenceName}`);
    const d = log.add(difference(name, actual, expected.data));
    expect(withinTolerance(d, REL, ABS), `${name}: max|Δ| ${d.maxAbs} against max|ref| ${d.scale}`).toBe(true);
  }

  for (const f of FIXED) {
    it(`${f.name}: ω from the same logits`, async () => {
      const mapping = new BayesianMapping(f.kind, f.numSource, f.numTarget);
      const logits = tf.tensor2d(fixedLogits.get(f.name) as Float32Array, [f.n, f.numSource]);
      const labels = tf.tensor1d(labelsOf(f, f.n), 'int32');
      const counts = mapping.countBatch(logits, labels);
      mapping.setCounts(await counts.data());
      check(`${f.name}/omega`, mapping.omega);
      tf.dispose([logits, labels, counts]);
      mapping.dispose();
    });
  }

  const source = (c: Case): SourceModel => ({
    network,
    input: { canvas: CANVAS, valueRange: c.valueRange, mean: c.mean, std: c.std },
    sourceOutput: 'logits',
    featureOutput: 'gap',
    numSource: NUM_SOURCE,
  });
  const design = (c: Case): VPDesign => ({
    ...DEFAULT_DESIGN, baseSize: BASE, inputScale: c.inputScale, trainableResize: false, prompt: 'pad',
    promptActivation: 'sigmoid', labelMapping: c.kind, optimizer: 'adam', learningRate: LR, weightDecay: 0,
    schedule: 'constant', epochs: 1, batchSize: N,
  });
  const split = (c: Case) => {
    const set: ImageSet = { height: BASE, width: BASE, channels: 3, pixels, labels: labelsOf(c, N) };
    return { set, indices: Int32Array.from({ length: N }, (_, i) => i) };
  };

  for (const c of CASES) {
    it(`${c.name}: source logits, ω counted in batches, loss and prompt gradient agree`, async () => {
      const model = new VisualPromptModel(source(c), design(c), c.numTarget);
      const x = tf.tensor4d(images, [N, BASE, BASE, 3]);
      const y = tf.tensor1d(labelsOf(c, N), 'int32');
      try {
        model.prompter.load(delta, c.inputScale);
        const logits = model.sourceLogits(x);
        check(`${c.name}/source_logits`, await logits.data());
        const top1 = tf.argMax(logits, 1);
        expect(new Set(await top1.data()).size, 'distinct top-1 source labels').toBeGreaterThan(1);
        top1.dispose();
        logits.dispose();
        // Counted over batches of 8 (the last one short), as training counts it.
        await updateFrequencyMapping(model, split(c), 8);
        check(`${c.name}/omega`, (model.mapping as BayesianMapping).omega);
        const { value, grads } = tf.variableGrads(() => crossEntropy(model.logits(x), y), model.variables());
        expect(Object.keys(grads), 'only the prompt is trained').toEqual([model.prompter.delta.name]);
        check(`${c.name}/loss`, await value.data());
        check(`${c.name}/grad/delta`, await (grads[model.prompter.delta.name] as tf.Tensor).data());
        tf.dispose([value, grads]);
      } finally {
        tf.dispose([x, y]);
        model.dispose();
      }
    });

    it(`${c.name}: the trainer counts ω first and then takes the reference's Adam step`, async () => {
      const model = new VisualPromptModel(source(c), design(c), c.numTarget);
      try {
        model.prompter.load(delta, c.inputScale);
        let omega: Float32Array | null = null;
        const result = await trainVisualPrompt(model, split(c), split(c), {
          onMapping: (epoch, state) => {
            if (epoch === 0 && 'omega' in state) omega = state.omega;
          },
        });
        expect(result.steps).toBe(1);
        check(`${c.name}/omega (trainer)`, omega ?? [], `${c.name}/omega`);
        check(`${c.name}/adam/delta (trainer)`, await model.prompter.delta.data(), `${c.name}/adam/delta`);
      } finally {
        model.dispose();
      }
    });
  }
});
