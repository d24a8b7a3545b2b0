import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MODELS } from '../../../models';
import { DEFAULT_DESIGN } from '../../core/design/schema';
import { loadBuiltinDataset } from '../../core/data/builtinDataset';
import type { Dataset } from '../../core/data/imageSet';
import { trainVisualPrompt } from '../train/trainer';
import { VisualPromptModel } from '../train/visualPromptModel';
import { sourceClassCount } from './classNames';
import { loadModelArtifacts } from './loadArtifacts';
import type { ModelManifest } from './manifest';
import { SourceModelHolder } from './modelHolder';
import { createSourceModel } from './sourceModel';
import { fileFetch, folderUrl, projectRoot } from '../../../test/support/nodeFetch';

const PUBLIC = join(projectRoot(), 'public');
const bundled = MODELS.filter((m) => m.weights.kind === 'bundled');
const urlOf = (m: ModelManifest) => (m.weights.kind === 'bundled' ? folderUrl(PUBLIC) + m.weights.path : '');
const load = (m: ModelManifest) => loadModelArtifacts(urlOf(m), fileFetch());

let mnist: Dataset;

beforeAll(async () => {
  await tf.setBackend('wasm');
  mnist = await loadBuiltinDataset('mnist', async (p) => {
    const b = readFileSync(join(PUBLIC, p));
    return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;
  });
});

describe('bundled model manifests', () => {
  it('lists darknet-tiny first (the default) and the three nsfwjs models, each with generated weights on disk', () => {
    expect(MODELS[0]?.id).toBe('darknet-tiny');
    expect(bundled.map((m) => m.id)).toEqual(['darknet-tiny', 'nsfwjs-mobilenet-v2', 'nsfwjs-mobilenet-v2-mid', 'nsfwjs-inception-v3']);
    for (const m of bundled) expect(existsSync(join(PUBLIC, (m.weights as { path: string }).path))).toBe(true);
    // Where each comes from: an npm package, or a folder committed to this repository.
    for (const m of bundled) {
      const w = m.weights as { package?: string; folder?: string };
      expect(Boolean(w.package) !== Boolean(w.folder), m.id).toBe(true);
    }
  });

  it('serves darknet-tiny from the committed copy in models/darknet-tiny, with its licence and class names', () => {
    const committed = join(projectRoot(), 'models', 'darknet-tiny');
    const served = join(PUBLIC, 'generated', 'models', 'darknet-tiny');
    const json = JSON.parse(readFileSync(join(committed, 'model.json'), 'utf8')) as { weightsManifest: { paths: string[] }[] };
    const files = ['model.json', 'classes.json', 'LICENSE', ...json.weightsManifest.flatMap((g) => g.paths)];
    expect(files).toHaveLength(3 + 31);
    for (const f of files) expect(readFileSync(join(served, f)).equals(readFileSync(join(committed, f))), f).toBe(true);
    expect(readFileSync(join(committed, 'LICENSE'), 'utf8')).toMatch(/^MIT License\n\nCopyright \(c\) 2018 ml5\n/);
    const names = JSON.parse(readFileSync(join(served, 'classes.json'), 'utf8')) as string[];
    expect(names).toHaveLength(1000);
    expect(names.slice(0, 3)).toEqual(['kit fox', 'English setter', 'Siberian husky']);
    const manifest = MODELS[0] as ModelManifest;
    expect(manifest.sourceClasses).toEqual({ url: 'generated/models/darknet-tiny/classes.json', count: 1000, format: 'json' });
    expect(manifest.weights).toMatchObject({ kind: 'bundled', folder: 'models/darknet-tiny', url: expect.stringMatching(/^https:\/\/cdn\.jsdelivr\.net\/gh\/ml5js\/ml5-data-and-models@/) });
    // The committed copy is the one in ../shared, where there is one.
    const shared = join(projectRoot(), '..', 'shared', 'models', 'darknet-tiny');
    if (existsSync(join(shared, 'model.json'))) {
      for (const f of files.filter((x) => x !== 'LICENSE')) expect(readFileSync(join(shared, f)).equals(readFileSync(join(committed, f))), f).toBe(true);
    }
  });

  it('every manifest is complete and says where its weights and class names come from', () => {
    const ids = new Set<string>();
    for (const m of MODELS) {
      expect(ids.has(m.id)).toBe(false);
      ids.add(m.id);
      expect(m.summary.length).toBeGreaterThan(40);
      expect(m.license).not.toBe('');
      expect([224, 256, 299]).toContain(m.inputSize);
      expect(m.valueRange).toEqual([0, 1]);
      if (m.format === 'clip') {
        // A text-image model: its source classes are the user's class names, its weights a hub checkpoint.
        expect(m.trainedOn).toMatch(/image–text pairs/);
        expect(m.textImage).toBe(true);
        expect(m.sourceClasses).toEqual([]);
        expect(m.weights.kind === 'hub' && m.weights.url).toMatch(/^https:\/\/huggingface\.co\/[^/]+\/[^/]+\/resolve\/main\/model\.safetensors$/);
        continue;
      }
      expect(m.trainedOn).toMatch(/ImageNet/);
      expect(sourceClassCount(m)).toBeGreaterThanOrEqual(5);
      if (m.weights.kind === 'hub') expect(m.weights.url).toMatch(/^https:\/\/.*model\.json/);
      if (!Array.isArray(m.sourceClasses)) expect(m.sourceClasses.url).toMatch(/^(https:\/\/|generated\/classes\/|generated\/models\/)/);
      // Notes on linear probing describe the pooled features the baseline uses.
      if (m.notes?.includes('linear probing')) expect(m.notes).not.toMatch(/flattened/);
    }
  });

  it('ships ImageNet class names in torchvision order, with "background" first for the 1001-output MobileNets', () => {
    const names = JSON.parse(readFileSync(join(PUBLIC, 'generated/classes/imagenet-1001.json'), 'utf8')) as string[];
    expect(names).toHaveLength(1001);
    expect(names.slice(0, 3)).toEqual(['background', 'tench, Tinca tinca', 'goldfish, Carassius auratus']);
    expect(names[1000]).toBe('toilet tissue, toilet paper, bathroom tissue');
  });
});

