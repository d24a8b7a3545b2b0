/**
 * Bad inputs and faults against `autovp` (issue 17), each asserting the message and that no data
 * or prior result was lost. In-process through runCli (the CLI's own entry point) on a tiny model
 * folder (test/support/tinyModelFolder.ts: 16² input, 10 classes) and a few 48² images per class,
 * 1 epoch; the real SIGINT case runs cli/autovp.mjs as a child process.
 */
import { spawn } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { zipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parsePromptFile } from '../engine/export/promptFileReader';
import { writeClassFolders } from '../../test/support/imageFolder';
import { writeTinyModelFolder } from '../../test/support/tinyModelFolder';
import { runCli } from './main';

const ROOT = resolve(__dirname, '../..');
let tmp = '';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** One command line, in process; `onStderr` sees every progress line as it is written. */
async function autovp(args: string[], onStderr?: (text: string) => void, interrupt?: AbortSignal): Promise<Run> {
  let stdout = '';
  let stderr = '';
  const code = await runCli(args, {
    root: ROOT,
    cwd: tmp,
    stdout: { write: (t) => void (stdout += t) },
    stderr: {
      write: (t) => {
        stderr += t;
        onStderr?.(t);
      },
    },
    vars: { AUTOVP_OFFLINE: '1', AUTOVP_CACHE_DIR: join(tmp, 'cache') },
    ...(interrupt ? { interrupt } : {}),
  });
  return { code, stdout, stderr };
}

/** `autovp train` on the tiny model, 1 epoch, no baseline; `extra` options replace the defaults. */
function train(data: string, out: string, ...extra: string[]): Promise<Run> {
  return autovp(trainArgs(data, out, ...extra));
}

function trainArgs(data: string, out: string, ...extra: string[]): string[] {
  const options: Record<string, string | null> = {
    '--model': 'tiny',
    '--mapping': 'fully',
    '--epochs': '1',
    '--batch': '8',
    '--base-size': '8',
    '--backend': 'cpu',
    '--no-baseline': null,
  };
  for (let i = 0; i < extra.length; i++) {
    const name = extra[i] as string;
    const value = extra[i + 1];
    if (value === undefined || value.startsWith('--')) options[name] = null;
    else {
      options[name] = value;
      i++;
    }
  }
  const args = Object.entries(options).flatMap(([k, v]) => (v === null ? [k] : [k, v]));
  return ['train', '--data', data, ...args, '--out', out];
}

const listing = (dir: string) => readdirSync(join(tmp, dir)).sort();
const snapshot = (dir: string) =>
  Object.fromEntries(listing(dir).map((f) => [f, readFileSync(join(tmp, dir, f)).toString('base64')]));

beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'autovp-bad-'));
  await tf.setBackend('cpu');
  await writeTinyModelFolder(join(tmp, 'tiny'));
  await writeTinyModelFolder(join(tmp, 'nan-model'), { nanBias: true });
  await writeTinyModelFolder(join(tmp, 'steep'), { weightScale: 1e9 });
  writeClassFolders(join(tmp, 'easy'), 6, 1);
});

