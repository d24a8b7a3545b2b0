/**
 * A prompt trained here opens in numpy and PyTorch untouched and predicts the same there.
 *
 * Trains two small prompts with the engine (wasm backend, as in the app) on the bundled MobileNetV2 (the app's real model,
 * loaded from public/generated/models) on a few MNIST images, exports them with buildPromptFile,
 * and has Debian's python3 (numpy + torch) load each file with python/autovp/prompt_file.py,
 * rebuild the model with python/autovp/tfjs_to_torch.py and predict the same images:
 * identical argmax, probabilities within 1e-4, the same accuracy as the engine's evaluation.
 * Skipped, saying why, where /usr/bin/python3 lacks numpy or torch.
 */
import '@tensorflow/tfjs-backend-wasm';
import * as tf from '@tensorflow/tfjs-core';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findModel } from '../../../models';
import { DEFAULT_DESIGN } from '../../core/design/schema';
import type { VPDesign } from '../../core/design/design';
import { toBatchTensor } from '../data/batches';
import { loadBuiltinDataset } from '../../core/data/builtinDataset';
import type { ImageSet } from '../../core/data/imageSet';
import { subset } from '../../core/data/imageSet';
import { createSourceModel } from '../models/sourceModel';
import { evaluate } from '../train/evaluate';
import { trainVisualPrompt } from '../train/trainer';
import { type SourceModel, VisualPromptModel } from '../train/visualPromptModel';
import { modelFromPromptFile, snapshotModel } from './loadPrompt';
import { encodeNpy } from './npy';
import { buildPromptFile, promptModelInfo, splitMetrics } from './promptFile';
import { parsePromptFile } from './promptFileReader';

const ROOT = resolve(__dirname, '../../..');
const PYTHON = '/usr/bin/python3';
const MODEL_DIR = join(ROOT, 'public/generated/models/nsfwjs-mobilenet-v2');
const SCRIPT = join(ROOT, 'python/examples/reproduce_predictions.py');

function pythonProblem(): string | null {
  if (!existsSync(PYTHON)) return `${PYTHON} is missing (apt-get install python3-numpy python3-torch)`;
  const r = spawnSync(PYTHON, ['-c', 'import numpy, torch'], { encoding: 'utf8' });
  if (r.status !== 0) return `${PYTHON} lacks numpy or torch (apt-get install python3-numpy python3-torch): ${r.stderr.trim().split('\n').pop()}`;
  if (!existsSync(join(ROOT, 'python/autovp/tfjs_to_torch.py'))) return 'python/autovp/tfjs_to_torch.py is not there yet';
  if (!existsSync(join(MODEL_DIR, 'model.json'))) return `${MODEL_DIR} is missing: run npm run prepare-assets`;
  return null;
}

const problem = pythonProblem();
if (problem) console.warn(`Skipping the PyTorch reproduction test: ${problem}.`);

function modelArtifacts(): tf.io.ModelArtifacts {
  const json = JSON.parse(readFileSync(join(MODEL_DIR, 'model.json'), 'utf8')) as {
    modelTopology: object;
    format?: string;
    weightsManifest: tf.io.WeightsManifestConfig;
  };
  const buffers = json.weightsManifest.flatMap((g) => g.paths).map((p) => {
    const b = readFileSync(join(MODEL_DIR, p));
    return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;
  });
  const total = buffers.reduce((n, b) => n + b.byteLength, 0);
  const weightData = new Uint8Array(total);
  let at = 0;
  for (const b of buffers) {
    weightData.set(new Uint8Array(b), at);
    at += b.byteLength;
  }
  return { modelTopology: json.modelTopology, format: json.format, weightSpecs: json.weightsManifest.flatMap((g) => g.weights), weightData: weightData.buffer };
}

/** The first `perClass` images of each of `classes` (labels renumbered 0..), from a split. */
function pick(set: ImageSet, classes: number[], perClass: number, skip: number): ImageSet {
  const indices: number[] = [];
  for (const c of classes) {
    let seen = 0;
    for (let i = 0; i < set.labels.length && indices.filter((j) => set.labels[j] === c).length < perClass; i++) {
      if (set.labels[i] === c && seen++ >= skip) indices.push(i);
    }
  }
  const s = subset(set, indices);
  s.labels = s.labels.map((l) => classes.indexOf(l));
  return s;
}

interface PythonResult {
  probabilities: number[][];
  argmax: number[];
  accuracy: number;
  maxInputDifference: number;
  seconds: number;
}

