import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_DESIGN } from '../../core/design/schema';
import { FullyMapping } from '../mapping/labelMapping';
import { buildFrozenNetwork } from '../network';
import type { FrozenNetwork } from '../network/types';
import { crossEntropy, VisualPromptModel } from '../train/visualPromptModel';
import { Rng } from '../../core/util/rng';
import { runTwins, topK } from '../../../test/support/parity/networkTwin';
import {
  DifferenceLog, difference, exists, joinPath, projectRoot, readBytes, readExchange, readJson, removeDir, runPython,
  sharedDir, type Tensor, tempDir, torchUnavailable, withinTolerance, writeExchange,
} from '../../../test/support/parity/support';

/**
 * Real pretrained models in the engine and in PyTorch (the same model.json rebuilt by
 * python/autovp/tfjs_to_torch.py), on real images: MNIST and Fashion-MNIST test digits and
 * garments, resized to 224×224 and repeated to three channels. The logits must agree to 1e-4
 * of their norm (or 1e-3 at most per logit) and rank the same top-5 classes.
 *
 * darknet-tiny (ImageNet-1k, float32 shards) lives in ../shared/models and nsfwjs MobileNetV2
 * (uint8-quantised shards) in public/generated (npm run prepare-assets); each is skipped with
 * a message when absent.
 */

const unavailable = torchUnavailable();
const DARKNET_DIR = joinPath(sharedDir(), 'models', 'darknet-tiny');
const NSFWJS_DIR = joinPath(projectRoot(), 'public', 'generated', 'models', 'nsfwjs-mobilenet-v2');
const DATASETS = joinPath(projectRoot(), 'public', 'generated', 'datasets');
const SIZE = 224;

function missing(dir: string, what: string): string | null {
  if (unavailable) return unavailable;
  if (!exists(joinPath(dir, 'model.json'))) return `${what} not found at ${dir}`;
  if (!exists(joinPath(DATASETS, 'mnist', 'test-images.u8'))) return `built-in datasets not found at ${DATASETS} (npm run prepare-assets)`;
  return null;
}

/** model.json + shards as the artifacts the app's loader hands the engine. */
function artifactsFrom(dir: string): tf.io.ModelArtifacts {
  const json = readJson<{ modelTopology: object; weightsManifest: tf.io.WeightsManifestConfig; format?: string }>(joinPath(dir, 'model.json'));
  return {
    modelTopology: json.modelTopology,
    format: json.format,
    weightSpecs: json.weightsManifest.flatMap((g) => g.weights),
    weightData: json.weightsManifest.flatMap((g) => g.paths).map((p) => {
      const b = readBytes(joinPath(dir, p));
      return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;
    }),
  };
}

/** The first test images of MNIST and Fashion-MNIST, size×size×3 in [0, 1] (bilinear, gray repeated). */
function realImages(perDataset: number, size = SIZE): { images: Float32Array; shape: [number, number, number, number]; names: string[] } {
  const names: string[] = [];
  const batches: tf.Tensor4D[] = [];
  for (const id of ['mnist', 'fashion-mnist']) {
    const meta = readJson<{ height: number; width: number; classes: string[] }>(joinPath(DATASETS, id, 'meta.json'));
    const pixels = readBytes(joinPath(DATASETS, id, 'test-images.u8'));
    const labels = readBytes(joinPath(DATASETS, id, 'test-labels.u8'));
    const n = meta.height * meta.width;
    const values = Float32Array.from(pixels.subarray(0, perDataset * n), (v) => v / 255);
    batches.push(tf.tensor4d(values, [perDataset, meta.height, meta.width, 1]));
    for (let i = 0; i < perDataset; i++) names.push(`${id} #${i} (${meta.classes[labels[i] as number]})`);
  }
  const x = tf.tidy(() => tf.tile(tf.image.resizeBilinear(tf.concat(batches), [size, size], false, true), [1, 1, 1, 3]));
  tf.dispose(batches);
  const images = x.dataSync() as Float32Array;
  x.dispose();
  return { images, shape: [names.length, size, size, 3], names };
}

interface ModelCase {
  title: string;
  dir: string;
  skip: string | null;
  logits: string;
  /** Test images per dataset (the cpu backend takes seconds per 224×224 image). */
  perDataset: number;
  /** Also run the whole prompting pipeline at full size (224 canvas, 128 base) in both. */
  pipeline?: boolean;
  /** Class names in the model's output order, for the log. */
  classes?: () => string[];
}

const MODELS: ModelCase[] = [
  {
    title: 'darknet-tiny (ImageNet-1k)',
    dir: DARKNET_DIR,
    skip: missing(DARKNET_DIR, 'darknet-tiny (../shared/models/darknet-tiny)'),
    logits: 'global_average_pooling2d_1',
    perDataset: 2,
    pipeline: true,
    classes: () => readJson<string[]>(joinPath(DARKNET_DIR, 'classes.json')),
  },
  {
    title: 'nsfwjs MobileNetV2 (uint8-quantised weights)',
    dir: NSFWJS_DIR,
    skip: missing(NSFWJS_DIR, 'the nsfwjs MobileNetV2 (npm run prepare-assets)'),
    logits: 'dense_3',
    perDataset: 1,
  },
];