afterAll(() => {
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

describe('imports that were silently wrong', () => {
  it('skips a symlink loop inside the dataset folder, naming it, instead of duplicating images', async () => {
    writeClassFolders(join(tmp, 'loop'), 6, 1);
    symlinkSync('..', join(tmp, 'loop', 'red', 'again'));
    const r = await train('loop', 'out-loop');
    expect(r.stderr).toContain('3 classes, 18 training images');
    expect(r.stderr).toMatch(/loop\/red\/again: .*symbolic link.*loop/);
    expect(r.code).toBe(0);
  });

  it('skips zip entries with an absolute path or "..", by name; the classes stay those of the zip', async () => {
    const files: Record<string, Uint8Array> = {};
    for (const f of readdirSync(join(tmp, 'easy'), { recursive: true, encoding: 'utf8' }))
      if (/\.(png|jpg)$/.test(f)) files[`set/${f}`] = readFileSync(join(tmp, 'easy', f));
    const png = readFileSync(join(tmp, 'easy', 'red', 'red-0.png'));
    files['/evil/x.png'] = png;
    files['set/../outside/y.png'] = png;
    writeFileSync(join(tmp, 'set.zip'), zipSync(files));
    const r = await train('set.zip', 'out-zip');
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('3 classes, 18 training images');
    expect(r.stderr).toContain('/evil/x.png');
    expect(r.stderr).toContain('set/../outside/y.png');
    const metrics = JSON.parse(readFileSync(join(tmp, 'out-zip', 'metrics.json'), 'utf8')) as {
      dataset: { classes: string[] };
    };
    expect(metrics.dataset.classes).toEqual(['checker', 'red', 'stripes']);
  });

  it('refuses folder names with a backslash (read as a separator, they would merge classes)', async () => {
    writeClassFolders(join(tmp, 'slash'), 3, 1);
    mkdirSync(join(tmp, 'slash', 'red\\'));
    writeFileSync(join(tmp, 'slash', 'red\\', 'a.png'), readFileSync(join(tmp, 'easy', 'red', 'red-0.png')));
    const r = await train('slash', 'out-slash');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/backslash/);
    expect(r.stderr).toContain('red\\');
    expect(existsSync(join(tmp, 'out-slash'))).toBe(false);
  });

  it('names an empty class folder and a class whose files are all corrupt', async () => {
    writeClassFolders(join(tmp, 'holes'), 4, 1);
    mkdirSync(join(tmp, 'holes', 'empty'));
    mkdirSync(join(tmp, 'holes', 'broken'));
    for (const n of ['a.png', 'b.jpg']) writeFileSync(join(tmp, 'holes', 'broken', n), 'not an image at all');
    const r = await train('holes', 'out-holes');
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/empty\/.*left out|left out.*empty\//);
    expect(r.stderr).toMatch(/"broken" was left out/);
  });

  it('skips and lists a file whose name is not UTF-8 instead of aborting the import', async () => {
    writeClassFolders(join(tmp, 'latin1'), 4, 1);
    const name = Buffer.concat([Buffer.from(join(tmp, 'latin1', 'red') + '/caf'), Buffer.from([0xe9]), Buffer.from('.png')]);
    writeFileSync(name, readFileSync(join(tmp, 'easy', 'red', 'red-0.png')));
    const r = await train('latin1', 'out-latin1');
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('12 training images');
    expect(r.stderr).toMatch(/caf\\xe9\.png: .*not UTF-8/);
  });
});

/** A promise that rejects after `ms` (a hang is a failure, not a stuck test run). */
const within = <T>(ms: number, p: Promise<T>) =>
  Promise.race([p, new Promise<never>((_, no) => setTimeout(() => no(new Error(`no answer in ${ms} ms`)), ms))]);

describe('--out', () => {
  it('refuses an empty --out before reading anything', async () => {
    const r = await train('easy', '');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('--out is empty');
    expect(r.stderr).not.toContain('Reading');
  });

  it('refuses an --out that cannot be written before training, not after', async () => {
    const underFile = await train('easy', 'easy/red/red-0.png/run');
    expect(underFile.code).toBe(1);
    expect(underFile.stderr).toMatch(/Cannot write the results to .*red-0\.png\/run: .*red-0\.png is a file/);
    expect(underFile.stderr).not.toContain('epoch 1/');
    const proc = await within(20_000, train('easy', '/proc/x'));
    expect(proc.code).toBe(1);
    expect(proc.stderr).toContain('Cannot write the results to /proc/x');
    expect(proc.stderr).not.toContain('epoch 1/');
    const deep = await within(20_000, train('easy', '/proc/a/b'));
    expect(deep.code).toBe(1);
    expect(deep.stderr).toContain('Cannot write the results to /proc/a/b');
  });

  it('writes all or nothing: a failed run keeps the earlier result, a new one replaces both files, no temporary left', async () => {
    const first = await train('easy', 'keep');
    expect(first.code).toBe(0);
    expect(listing('keep')).toEqual(['metrics.json', 'prompt.safetensors']);
    const before = snapshot('keep');
    const failed = await train('easy', 'keep', '--model', 'nan-model');
    expect(failed.code).toBe(1);
    expect(snapshot('keep')).toEqual(before);
    const again = await train('easy', 'keep', '--seed', '7');
    expect(again.code).toBe(0);
    expect(listing('keep')).toEqual(['metrics.json', 'prompt.safetensors']);
    const after = snapshot('keep');
    expect(after['metrics.json']).not.toEqual(before['metrics.json']);
    expect(after['prompt.safetensors']).not.toEqual(before['prompt.safetensors']);
    const metrics = JSON.parse(readFileSync(join(tmp, 'keep', 'metrics.json'), 'utf8')) as { config: { seed: number } };
    expect(metrics.config.seed).toBe(7);
    expect(readdirSync(tmp).filter((f) => /^keep.|tmp/.test(f))).toEqual([]);
  });

  it('refuses, before training, an --out whose metrics.json is a folder: no new prompt beside old files, no stray temporary', async () => {
    mkdirSync(join(tmp, 'odd', 'metrics.json'), { recursive: true });
    writeFileSync(join(tmp, 'odd', 'prompt.safetensors'), 'an earlier prompt');
    const r = await train('easy', 'odd');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('Cannot write the results to odd: odd/metrics.json is a folder.');
    expect(r.stderr).not.toContain('epoch 1/');
    expect(readFileSync(join(tmp, 'odd', 'prompt.safetensors'), 'utf8')).toBe('an earlier prompt');
    expect(listing('odd')).toEqual(['metrics.json', 'prompt.safetensors']);
    expect(readdirSync(tmp).filter((f) => f.startsWith('odd.'))).toEqual([]);
  });
});

describe('NaN and absurd settings', () => {
  it('stops on a loss that is not finite (NaN weights), naming the cause; nothing is written', async () => {
    const r = await train('easy', 'nan-out', '--model', 'nan-model', '--epochs', '2');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/loss is NaN at the first step/);
    expect(r.stderr).toMatch(/weights/);
    expect(r.stderr).not.toContain('epoch 2/2');
    expect(existsSync(join(tmp, 'nan-out'))).toBe(false);
    expect(readdirSync(tmp).filter((f) => f.startsWith('nan-out'))).toEqual([]);
  });

  it('stops a diverging run, names the learning rate and a safer one, and saves the last finite prompt', async () => {
    // Steep weights (×1e9) and SGD at lr 100: the first update overflows the logits.
    const r = await train('easy', 'diverged', '--model', 'steep', '--epochs', '3', '--lr', '100', '--optimizer', 'sgd');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('Training diverged at epoch 1, step 2: the loss became NaN.');
    expect(r.stderr).toContain('The learning rate 100 is too high for this model and data: try --lr 10.');
    expect(r.stderr).not.toContain('epoch 3/3');
    const file = parsePromptFile(new Uint8Array(readFileSync(join(tmp, 'diverged', 'prompt.safetensors'))));
    expect(file.prompt.delta.every(Number.isFinite)).toBe(true);
    const mapping = file.mapping as { weight: Float32Array; bias: Float32Array };
    expect([...mapping.weight, ...mapping.bias].every(Number.isFinite)).toBe(true);
    const metrics = JSON.parse(readFileSync(join(tmp, 'diverged', 'metrics.json'), 'utf8')) as Record<string, unknown>;
    expect(metrics.diverged).toMatchObject({ epoch: 1, step: 2, loss: 'NaN', keptStep: 1 });
  });

  it('refuses absurd settings with the valid range, before reading the data', async () => {
    const lr = await train('easy', 'absurd', '--lr', '1e9');
    expect(lr.code).toBe(1);
    expect(lr.stderr).toContain('--lr must be at most 100 (got 1e9): the learning rate ranges from 0.000001 to 100.');
    const scale = await train('easy', 'absurd', '--scale', '1e9');
    expect(scale.code).toBe(1);
    expect(scale.stderr).toContain('--scale must be at most 5 (got 1e9): the input scale ranges from 0.1 to 5.');
    for (const r of [lr, scale]) expect(r.stderr).not.toContain('Reading');
  });

  it('says that --source-output does not apply to a built-in model instead of ignoring it', async () => {
    const r = await autovp(['train', '--data', 'easy', '--model', 'darknet-tiny', '--source-output', 'conv', '--mapping',
      'fully', '--out', 'src-out']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('--source-output applies to model folders');
    expect(r.stderr).toContain('darknet-tiny');
  });
});

/** The learnt values of a prompt file: δ and the mapping's weights, in one list. */
function learnt(path: string): number[] {
  const file = parsePromptFile(new Uint8Array(readFileSync(join(tmp, path))));
  const m = file.mapping as { weight: Float32Array; bias: Float32Array };
  return [...file.prompt.delta, ...m.weight, ...m.bias];
}

function expectClose(a: number[], b: number[], tolerance: number) {
  expect(a.length).toBe(b.length);
  expect(Math.max(...a.map((x, i) => Math.abs(x - (b[i] as number))))).toBeLessThanOrEqual(tolerance);
}

describe('interrupts and --resume', () => {
  it('keeps the checkpoint of an interrupted run; --resume ends where the uninterrupted run ends', async () => {
    const whole = await train('easy', 'whole', '--epochs', '2');
    expect(whole.code).toBe(0);
    const stop = new AbortController();
    const cut = await autovp(
      trainArgs('easy', 'cut', '--epochs', '2'),
      (t) => t.includes('epoch 1/2:') && stop.abort(),
      stop.signal,
    );
    expect(cut.code).toBe(130);
    expect(cut.stderr).toContain('Interrupted: the checkpoint after epoch 1/2 is kept in cut.partial.');
    expect(cut.stderr).toContain('--resume cut.partial');
    expect(existsSync(join(tmp, 'cut'))).toBe(false);
    expect(listing('cut.partial/checkpoint')).toEqual(['prompt.safetensors', 'trainer.json']);

    const resumed = await train('easy', 'cut', '--epochs', '2', '--resume', 'cut.partial');
    expect(resumed.code).toBe(0);
    expect(resumed.stderr).toContain('Resuming from cut.partial: 1 of 2 epochs done.');
    expect(resumed.stderr).not.toContain('epoch 1/2:');
    expect(existsSync(join(tmp, 'cut.partial'))).toBe(false);
    expectClose(learnt('cut/prompt.safetensors'), learnt('whole/prompt.safetensors'), 1e-6);
    const a = JSON.parse(readFileSync(join(tmp, 'whole', 'metrics.json'), 'utf8')) as { epochs: unknown[]; test: unknown };
    const b = JSON.parse(readFileSync(join(tmp, 'cut', 'metrics.json'), 'utf8')) as { epochs: unknown[]; test: unknown };
    expect(b.epochs).toEqual(a.epochs);
    expect(b.test).toEqual(a.test);
  });

  it('refuses --resume with other settings, and a new run over an unfinished one, keeping the checkpoint', async () => {
    const stop = new AbortController();
    const cut = await autovp(trainArgs('easy', 'cut2', '--epochs', '2'), (t) => t.includes('epoch 1/2:') && stop.abort(), stop.signal);
    expect(cut.code).toBe(130);
    const other = await train('easy', 'cut2', '--epochs', '2', '--lr', '0.01', '--resume', 'cut2.partial');
    expect(other.code).toBe(1);
    expect(other.stderr).toContain('learningRate: 0.003 in the checkpoint, 0.01 now');
    const fresh = await train('easy', 'cut2', '--epochs', '2');
    expect(fresh.code).toBe(1);
    expect(fresh.stderr).toContain('cut2.partial holds an unfinished run of cut2');
    expect(listing('cut2.partial/checkpoint')).toEqual(['prompt.safetensors', 'trainer.json']);
  });

  it('a real SIGINT to `autovp train` keeps the checkpoint, and --resume reaches the uninterrupted result', async () => {
    const args = trainArgs('easy', 'sig', '--epochs', '30');
    const child = spawn(process.execPath, [join(ROOT, 'cli', 'autovp.mjs'), ...args], {
      cwd: tmp,
      env: { ...process.env, AUTOVP_OFFLINE: '1', AUTOVP_CACHE_DIR: join(tmp, 'cache') },
    });
    let stderr = '';
    let signalled = false;
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      if (!signalled && stderr.includes('epoch 1/30:')) {
        signalled = true;
        child.kill('SIGINT');
      }
    });
    const code = await new Promise<number | null>((done) => child.on('close', (c) => done(c)));
    expect(stderr).toContain('Interrupted: stopping after this step');
    expect(code).toBe(130);
    expect(stderr).toMatch(/Interrupted: the checkpoint after epoch \d+\/30 is kept in sig\.partial\./);
    const resumed = await train('easy', 'sig', '--epochs', '30', '--resume', 'sig.partial');
    expect(resumed.code).toBe(0);
    const whole = await train('easy', 'whole30', '--epochs', '30');
    expect(whole.code).toBe(0);
    expectClose(learnt('sig/prompt.safetensors'), learnt('whole30/prompt.safetensors'), 1e-6);
  }, 240_000);
});

