/**
 * A CLIP prompt trained by `autovp train` on the tiny random CLIP (test/fixtures/tiny-clip):
 * `autovp eval` builds the same source model again from the prompt file's text head and prints the
 * test accuracy the training run reported; the PyTorch loader (python/autovp/clip_prompt.py through
 * python/examples/reproduce_predictions.py) predicts every image as the engine does, from the
 * file and the checkpoint folder alone. Python parts skip, saying why, without numpy and torch.
 */
import '@tensorflow/tfjs-backend-wasm';
import * as tf from '@tensorflow/tfjs-core';
import { execFile, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeClassFolders } from '../../test/support/imageFolder';
import { PYTHON, torchUnavailable } from '../../test/support/parity/support';
import { toBatchTensor } from '../engine/data/batches';
import { isInMemory } from '../core/data/imageSet';
import { modelFromPromptFile } from '../engine/export/loadPrompt';
import { encodeNpy } from '../engine/export/npy';
import { parsePromptFile } from '../engine/export/promptFileReader';
import { clipSourceForPrompt } from './clipModel';
import { loadData } from './data';
import type { CliEnv } from './env';
import { resolveModel } from './models';
import { Progress } from './progress';

const ROOT = resolve(__dirname, '../..');
const FIXTURE = join(ROOT, 'test', 'fixtures', 'tiny-clip');
const SCRIPT = join(ROOT, 'python', 'examples', 'reproduce_predictions.py');
const unavailable = torchUnavailable();
let tmp = '';

function autovp(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile(process.execPath, [join(ROOT, 'cli', 'autovp.mjs'), ...args], {
      cwd: tmp,
      env: { ...process.env, AUTOVP_OFFLINE: '1', AUTOVP_CACHE_DIR: join(tmp, 'cache') },
      maxBuffer: 64 * 1024 * 1024,
      timeout: 170_000,
    }, (error, stdout, stderr) => done({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr }));
  });
}

const quiet = { write: () => undefined };
const env = (): CliEnv => ({ root: ROOT, cwd: tmp, stdout: quiet, stderr: quiet, vars: { AUTOVP_OFFLINE: '1' } });

interface PythonResult {
  probabilities: number[][];
  argmax: number[];
  accuracy: number;
  maxInputDifference: number;
}

describe('a CLIP prompt trained by the CLI, evaluated again and in PyTorch', () => {
  beforeAll(async () => {
    tmp = mkdtempSync(join(tmpdir(), 'autovp-clip-export-'));
    writeClassFolders(join(tmp, 'easy'), 6, 1);
    await tf.setBackend('wasm');
  });
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it.each([
    ['FullyMap, padding prompt around a 40-pixel image', ['--mapping', 'fully', '--base-size', '40']],
    ['FreqMap k=1, trainable resize', ['--mapping', 'freq', '--k', '1', '--base-size', '48', '--trainable-resize']],
  ])('%s', async (label, design) => {
    const out = label.replace(/\W+/g, '-');
    const train = await autovp(['train', '--data', 'easy', '--model', FIXTURE, ...design, '--epochs', '3', '--lr', '0.1', '--no-baseline', '--out', out]);
    expect(train.code, train.stderr).toBe(0);
    const metrics = JSON.parse(readFileSync(join(tmp, out, 'metrics.json'), 'utf8')) as { test: { accuracy: number }; testDetails: { count: number } };
    const file = parsePromptFile(new Uint8Array(readFileSync(join(tmp, out, 'prompt.safetensors'))));
    const clip = file.manifest.model.clip;
    expect(clip?.checkpoint).toEqual({ kind: 'folder', name: 'tiny-clip' });
    expect(clip?.head).toBe('mean');
    expect(clip?.templates).toHaveLength(81);
    expect(clip?.classNames).toEqual(['checker', 'red', 'stripes']);
    expect(clip?.config).toMatchObject({ imageSize: 64, patchSize: 16, visionLayers: 2, projectionDim: 24 });

    // autovp eval on the training folder draws the run's test split again: the same accuracy.
    const evaluated = await autovp(['eval', '--prompt', join(out, 'prompt.safetensors'), '--data', 'easy', '--json']);
    expect(evaluated.code, evaluated.stderr).toBe(0);
    const e = JSON.parse(evaluated.stdout) as { accuracy: number; count: number };
    expect(e.count).toBe(metrics.testDetails.count);
    expect(e.accuracy).toBe(metrics.test.accuracy);

    // The engine's probabilities on every image, with the source built as eval builds it.
    const progress = new Progress(quiet, { quiet: true });
    const data = await loadData('easy', env(), { fit: file.manifest.preprocessing.fit, maxImages: 100, progress });
    const set = data.dataset.train;
    if (!isInMemory(set)) throw new Error('the easy fixture is small: held in memory');
    const all = Int32Array.from(set.labels, (_, i) => i);
    const source = await clipSourceForPrompt(await resolveModel(FIXTURE, env()), file, progress);
    const vp = modelFromPromptFile(source, file);
    const x = toBatchTensor(set, all, file.manifest.config.baseSize);
    const [probs, input] = tf.tidy(() => [tf.softmax(vp.logits(x)), vp.prompter.modelInput(x)]);
    const engineProbs = (await probs.data()) as Float32Array;
    const engineInput = (await input.data()) as Float32Array;
    tf.dispose([x, probs, input]);
    vp.dispose();
    source.network.dispose();
    if (unavailable) {
      console.warn(`${label}: the PyTorch comparison is SKIPPED: ${unavailable}`);
      return;
    }

    const stem = join(tmp, out);
    const n = set.labels.length;
    writeFileSync(`${stem}-images.npy`, encodeNpy(set.pixels, set.channels === 3 ? [n, set.height, set.width, 3] : [n, set.height, set.width]));
    writeFileSync(`${stem}-labels.npy`, encodeNpy(set.labels, [n]));
    writeFileSync(`${stem}-input.npy`, encodeNpy(engineInput, [n, 64, 64, 3]));
    const run = spawnSync(PYTHON, [SCRIPT, join(stem, 'prompt.safetensors'), FIXTURE, `${stem}-images.npy`, '--labels', `${stem}-labels.npy`, '--engine-input', `${stem}-input.npy`, '--out', `${stem}.json`], {
      encoding: 'utf8',
      timeout: 120_000,
    });
    expect(run.status, run.stderr).toBe(0);
    const py = JSON.parse(readFileSync(`${stem}.json`, 'utf8')) as PythonResult;
    const T = 3;
    let maxProbDiff = 0;
    const argmax: number[] = [];
    let correct = 0;
    for (let i = 0; i < n; i++) {
      const row = Array.from(engineProbs.subarray(i * T, (i + 1) * T));
      argmax.push(row.indexOf(Math.max(...row)));
      if (argmax[i] === set.labels[i]) correct++;
      for (let t = 0; t < T; t++) maxProbDiff = Math.max(maxProbDiff, Math.abs((py.probabilities[i]?.[t] ?? NaN) - (row[t] as number)));
    }
    console.info(`${label}: ${n} images, accuracy engine ${(correct / n).toFixed(4)}, python ${py.accuracy.toFixed(4)}; max |Δ model input| ${py.maxInputDifference.toExponential(2)}, max |Δ probability| ${maxProbDiff.toExponential(2)}`);
    expect(py.maxInputDifference).toBeLessThan(1e-4);
    expect(maxProbDiff).toBeLessThan(1e-4);
    expect(py.argmax).toEqual(argmax);
    expect(py.accuracy).toBe(correct / n);
  }, 240_000);
});
