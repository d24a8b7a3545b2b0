import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_DESIGN } from '../../core/design/schema';
import type { VPDesign } from '../../core/design/design';
import { Rng } from '../../core/util/rng';
import { FullyMapping } from '../mapping/labelMapping';
import { buildFrozenNetwork } from '../network';
import { maskGeneratorShapes } from '../prompt/maskGenerator';
import type { FrozenNetwork } from '../network/types';
import { createOptimizer } from '../train/optimizer';
import { crossEntropy, type SourceModel, VisualPromptModel } from '../train/visualPromptModel';
import { smallNetwork } from '../../../test/support/parity/kerasJson';
import {
  type Difference, DifferenceLog, difference, joinPath, readExchange, removeDir, runPython, type Tensor, tempDir,
  torchUnavailable, withinTolerance, writeExchange, writeFile,
} from '../../../test/support/parity/support';

/**
 * LoR-VP's low-rank prompt and SMM's sample-specific masks against the PyTorch reference
 * (python/autovp/whole_input_prompts.py, written from ../shared/METHODS.md, in float64): the same
 * small network, batch and starting tensors; the model input, the loss and every gradient of one
 * training step (SMM's mask generator in train mode), one Adam and one SGD step, BN's running
 * statistics after the step and the eval-mode logits must agree to 1e-4 relative (to the largest
 * reference magnitude) or 1e-5 absolute.
 */

const REL = 1e-4;
const ABS = 1e-5;
const CANVAS = 32;
const BASE = 18;
const BATCH = 8;
const NUM_SOURCE = 10;
const NUM_TARGET = 4;
const IMAGENET = { mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] };
const OPTIMIZERS = [
  { name: 'adam', kind: 'adam' as const, lr: 0.01, momentum: 0 },
  { name: 'sgd', kind: 'sgd' as const, lr: 0.1, momentum: 0.9 },
];
const CASES = [
  { name: 'lowrank_r3', kind: 'lowrank' as const, rank: 3 },
  { name: 'smm', kind: 'smm' as const, rank: 4 },
];

const unavailable = torchUnavailable();