describe('test sets and memory', () => {
  // It runs on the wasm backend, whose memory (4 GB at most) a batch of 2048² canvases exceeds.
  it('trains a batch too large for wasm as passes that fit, instead of "memory access out of bounds"', async () => {
    await writeTinyModelFolder(join(tmp, 'wide'), { inputSize: 2048 });
    writeClassFolders(join(tmp, 'many'), 4, 3);
    const r = await train('many', 'big-batch', '--model', 'wide', '--batch', '1000', '--backend', 'wasm');
    expect(r.stderr).toMatch(/A step of 1000 images would need more memory than one pass may take on wasm: each step runs as passes of \d+ images/);
    expect(r.code).toBe(0);
    const metrics = JSON.parse(readFileSync(join(tmp, 'big-batch', 'metrics.json'), 'utf8')) as { epochs: unknown[] };
    expect(metrics.epochs).toHaveLength(1);
  });

  it('accepts a test set with only some classes and reports accuracy per class for those (--test-data and eval)', async () => {
    writeClassFolders(join(tmp, 'only-red'), 3, 9, { red: (_x, _y, rng) => [200 + rng.int(55), rng.int(60), rng.int(60)] });
    const r = await train('easy', 'partial', '--test-data', 'only-red');
    expect(r.stderr).toContain('The test images cover 1 of 3 classes (none of checker, stripes)');
    expect(r.code).toBe(0);
    const metrics = JSON.parse(readFileSync(join(tmp, 'partial', 'metrics.json'), 'utf8')) as {
      test: { perClass: Record<string, number | null> };
      testDetails: { count: number };
    };
    expect(metrics.testDetails.count).toBe(3);
    expect(typeof metrics.test.perClass.red).toBe('number');
    expect(metrics.test.perClass.checker).toBeNull();
    const ev = await autovp(['eval', '--prompt', 'partial/prompt.safetensors', '--data', 'only-red', '--backend', 'cpu', '--json']);
    expect(ev.code).toBe(0);
    const json = JSON.parse(ev.stdout) as { count: number; perClass: Record<string, number | null> };
    expect(json.count).toBe(3);
    expect(json.perClass.red).toBe(metrics.test.perClass.red);
    expect(json.perClass.stripes).toBeNull();
  });
});