for (const m of MODELS) {
  describe.skipIf(m.skip !== null)(`${m.title} against its PyTorch twin on real images${m.skip ? ` — SKIPPED: ${m.skip}` : ''}`, () => {
    const log = new DifferenceLog();
    let network: FrozenNetwork;

    beforeAll(async () => {
      await tf.setBackend('cpu');
      network = buildFrozenNetwork(artifactsFrom(m.dir));
    });

    afterAll(() => {
      network?.dispose();
      if (log.rows.length) console.log(log.format(`engine vs PyTorch, ${m.title}`));
    });

    it('gives the same logits and the same top-5 classes', async () => {
      const { images, shape, names } = realImages(m.perDataset);
      const run = await runTwins(network, m.dir, images, shape, { outputs: [m.logits] });
      const mine = run.engine[m.logits] as Float32Array;
      const theirs = run.torch[m.logits];
      if (!theirs) throw new Error('PyTorch returned no logits');
      const numClasses = mine.length / names.length;
      expect(theirs.shape).toEqual([names.length, numClasses]);
      const classes = m.classes?.();
      for (let i = 0; i < names.length; i++) {
        const a = mine.subarray(i * numClasses, (i + 1) * numClasses);
        const b = theirs.data.subarray(i * numClasses, (i + 1) * numClasses);
        const d = log.add(difference(`${names[i]}`, a, b));
        let diff2 = 0;
        let norm2 = 0;
        for (let j = 0; j < numClasses; j++) {
          diff2 += ((a[j] as number) - (b[j] as number)) ** 2;
          norm2 += (b[j] as number) ** 2;
        }
        const relNorm = Math.sqrt(diff2 / norm2);
        expect(relNorm <= 1e-4 || d.maxAbs < 1e-3, `${names[i]}: |Δ|/|ref| ${relNorm}, max|Δ| ${d.maxAbs}`).toBe(true);
        const top = Math.min(5, numClasses);
        const mineTop = topK(a, top);
        expect(mineTop, `${names[i]}: top-${top}`).toEqual(topK(b, top));
        if (classes) log.rows[log.rows.length - 1]!.name += ` → ${mineTop.slice(0, 2).map((c) => classes[c]).join(', ')}`;
      }
    });

    if (m.pipeline) it('gives the same prompted input, source logits, mapped logits and loss at full size (trainable resize s = 1.5)', async () => {
      const base = 128;
      const numTarget = 10;
      const { images, shape } = realImages(1, base);
      const batch = shape[0];
      const rng = new Rng(3);
      const delta = Float32Array.from({ length: SIZE * SIZE * 3 }, () => 1.5 * rng.normal());
      const weight = Float32Array.from({ length: 1000 * numTarget }, () => 0.05 * rng.normal());
      const bias = Float32Array.from({ length: numTarget }, () => 0.1 * rng.normal());
      const labels = Int32Array.from({ length: batch }, (_, i) => i % numTarget);
      const name = 'resize1.5_fully';
      const dir = tempDir('darknet-vp');
      let reference: Record<string, Tensor>;
      try {
        writeExchange(joinPath(dir, 'in'), {
          [`images_${base}`]: { data: images, shape },
          labels: { data: labels, shape: [batch] },
          delta: { data: delta, shape: [SIZE, SIZE, 3] },
          weight: { data: weight, shape: [1000, numTarget] },
          bias: { data: bias, shape: [numTarget] },
        }, {
          model_dir: m.dir, source_output: m.logits, canvas: SIZE, num_source: 1000, num_target: numTarget,
          gradients: false, dtype: 'float32', optimizers: [],
          cases: [{ name, base, input_scale: 1.5, trainable_resize: true, mapping: 'fully', k: 1, value_range: [0, 1], mean: null, std: null }],
        });
        runPython('parity_vp.py', [dir]);
        reference = readExchange(joinPath(dir, 'out')).tensors;
      } finally {
        removeDir(dir);
      }
      const source = { network, input: { canvas: SIZE, valueRange: [0, 1] as const }, sourceOutput: m.logits, featureOutput: m.logits, numSource: 1000 };
      const model = new VisualPromptModel(source, { ...DEFAULT_DESIGN, baseSize: base, inputScale: 1.5, trainableResize: true, labelMapping: 'fully' }, numTarget);
      const x = tf.tensor4d(images, shape);
      const y = tf.tensor1d(labels, 'int32');
      try {
        model.prompter.load(delta, 1.5);
        (model.mapping as FullyMapping).load(weight, bias);
        expect((await model.prompter.state()).imageSize).toBe(reference[`${name}/image_size`]?.data[0]);
        const sourceLogits = model.sourceLogits(x);
        const logits = model.mapping.apply(sourceLogits);
        const loss = crossEntropy(logits, y);
        const quantities: [string, tf.Tensor][] = [
          ['prompted', model.prompter.prompted(x)], ['source_logits', sourceLogits], ['logits', logits], ['loss', loss],
        ];
        for (const [q, t] of quantities) {
          const d = log.add(difference(`pipeline ${name}/${q}`, (await t.data()) as Float32Array, (reference[`${name}/${q}`] as Tensor).data));
          expect(withinTolerance(d, 1e-4, 1e-5), `${q}: max|Δ| ${d.maxAbs} against max|ref| ${d.scale}`).toBe(true);
        }
        tf.dispose(quantities.map(([, t]) => t));
      } finally {
        tf.dispose([x, y]);
        model.dispose();
      }
    });
  });
}