describe.skipIf(unavailable !== null)(
  `low-rank and SMM prompts against PyTorch${unavailable ? ` — SKIPPED: ${unavailable}` : ''}`,
  () => {
    const files = smallNetwork(2024);
    const rng = new Rng(31);
    const pixels = Uint8Array.from({ length: BATCH * BASE * BASE * 3 }, () => rng.int(256));
    const images = Float32Array.from(pixels, (p) => p / 255);
    const labels = Int32Array.from({ length: BATCH }, () => rng.int(NUM_TARGET));
    const weight = Float32Array.from({ length: NUM_SOURCE * NUM_TARGET }, () => 0.3 * rng.normal());
    const bias = Float32Array.from({ length: NUM_TARGET }, () => 0.1 * rng.normal());
    let network: FrozenNetwork;
    let dir = '';
    let reference: Record<string, Tensor> = {};
    const starts = new Map<string, Record<string, Float32Array>>();
    const log = new DifferenceLog();

    const source = (): SourceModel => ({
      network,
      input: { canvas: CANVAS, valueRange: [0, 1], ...IMAGENET },
      sourceOutput: 'logits',
      featureOutput: 'gap',
      numSource: NUM_SOURCE,
    });
    const design = (c: (typeof CASES)[number], opt = OPTIMIZERS[0]!): VPDesign => ({
      ...DEFAULT_DESIGN, baseSize: BASE, prompt: c.kind, promptRank: c.rank, labelMapping: 'fully',
      optimizer: opt.kind, learningRate: opt.lr, weightDecay: 0, momentum: opt.momentum, batchSize: BATCH, seed: 11,
    });

    /** A model at the case's starting tensors: the engine's own initialisation, with B and δ moved off zero. */
    function startModel(c: (typeof CASES)[number], opt = OPTIMIZERS[0]!): VisualPromptModel {
      const model = new VisualPromptModel(source(), design(c, opt), NUM_TARGET);
      const start = starts.get(c.name) as Record<string, Float32Array>;
      model.prompter.load(start.delta ?? new Float32Array(CANVAS * CANVAS * 3), undefined, start);
      (model.mapping as FullyMapping).load(weight, bias);
      return model;
    }

    /** Trainable tensors by the reference's names. */
    function named(model: VisualPromptModel): [string, tf.Variable][] {
      const prefix = `${model.prompter.variables()[0]!.name.split('/')[0]}/`;
      const own = model.prompter.variables().map((v): [string, tf.Variable] => [v.name.slice(prefix.length), v]);
      const mapping = model.mapping as FullyMapping;
      return [...own.map(([n, v]): [string, tf.Variable] => [n === 'prompt' ? 'delta' : n, v]), ['weight', mapping.weight], ['bias', mapping.bias]];
    }

    beforeAll(async () => {
      await tf.setBackend('cpu');
      network = buildFrozenNetwork(files.artifacts);
      const exchange: Record<string, Tensor> = {
        images: { data: images, shape: [BATCH, BASE, BASE, 3] },
        labels: { data: labels, shape: [BATCH] },
        weight: { data: weight, shape: [NUM_SOURCE, NUM_TARGET] },
        bias: { data: bias, shape: [NUM_TARGET] },
      };
      for (const c of CASES) {
        const model = new VisualPromptModel(source(), design(c), NUM_TARGET);
        const state = await model.prompter.state();
        model.dispose();
        const tensors = { ...state.tensors } as Record<string, Float32Array>;
        if (c.kind === 'lowrank') tensors.lowrank_b = Float32Array.from(tensors.lowrank_b!, () => 0.05 * rng.normal());
        else tensors.delta = Float32Array.from(state.delta, () => 0.5 * rng.normal());
        starts.set(c.name, tensors);
        const shapes: Record<string, number[]> = {
          ...maskGeneratorShapes(),
          lowrank_b: [3, CANVAS, c.rank], lowrank_a: [3, c.rank, CANVAS], delta: [CANVAS, CANVAS, 3],
        };
        for (const [n, data] of Object.entries(tensors)) exchange[`${c.name}/${n}`] = { data, shape: shapes[n] ?? [data.length] };
      }
      dir = tempDir('whole-input');
      const modelDir = joinPath(dir, 'model');
      writeFile(joinPath(modelDir, 'model.json'), JSON.stringify(files.modelJson));
      writeFile(joinPath(modelDir, files.shardName), files.shard);
      writeExchange(joinPath(dir, 'in'), exchange, {
        model_dir: modelDir, source_output: 'logits', canvas: CANVAS, num_source: NUM_SOURCE, num_target: NUM_TARGET,
        value_range: [0, 1], ...IMAGENET, dtype: 'float64', optimizers: OPTIMIZERS, cases: CASES,
      });
      runPython('parity_whole_input.py', [dir]);
      reference = readExchange(joinPath(dir, 'out')).tensors;
    });

    afterAll(() => {
      network?.dispose();
      if (dir) removeDir(dir);
      if (log.rows.length) console.log(log.format(`engine vs PyTorch (float64), low-rank and SMM prompts (tolerance ${REL} rel or ${ABS} abs)`));
    });

    function check(name: string, actual: ArrayLike<number>): Difference {
      const expected = reference[name];
      if (!expected) throw new Error(`the reference wrote no ${name}`);
      const d = log.add(difference(name, actual, expected.data));
      expect(withinTolerance(d, REL, ABS), `${name}: max|Δ| ${d.maxAbs} against max|ref| ${d.scale}`).toBe(true);
      return d;
    }

    for (const c of CASES) {
      it(`${c.name}: model input, loss, gradients, one Adam and one SGD step, BN statistics and eval logits agree`, async () => {
        const x = tf.tensor4d(images, [BATCH, BASE, BASE, 3]);
        const y = tf.tensor1d(labels, 'int32');
        try {
          // Training mode (batch statistics), on a model of its own: it moves BN's running statistics.
          const fresh = startModel(c);
          const input = fresh.prompter.modelInput(x, true);
          check(`${c.name}/model_input`, await input.data());
          input.dispose();
          fresh.dispose();
          for (const opt of OPTIMIZERS) {
            const model = startModel(c, opt);
            try {
              const variables = model.variables();
              const { value, grads } = tf.variableGrads(() => crossEntropy(model.logits(x, true), y), variables);
              if (opt === OPTIMIZERS[0]) {
                check(`${c.name}/loss`, await value.data());
                for (const [n, v] of named(model)) check(`${c.name}/grad/${n}`, await grads[v.name]!.data());
              }
              const optimizer = createOptimizer({ optimizer: opt.kind, momentum: opt.momentum, weightDecay: 0 });
              optimizer.step(variables, grads, opt.lr);
              optimizer.dispose();
              tf.dispose([value, grads]);
              for (const [n, v] of named(model)) {
                // Adam's first step is lr · g/(|g| + 1e-8): entries whose gradient is float noise
                // (|g| < 1e-6) move by ±lr on either side at random, so they are left out.
                const g = reference[`${c.name}/grad/${n}`]!.data;
                const keep = (i: number) => opt.kind !== 'adam' || Math.abs(g[i] as number) > 1e-6;
                const after = await v.data();
                const expected = reference[`${c.name}/${opt.name}/${n}`]!.data;
                const d = log.add(difference(`${c.name}/${opt.name}/${n}`, after.map((a, i) => (keep(i) ? a : 0)), expected.map((e, i) => (keep(i) ? e : 0))));
                expect(withinTolerance(d, REL, ABS), `${c.name}/${opt.name}/${n}: max|Δ| ${d.maxAbs}`).toBe(true);
              }
              if (opt === OPTIMIZERS[OPTIMIZERS.length - 1]) {
                if (c.kind === 'smm') {
                  const tensors = (await model.prompter.state()).tensors!;
                  for (const n of ['mask_bn1_mean', 'mask_bn1_variance', 'mask_bn4_mean', 'mask_bn4_variance'])
                    check(`${c.name}/after/${n}`, tensors[n]!);
                }
                const logits = model.logits(x);
                check(`${c.name}/eval_logits`, await logits.data());
                logits.dispose();
              }
            } finally {
              model.dispose();
            }
          }
        } finally {
          tf.dispose([x, y]);
        }
      });
    }
  },
);