describe.skipIf(problem !== null)('a prompt file in numpy and PyTorch', () => {
  let source: SourceModel;
  let dir: string;
  let train: ImageSet;
  let val: ImageSet;
  let test: ImageSet;
  let classNames: string[];
  const manifest = findModel('nsfwjs-mobilenet-v2')!;

  beforeAll(async () => {
    // wasm: the cpu backend takes about 4 minutes per case here, wasm well under one.
    await tf.setBackend('wasm');
    source = createSourceModel(manifest, modelArtifacts());
    const mnist = await loadBuiltinDataset('mnist', async (p) => {
      const b = readFileSync(join(ROOT, 'public', p));
      return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;
    });
    const classes = [0, 1, 7];
    classNames = classes.map((c) => mnist.meta.classes[c]!);
    train = pick(mnist.train, classes, 6, 0);
    val = pick(mnist.train, classes, 3, 6);
    test = pick(mnist.test!, classes, 8, 0);
    dir = mkdtempSync(join(tmpdir(), 'autovp-interop-'));
  });
  afterAll(() => {
    source?.network.dispose();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it.each([
    ['FullyMap with trainable resize', { labelMapping: 'fully', trainableResize: true, inputScale: 1 }],
    ['FreqMap k=1 at scale 0.5', { labelMapping: 'freq', k: 1, inputScale: 0.5 }],
    ['BLM at scale 0.5', { labelMapping: 'blm', inputScale: 0.5 }],
    ['BLM+ with trainable resize', { labelMapping: 'blmplus', trainableResize: true, inputScale: 1 }],
    ['low-rank prompt (LoR-VP, rank 4) with FullyMap', { prompt: 'lowrank', promptRank: 4, labelMapping: 'fully' }],
    ['SMM (sample-specific masks) with FullyMap', { prompt: 'smm', labelMapping: 'fully' }],
  ] as [string, Partial<VPDesign>][])('%s: same predictions and accuracy as the app', async (label, over) => {
    const design: VPDesign = { ...DEFAULT_DESIGN, epochs: 3, batchSize: 6, learningRate: 0.05, schedule: 'constant', ...over };
    const all = (s: ImageSet) => ({ set: s, indices: Int32Array.from(s.labels, (_, i) => i) });
    const model = new VisualPromptModel(source, design, classNames.length);
    const started = performance.now();
    const result = await trainVisualPrompt(model, all(train), all(val));
    const tested = await evaluate(model, all(test), 8);
    const bytes = buildPromptFile({
      ...(await snapshotModel(model)()),
      design,
      model: promptModelInfo(manifest, source.numSource),
      targetClasses: classNames,
      preprocessing: { baseSize: design.baseSize, resize: 'bilinear-half-pixel', fit: 'crop', alphaBackground: [255, 255, 255], workingSize: null, values: 'uint8/255', grayscale: 'repeat-to-rgb', dataset: null },
      metrics: { validation: splitMetrics(result.validation), test: splitMetrics(tested), epochs: result.epochs, steps: result.steps, final: true, stopped: false },
      dataset: { id: 'mnist', name: 'MNIST (3 classes)' },
      createdAt: new Date(),
    });
    const engineSeconds = (performance.now() - started) / 1000;

    // The engine's probabilities and model input on the test images.
    const x = toBatchTensor(test, Int32Array.from(test.labels, (_, i) => i), design.baseSize);
    const [probs, input] = tf.tidy(() => [tf.softmax(model.logits(x)), model.prompter.modelInput(x)]);
    const engineProbs = (await probs.data()) as Float32Array;
    const engineInput = (await input.data()) as Float32Array;
    tf.dispose([x, probs, input]);

    // The file loaded back into the app predicts the same (round trip).
    const reloaded = modelFromPromptFile(source, parsePromptFile(bytes));
    const again = await evaluate(reloaded, all(test), 8);
    expect(Array.from(again.predictions)).toEqual(Array.from(tested.predictions));
    reloaded.dispose();
    model.dispose();

    const stem = join(dir, label.replace(/\W+/g, '-'));
    const n = test.labels.length;
    writeFileSync(`${stem}.safetensors`, bytes);
    writeFileSync(`${stem}-images.npy`, encodeNpy(test.pixels, [n, test.height, test.width]));
    writeFileSync(`${stem}-labels.npy`, encodeNpy(test.labels, [n]));
    const c = source.input.canvas;
    writeFileSync(`${stem}-input.npy`, encodeNpy(engineInput, [n, c, c, 3]));
    const run = spawnSync(
      PYTHON,
      [SCRIPT, `${stem}.safetensors`, MODEL_DIR, `${stem}-images.npy`, '--labels', `${stem}-labels.npy`, '--engine-input', `${stem}-input.npy`, '--out', `${stem}.json`],
      { encoding: 'utf8', timeout: 300_000 },
    );
    expect(run.status, run.stderr).toBe(0);
    const py = JSON.parse(readFileSync(`${stem}.json`, 'utf8')) as PythonResult;

    const T = classNames.length;
    let maxProbDiff = 0;
    for (let i = 0; i < n; i++) for (let t = 0; t < T; t++) maxProbDiff = Math.max(maxProbDiff, Math.abs(py.probabilities[i]![t]! - engineProbs[i * T + t]!));
    console.info(
      `${label}: engine trained ${result.steps} steps + evaluated in ${engineSeconds.toFixed(1)} s; python ${py.seconds.toFixed(1)} s; ` +
        `test accuracy engine ${tested.accuracy.toFixed(4)}, python ${py.accuracy.toFixed(4)}; ` +
        `max |Δ model input| ${py.maxInputDifference.toExponential(2)} (max |input| ${engineInput.reduce((m, v) => Math.max(m, Math.abs(v)), 0).toFixed(1)}), max |Δ probability| ${maxProbDiff.toExponential(2)}`,
    );
    // Model inputs in [0, 1]: float32 rounding of two implementations (wasm's sigmoid and bilinear taps, torch's).
    // SMM's unbounded δ ⊙ mask can reach the thousands at this test's learning rate: relative to the largest input there.
    const inputScale = engineInput.reduce((m, v) => Math.max(m, Math.abs(v)), 1);
    expect(py.maxInputDifference).toBeLessThan(1e-4 * inputScale);
    expect(py.argmax).toEqual(Array.from(tested.predictions));
    expect(maxProbDiff).toBeLessThan(1e-4);
    expect(py.accuracy).toBe(tested.accuracy);
    expect(parsePromptFile(bytes).manifest.metrics.test!.accuracy).toBe(tested.accuracy);
  }, 600_000);
});
