import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_DESIGN } from '../../core/design/schema';
import type { VPDesign } from '../../core/design/design';
import { toBatchTensor } from '../data/batches';
import type { ImageSet } from '../../core/data/imageSet';
import type { ModelManifest } from '../models/manifest';
import { tinyNetwork } from '../../../test/support/tinyNetwork';
import { trainVisualPrompt } from '../train/trainer';
import { type SourceModel, VisualPromptModel } from '../train/visualPromptModel';
import { Rng } from '../../core/util/rng';
import { modelFromPromptFile, snapshotModel } from './loadPrompt';
import { buildPromptFile, MANIFEST_KEY, PromptFileError, type PromptFileErrorCode, type PromptFileManifest, promptModelInfo, splitMetrics } from './promptFile';
import { parsePromptFile } from './promptFileReader';
import { promptedPictures, promptPicture } from './promptPictures';
import { decodeSafetensors, encodeSafetensors, type TensorInput, tensorValues } from './safetensors';

const CANVAS = 32;
const net = tinyNetwork({ inputSize: CANVAS, classes: 10, seed: 3 });
const source: SourceModel = {
  network: net,
  input: { canvas: CANVAS, valueRange: [-1, 1], mean: [0.1, 0.2, 0.3], std: [0.9, 1.1, 1.2] },
  sourceOutput: 'logits',
  featureOutput: 'features',
  numSource: 10,
};
const manifest: ModelManifest = {
  id: 'tiny',
  name: 'Tiny test network',
  summary: '',
  trainedOn: '',
  license: '',
  weights: { kind: 'hub', url: 'https://example.org/tiny/model.json' },
  format: 'layers',
  inputSize: CANVAS,
  valueRange: [-1, 1],
  normalization: { mean: [0.1, 0.2, 0.3], std: [0.9, 1.1, 1.2] },
  sourceOutput: 'logits',
  featureOutput: 'features',
  sourceClasses: [],
  sizeBytes: 0,
};
const CLASSES = ['dark', 'mid', 'bright'];

function imageSet(n: number, seed: number): ImageSet {
  const rng = new Rng(seed);
  const side = 12;
  const pixels = new Uint8Array(n * side * side * 3);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    labels[i] = i % 3;
    for (let p = 0; p < side * side * 3; p++) pixels[i * side * side * 3 + p] = Math.round(labels[i]! * 80 + rng.next() * 60);
  }
  return { height: side, width: side, channels: 3, pixels, labels };
}

const set = imageSet(36, 1);
const train = { set, indices: Int32Array.from({ length: 24 }, (_, i) => i) };
const val = { set, indices: Int32Array.from({ length: 12 }, (_, i) => 24 + i) };
const design = (over: Partial<VPDesign>): VPDesign => ({
  ...DEFAULT_DESIGN,
  baseSize: 16,
  inputScale: 1,
  batchSize: 8,
  epochs: 2,
  learningRate: 0.05,
  schedule: 'constant',
  ...over,
});

async function trainedFile(d: VPDesign): Promise<{ bytes: Uint8Array; model: VisualPromptModel }> {
  const model = new VisualPromptModel(source, d, CLASSES.length);
  const result = await trainVisualPrompt(model, train, val);
  const state = await snapshotModel(model)();
  const bytes = buildPromptFile({
    ...state,
    design: d,
    model: promptModelInfo(manifest, source.numSource),
    targetClasses: CLASSES,
    preprocessing: { baseSize: d.baseSize, resize: 'bilinear-half-pixel', fit: 'crop', alphaBackground: [255, 255, 255], workingSize: null, values: 'uint8/255', grayscale: 'repeat-to-rgb', dataset: null },
    metrics: { validation: splitMetrics(result.validation), test: null, epochs: result.epochs, steps: result.steps, final: true, stopped: false },
    data: { trainImages: 24 },
    dataset: { id: 'test', name: 'Test set' },
    createdAt: new Date('2026-11-01T10:00:00Z'),
  });
  return { bytes, model };
}

async function logitsOf(model: VisualPromptModel): Promise<Float32Array> {
  const x = toBatchTensor(set, val.indices, model.design.baseSize);
  const logits = model.logits(x);
  const out = (await logitsData(logits)) as Float32Array;
  x.dispose();
  return out;
}
async function logitsData(t: tf.Tensor): Promise<Float32Array> {
  const d = (await t.data()) as Float32Array;
  t.dispose();
  return d;
}

/** The file with its manifest and tensors changed, written back (integrity updated or dropped). */
function rewrite(bytes: Uint8Array, edit: (m: PromptFileManifest, t: Record<string, TensorInput>) => void, integrity: 'drop' | 'keep' = 'drop'): Uint8Array {
  const file = decodeSafetensors(bytes);
  const m = JSON.parse(file.metadata[MANIFEST_KEY]!) as PromptFileManifest;
  const tensors: Record<string, TensorInput> = {};
  for (const [name, t] of file.tensors) tensors[name] = { dtype: t.dtype as 'F32' | 'I32', shape: t.shape, data: tensorValues(t) };
  edit(m, tensors);
  if (integrity === 'drop') m.integrity = null;
  return encodeSafetensors(tensors, { [MANIFEST_KEY]: JSON.stringify(m) });
}