describe.each(bundled.map((m) => [m.id, m] as const))('%s, offline from the generated files', (_id, manifest) => {
  it('loads, names its tensors as the manifest says, and trains one step on MNIST', async () => {
    const artifacts = await load(manifest);
    const before = tf.memory().numTensors;
    const source = createSourceModel(manifest, artifacts);
    expect(source.numSource).toBe(sourceClassCount(manifest));
    expect(source.network.inputShape).toEqual([manifest.inputSize, manifest.inputSize, 3]);
    const batch = manifest.inputSize > 224 ? 1 : 2;
    const design = { ...DEFAULT_DESIGN, labelMapping: 'fully' as const, epochs: 1, batchSize: batch, learningRate: 0.05, schedule: 'constant' as const };
    const model = new VisualPromptModel(source, design, 10);
    const prompt = model.prompter.variables()[0] as tf.Variable;
    const initial = await prompt.data();
    const train = { set: mnist.train, indices: Int32Array.from({ length: batch }, (_, i) => i) };
    const val = { set: mnist.train, indices: Int32Array.from([100]) };
    const result = await trainVisualPrompt(model, train, val);
    expect(result.steps).toBe(1);
    expect(Number.isFinite(result.epochs[0]?.trainLoss)).toBe(true);
    const after = await prompt.data();
    let changed = 0;
    for (let i = 0; i < after.length; i++) if (after[i] !== initial[i]) changed++;
    expect(changed).toBeGreaterThan(after.length / 10);
    model.dispose();
    source.network.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('switching models', () => {
  const holder = new SourceModelHolder();
  afterAll(() => holder.release());

  it('frees the old model: the tensor count returns to its baseline after A, then B, then release', async () => {
    const [a, b] = bundled as [ModelManifest, ModelManifest];
    const baseline = tf.memory().numTensors;
    const sourceA = await holder.get(a.id, () => load(a), (x) => createSourceModel(a, x));
    const withA = tf.memory().numTensors;
    expect(withA).toBeGreaterThan(baseline);
    expect(await holder.get(a.id, () => Promise.reject(new Error('not again')), () => sourceA)).toBe(sourceA);
    await holder.get(b.id, () => load(b), (x) => createSourceModel(b, x));
    expect(holder.loadedId).toBe(b.id);
    expect(tf.memory().numTensors).toBeLessThan(withA + 1000);
    const x = tf.zeros([1, 224, 224, 3]) as tf.Tensor4D;
    expect(() => sourceA.network.apply(x, [a.sourceOutput])).toThrow(/disposed/);
    x.dispose();
    holder.release();
    expect(holder.loadedId).toBeNull();
    expect(tf.memory().numTensors).toBe(baseline);
  });

  it('frees the old model even when the new one fails to build', async () => {
    const [a] = bundled as [ModelManifest];
    const baseline = tf.memory().numTensors;
    await holder.get(a.id, () => load(a), (x) => createSourceModel(a, x));
    const broken: ModelManifest = { ...a, id: 'broken', sourceOutput: 'no-such-tensor' };
    await expect(holder.get(broken.id, () => load(a), (x) => createSourceModel(broken, x))).rejects.toThrow(
      /the source-output tensor "no-such-tensor" does not exist/,
    );
    expect(holder.loadedId).toBeNull();
    expect(tf.memory().numTensors).toBe(baseline);
  });
});