function refusal(bytes: Uint8Array, code: PromptFileErrorCode): string {
  try {
    parsePromptFile(bytes);
  } catch (e) {
    expect(e).toBeInstanceOf(PromptFileError);
    expect((e as PromptFileError).code).toBe(code);
    return (e as Error).message;
  }
  throw new Error('the file was accepted');
}

beforeAll(async () => {
  await tf.setBackend('cpu');
});
afterAll(() => net.dispose());

describe('prompt file round trip', () => {
  it.each([
    ['FullyMap, trainable resize', { labelMapping: 'fully', trainableResize: true, inputScale: 0.5 }],
    ['FreqMap k=2, fixed scale', { labelMapping: 'freq', k: 2 }],
    ['IterMap, full prompt, identity activation', { labelMapping: 'iter', k: 1, prompt: 'full', promptActivation: 'identity' }],
    ['random mapping, patch prompt', { labelMapping: 'random', k: 3, prompt: 'patch', patchSize: 6 }],
    ['BLM, fixed scale', { labelMapping: 'blm' }],
    ['BLM+, trainable resize', { labelMapping: 'blmplus', trainableResize: true, inputScale: 0.5 }],
  ] as [string, Partial<VPDesign>][])('%s: export → import gives identical predictions', async (_, over) => {
    const d = design(over);
    const { bytes, model } = await trainedFile(d);
    const before = await logitsOf(model);
    const file = parsePromptFile(bytes);
    expect(file.manifest.targetClasses).toEqual(CLASSES);
    expect(file.manifest.config).toEqual(d);
    expect(file.manifest.model.normalization).toEqual(manifest.normalization);
    const tensorsBefore = tf.memory().numTensors;
    const loaded = modelFromPromptFile(source, file);
    const after = await logitsOf(loaded);
    expect(Array.from(after)).toEqual(Array.from(before));
    if (d.trainableResize) expect(file.prompt.scale).not.toBe(d.inputScale);
    loaded.dispose();
    expect(tf.memory().numTensors).toBe(tensorsBefore);
    model.dispose();
  });

  it('writes the manifest the format describes', async () => {
    const d = design({ labelMapping: 'fully', trainableResize: true });
    const { bytes, model } = await trainedFile(d);
    model.dispose();
    const file = decodeSafetensors(bytes);
    expect([...file.tensors.keys()].sort()).toEqual(['mapping_bias', 'mapping_weight', 'mask', 'prompt', 'resize_scale']);
    expect(file.tensors.get('prompt')!.shape).toEqual([CANVAS, CANVAS, 3]);
    expect(file.tensors.get('mapping_weight')!.shape).toEqual([10, 3]);
    const m = JSON.parse(file.metadata.autovp!) as PromptFileManifest;
    expect(m).toMatchObject({
      format: 'autovp-prompt',
      version: 1,
      model: { id: 'tiny', inputSize: CANVAS, valueRange: [-1, 1], sourceOutput: 'logits', numSource: 10, source: { kind: 'hub' } },
      trainableResize: true,
      promptActivation: 'sigmoid',
      prompt: { kind: 'pad' },
      preprocessing: { alphaBackground: [255, 255, 255], resize: 'bilinear-half-pixel' },
      labelMapping: { kind: 'fully', k: null },
      targetClasses: CLASSES,
      seed: d.seed,
      createdAt: '2026-11-01T10:00:00.000Z',
    });
    expect(m.integrity!.sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it('draws the prompt and images as the model sees them', async () => {
    const d = design({ labelMapping: 'fully' });
    const { bytes, model } = await trainedFile(d);
    model.dispose();
    const file = parsePromptFile(bytes);
    const alone = promptPicture(file.prompt, 'sigmoid');
    expect(alone.width).toBe(CANVAS);
    const centre = ((CANVAS / 2) * CANVAS + CANVAS / 2) * 4;
    expect(alone.rgba[centre + 3]).toBe(0);
    expect(alone.rgba[3]).toBe(255);
    const base = toBatchTensor(set, [0, 1], d.baseSize);
    const seen = await promptedPictures(d, file.prompt, base);
    base.dispose();
    expect(seen).toHaveLength(2);
    // The frame is the prompt, the centre is the image.
    expect(Array.from(seen[0]!.rgba.subarray(0, 3))).toEqual(Array.from(alone.rgba.subarray(0, 3)));
  });
});

describe('prompt file refusals', () => {
  let good: Uint8Array;
  let goodIndex: Uint8Array;
  beforeAll(async () => {
    const a = await trainedFile(design({ labelMapping: 'fully', trainableResize: true, epochs: 1 }));
    a.model.dispose();
    good = a.bytes;
    const b = await trainedFile(design({ labelMapping: 'freq', k: 1, epochs: 1 }));
    b.model.dispose();
    goodIndex = b.bytes;
  });

  it('accepts the untouched files and a faithful rewrite', () => {
    expect(() => parsePromptFile(good)).not.toThrow();
    expect(() => parsePromptFile(rewrite(good, () => undefined))).not.toThrow();
  });

  it('refuses changed bytes (integrity)', () => {
    const bytes = good.slice();
    bytes[bytes.length - 5]! ^= 0x01;
    expect(refusal(bytes, 'integrity')).toMatch(/changed or damaged after export/);
  });

  it('refuses a file cut short, or not safetensors at all', () => {
    expect(refusal(good.subarray(0, good.length - 100), 'not-safetensors')).toMatch(/cut short/);
    expect(refusal(new TextEncoder().encode('{"not": "a prompt"}'), 'not-safetensors')).toMatch(/not a valid \.safetensors/);
  });

  it('refuses a foreign safetensors file', () => {
    const foreign = encodeSafetensors({ 'model.weight': { dtype: 'F32', shape: [2], data: Float32Array.of(1, 2) } }, { format: 'pt' });
    expect(refusal(foreign, 'not-autovp')).toMatch(/not an AutoVP prompt.*model\.weight/);
  });

  it('refuses a newer or unknown format version', () => {
    expect(refusal(rewrite(good, (m) => ((m as { version: number }).version = 2)), 'version')).toMatch(/newer version of the app/);
    expect(refusal(rewrite(good, (m) => ((m as { version: unknown }).version = '1')), 'version')).toMatch(/unknown format version/);
  });

  it('refuses shapes that disagree with the manifest', () => {
    expect(refusal(rewrite(good, (m) => (m.model.inputSize = 64)), 'tensors')).toMatch(/"prompt" tensor has shape \[32, 32, 3\] but the manifest implies \[64, 64, 3\]/);
    expect(refusal(rewrite(good, (m) => m.targetClasses.push('extra')), 'tensors')).toMatch(/mapping_weight/);
    expect(refusal(rewrite(good, (_, t) => delete t.resize_scale), 'tensors')).toMatch(/no "resize_scale" tensor/);
    expect(refusal(rewrite(good, (_, t) => (t.extra = { dtype: 'F32', shape: [1], data: Float32Array.of(0) })), 'tensors')).toMatch(/does not describe: extra/);
    expect(refusal(rewrite(good, (_, t) => (t.mask!.data = new Float32Array(32 * 32).fill(1))), 'tensors')).toMatch(/not the pad mask/);
  });

  it('refuses a manifest whose fields disagree', () => {
    expect(refusal(rewrite(good, (m) => (m.imageSize = 100)), 'manifest')).toMatch(/imageSize/);
    expect(refusal(rewrite(good, (m) => (m.config.prompt = 'full')), 'manifest')).toMatch(/prompt\.kind/);
    expect(refusal(rewrite(good, (m) => (m.promptActivation = 'tanh' as never)), 'manifest')).toMatch(/promptActivation/);
    expect(refusal(rewrite(good, (m) => (m.preprocessing.alphaBackground = [0, 0, 300])), 'manifest')).toMatch(/alphaBackground/);
    expect(refusal(rewrite(good, (m) => delete (m as Partial<PromptFileManifest>).model), 'manifest')).toMatch(/"model"/);
  });

  it('refuses values that are not finite', () => {
    expect(refusal(rewrite(good, (_, t) => ((t.prompt!.data as Float32Array)[7] = NaN)), 'tensors')).toMatch(/not finite/);
    expect(refusal(rewrite(good, (_, t) => ((t.mapping_bias!.data as Float32Array)[0] = Infinity)), 'tensors')).toMatch(/not finite/);
  });

  it('refuses an impossible one-to-one mapping', () => {
    const dup = rewrite(goodIndex, (_, t) => {
      const idx = t.mapping_indices!.data as Int32Array;
      idx[1] = idx[0]!;
    });
    expect(refusal(dup, 'tensors')).toMatch(/two target classes/);
    expect(refusal(rewrite(goodIndex, (_, t) => ((t.mapping_indices!.data as Int32Array)[0] = 10)), 'tensors')).toMatch(/outside 0–9/);
  });

  it('reads BLM weights back (k null) and refuses ones that are not column-normalised or are negative', async () => {
    const { bytes, model } = await trainedFile(design({ labelMapping: 'blm', epochs: 1 }));
    model.dispose();
    const file = parsePromptFile(bytes);
    expect(file.manifest.labelMapping.k).toBeNull();
    expect('omega' in file.mapping && file.mapping.omega.length).toBe(10 * CLASSES.length);
    const scaled = rewrite(bytes, (_, t) => (t.mapping_omega!.data = (t.mapping_omega!.data as Float32Array).map((v) => 2 * v)));
    expect(refusal(scaled, 'tensors')).toMatch(/Column 0 of "mapping_omega" sums to 2\.000/);
    const negative = rewrite(bytes, (_, t) => ((t.mapping_omega!.data as Float32Array)[0] = -1));
    expect(refusal(negative, 'tensors')).toMatch(/negative weights/);
    expect(refusal(rewrite(bytes, (_, t) => delete t.mapping_omega), 'tensors')).toMatch(/no "mapping_omega" tensor/);
  });

  it('refuses a file over the size limit before reading it', () => {
    expect(() => parsePromptFile(good, 1000)).toThrow(/at most/);
  });
});
