/**
 * The `autovp` command end to end, through its real entry point (node cli/autovp.mjs, which
 * builds the Node bundle with Vite when the sources changed): image folders written here with
 * pngjs / jpeg-js, the bundled darknet-tiny (models/darknet-tiny, served from public/generated),
 * its copy in ../shared as a model folder and as a hub stand-in (those tests skip, saying so,
 * without it), and never the network (AUTOVP_OFFLINE=1; hub downloads come from a file:// mirror).
 */
import { execFile } from 'node:child_process';
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
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import darknetReferenceManifest from '../../models/darknet-reference.json';
import { parsePromptFile } from '../engine/export/promptFileReader';
import { fileName } from './hubCache';
import { writeClassFolders, writeTrainTest } from '../../test/support/imageFolder';

const ROOT = resolve(__dirname, '../..');
const SHARED_DARKNET = resolve(ROOT, '../shared/models/darknet-tiny');
const hasDarknet = existsSync(join(SHARED_DARKNET, 'model.json'));

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

let tmp = '';
let cache = '';

function autovp(args: string[], vars: Record<string, string> = {}): Promise<Run> {
  return new Promise((done) => {
    execFile(
      process.execPath,
      [join(ROOT, 'cli', 'autovp.mjs'), ...args],
      {
        cwd: tmp,
        env: { ...process.env, AUTOVP_OFFLINE: '1', AUTOVP_CACHE_DIR: cache, ...vars },
        maxBuffer: 64 * 1024 * 1024,
        timeout: 170_000,
      },
      (error, stdout, stderr) =>
        done({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr }),
    );
  });
}

const readJson = (path: string) => JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;

beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'autovp-cli-'));
  cache = join(tmp, 'cache');
  writeClassFolders(join(tmp, 'easy'), 8, 1);
  // Files the import must skip with a reason, and ignore.
  writeFileSync(join(tmp, 'easy', 'red', 'notes.txt'), 'not an image');
  // A WebP header declaring 16×16 (the CLI does not decode WebP).
  const webp = Buffer.alloc(40);
  webp.write('RIFF', 0, 'ascii');
  webp.writeUInt32LE(32, 4);
  webp.write('WEBPVP8 ', 8, 'ascii');
  webp.writeUInt32LE(20, 16);
  webp.set([0x9d, 0x01, 0x2a], 23);
  webp.writeUInt16LE(16, 26);
  webp.writeUInt16LE(16, 28);
  writeFileSync(join(tmp, 'easy', 'red', 'photo.webp'), webp);
  writeFileSync(join(tmp, 'easy', 'red', '.DS_Store'), 'x');
  writeTrainTest(join(tmp, 'tt'), 6, 4, 3);
});

afterAll(() => {
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

describe('autovp: usage and errors', () => {
  it('prints help for the program and every command', async () => {
    const main = await autovp(['--help']);
    expect(main.code).toBe(0);
    expect(main.stdout).toMatch(/Commands:[\s\S]*train[\s\S]*eval[\s\S]*search/);
    for (const command of ['train', 'eval', 'search']) {
      const r = await autovp([command, '--help']);
      expect(r.code).toBe(0);
      expect(r.stdout).toContain(`autovp ${command} —`);
      expect(r.stdout).toContain('--data');
    }
    const train = await autovp(['train', '--help']);
    for (const flag of [
      '--test-data',
      '--model',
      '--mapping',
      '--k',
      '--interval',
      '--scale',
      '--trainable-resize',
      '--prompt',
      '--epochs',
      '--batch',
      '--lr',
      '--seed',
      '--fraction',
      '--out',
    ]) {
      expect(train.stdout).toContain(flag);
    }
  });

  it('refuses bad input with a clear message and exit code 1', async () => {
    const unknownOption = await autovp(['train', '--data', 'easy', '--model', 'x', '--out', 'o', '--epoch', '2']);
    expect(unknownOption.code).toBe(1);
    expect(unknownOption.stderr).toContain('Unknown option --epoch for autovp train: did you mean --epochs?');

    const missing = await autovp(['train', '--data', 'easy', '--out', 'o']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('needs --model');

    const badChoice = await autovp(['train', '--data', 'easy', '--model', 'x', '--mapping', 'freqmap', '--out', 'o']);
    expect(badChoice.code).toBe(1);
    expect(badChoice.stderr).toContain('--mapping must be one of fully, freq, iter, semantic, random');

    const noFolder = await autovp(['train', '--data', 'nowhere', '--model', 'nsfwjs-mobilenet-v2', '--out', 'o']);
    expect(noFolder.code).toBe(1);
    expect(noFolder.stderr).toMatch(/No such folder: .*nowhere/);

    const unknownModel = await autovp(['train', '--data', 'easy', '--model', 'resnet-9000', '--out', 'o']);
    expect(unknownModel.code).toBe(1);
    expect(unknownModel.stderr).toContain('Unknown model "resnet-9000"');

    // 3 classes × k = 2 need 6 distinct source labels; this model has 5.
    const capacity = await autovp([
      'train',
      '--data',
      'easy',
      '--model',
      'nsfwjs-mobilenet-v2',
      '--mapping',
      'freq',
      '--k',
      '2',
      '--out',
      'o',
    ]);
    expect(capacity.code).toBe(1);
    expect(capacity.stderr).toContain(
      'A one-to-one label mapping needs 3 target classes × k=2 = 6 distinct source labels, but the model has only 5',
    );
    expect(existsSync(join(tmp, 'o'))).toBe(false);

    const oneClass = join(tmp, 'one-class');
    writeClassFolders(oneClass, 2, 1, { solo: () => [1, 2, 3] });
    const single = await autovp(['train', '--data', oneClass, '--model', 'nsfwjs-mobilenet-v2', '--out', 'o']);
    expect(single.code).toBe(1);
    expect(single.stderr).toMatch(/one class|at least two/i);
  });
});

describe('autovp with the bundled darknet-tiny (models/darknet-tiny; no ../shared, no network)', () => {
  it('trains --model darknet-tiny from the bundled copy, and eval finds it again', async () => {
    const run = await autovp([
      'train',
      '--data',
      'tt',
      '--model',
      'darknet-tiny',
      '--mapping',
      'freq',
      '--k',
      '2',
      '--epochs',
      '1',
      '--batch',
      '6',
      '--no-baseline',
      '--out',
      'bundled',
    ]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toContain('Loading Darknet tiny (ImageNet-1k, 1000 classes) (bundled)…');
    // Nothing downloaded, nothing cached.
    expect(existsSync(join(cache, 'hub'))).toBe(false);
    const metrics = readJson(join(tmp, 'bundled', 'metrics.json'));
    expect(metrics.model).toMatchObject({ id: 'darknet-tiny', origin: 'bundled', numSource: 1000 });
    // FreqMap trains the prompt alone: 3·(224² − 128²).
    expect(metrics.parameters).toBe(101_376);
    expect(run.stderr).toContain('Training 101,376 parameters (prompt 101,376) for 1 epoch');
    const file = parsePromptFile(new Uint8Array(readFileSync(join(tmp, 'bundled', 'prompt.safetensors'))));
    expect(file.manifest.model.id).toBe('darknet-tiny');
    expect(file.manifest.model.source).toMatchObject({ kind: 'bundled', folder: 'models/darknet-tiny' });
    const ev = await autovp(['eval', '--prompt', 'bundled/prompt.safetensors', '--data', 'tt', '--json']);
    expect(ev.code, ev.stderr).toBe(0);
    expect((JSON.parse(ev.stdout) as { count: number }).count).toBe(12);
  });
});

describe.skipIf(!hasDarknet)(
  `autovp with darknet-tiny's copy in ../shared (skipped: ${SHARED_DARKNET} is absent)`,
  () => {
    it('trains on a class-folder tree, writes metrics.json and the prompt file, and eval repeats the test accuracy', async () => {
      const run = await autovp([
        'train',
        '--data',
        'easy',
        '--model',
        SHARED_DARKNET,
        '--mapping',
        'fully',
        '--epochs',
        '2',
        '--batch',
        '4',
        '--lr',
        '0.003',
        '--seed',
        '3',
        '--out',
        'run1',
      ]);
      expect(run.code, run.stderr).toBe(0);
      expect(run.stderr).toContain('using its manifest (id darknet-tiny)');
      expect(run.stderr).toMatch(/photo\.webp: .*the autovp CLI decodes PNG and JPEG only/);
      expect(run.stderr).toMatch(/notes\.txt/);
      expect(run.stderr).toMatch(/epoch 2\/2: train loss/);

      const metrics = readJson(join(tmp, 'run1', 'metrics.json'));
      const config = metrics.config as Record<string, unknown>;
      expect(config).toMatchObject({
        labelMapping: 'fully',
        epochs: 2,
        batchSize: 4,
        learningRate: 0.003,
        seed: 3,
        inputScale: 1,
        prompt: 'pad',
        modelId: 'darknet-tiny',
      });
      const epochs = metrics.epochs as Record<string, number>[];
      expect(epochs).toHaveLength(2);
      for (const [i, e] of epochs.entries()) {
        expect(Object.keys(e).sort()).toEqual(['epoch', 'trainAcc', 'trainLoss', 'valAcc']);
        expect(e.epoch).toBe(i + 1);
        for (const k of ['trainAcc', 'valAcc'] as const) {
          expect(e[k]).toBeGreaterThanOrEqual(0);
          expect(e[k]).toBeLessThanOrEqual(1);
        }
        expect(Number.isFinite(e.trainLoss)).toBe(true);
      }
      const test = metrics.test as { accuracy: number; loss: number; perClass: Record<string, number | null> };
      expect(Object.keys(test).sort()).toEqual(['accuracy', 'loss', 'perClass']);
      expect(Object.keys(test.perClass).sort()).toEqual(['checker', 'red', 'stripes']);
      expect(test.accuracy).toBeGreaterThan(1 / 3 + 0.1); // above chance on an easy task
      expect(test.accuracy).toBeLessThanOrEqual(1);
      const lp = metrics.baselineLP as { accuracy: number };
      expect(Object.keys(lp)).toEqual(['accuracy']);
      expect(lp.accuracy).toBeGreaterThan(1 / 3);
      // The baseline is AutoVP's: a linear layer on the pooled 128-d features of leaky_re_lu_15;
      // the probe on the same 14×14×128 map flattened is an extra, under its own key.
      const flat = metrics.baselineLPFlattened as { accuracy: number };
      expect(Object.keys(flat)).toEqual(['accuracy']);
      expect(metrics.baselineDetails).toMatchObject({
        features: 'pooled',
        featureDim: 128,
        parameters: 128 * 3 + 3,
        flattened: { features: 'flattened', featureDim: 25_088, parameters: 25_088 * 3 + 3 },
      });
      expect(run.stderr).toContain('linear probing (pooled 128-d features, 387 parameters): test accuracy');
      expect(run.stderr).toContain('extra: linear probe on flattened conv features (25,088-d, 75,267 parameters)');
      expect(run.stdout).toMatch(/linear probing \(pooled 128-d\) [\d.]+ · extra: flattened 25,088-d [\d.]+/);
      // Trainable parameters: the padding prompt's frame at scale 1, 3·(224² − 128²), plus FullyMap 1000 → 3.
      expect(metrics.parameters).toBe(101_376 + 3_003);
      expect(run.stderr).toContain('Training 104,379 parameters (prompt 101,376 + mapping 3,003)');
      expect(run.stderr).toContain('trainable parameters: visual prompt 104,379 · linear probe 387');
      expect(metrics.counts).toEqual({ train: expect.any(Number), validation: expect.any(Number), test: 6 });

      const file = parsePromptFile(new Uint8Array(readFileSync(join(tmp, 'run1', 'prompt.safetensors'))));
      expect(file.manifest.model.id).toBe('darknet-tiny');
      expect(file.manifest.targetClasses).toEqual(['checker', 'red', 'stripes']);
      expect(file.manifest.labelMapping.kind).toBe('fully');
      expect(file.manifest.metrics.test?.accuracy).toBeCloseTo(test.accuracy, 10);
      expect(file.manifest.preprocessing).toMatchObject({
        baseSize: 128,
        fit: 'crop',
        workingSize: 128,
        alphaBackground: [255, 255, 255],
      });
      expect(file.manifest.preprocessing.dataset?.resampling).toContain('autovp CLI');
      expect(file.mapping.kind).toBe('fully');

      // eval on the same folder evaluates the test split the run held out, from the file's seed.
      const ev = await autovp(['eval', '--prompt', join('run1', 'prompt.safetensors'), '--data', 'easy']);
      expect(ev.code, ev.stderr).toBe(0);
      expect(ev.stdout).toContain(`accuracy ${test.accuracy.toFixed(4)}`);
      const json = await autovp(['eval', '--prompt', join('run1', 'prompt.safetensors'), '--data', 'easy', '--json']);
      const result = JSON.parse(json.stdout) as { accuracy: number; count: number; loss: number };
      expect(result.count).toBe(6);
      expect(result.accuracy).toBeCloseTo(test.accuracy, 10);
      expect(result.loss).toBeCloseTo(test.loss, 4);
    });

    it('trains a hub model (downloaded through a mirror into the cache) on a train/test tree; eval works offline from the cache', async () => {
      // Stand-in for Darknet reference (29 MB, no local copy): darknet-tiny's files at its public
      // URL, with the input declared 256² as the reference's manifest says (the network is
      // convolutional and ends in a global average, and both have leaky_re_lu_7 and
      // global_average_pooling2d_1). Only the hub path is under test here, not the reference's weights.
      const standIn = join(tmp, 'reference-stand-in');
      mkdirSync(standIn);
      const json = readFileSync(join(SHARED_DARKNET, 'model.json'), 'utf8').replaceAll(
        /\[\s*null,\s*224,\s*224,\s*3\s*\]/g,
        '[null, 256, 256, 3]',
      );
      writeFileSync(join(standIn, 'model.json'), json);
      for (const f of readdirSync(SHARED_DARKNET).filter((n) => n.startsWith('group')))
        symlinkSync(join(SHARED_DARKNET, f), join(standIn, f));
      const hubUrl = darknetReferenceManifest.weights.url;
      const mirror = {
        [hubUrl.replace(/model\.json$/, '')]: pathToFileURL(`${standIn}/`).href,
        [darknetReferenceManifest.sourceClasses.url]: pathToFileURL(join(SHARED_DARKNET, 'classes.json')).href,
      };
      const run = await autovp(
        [
          'train',
          '--data',
          'tt',
          '--model',
          'darknet-reference',
          '--mapping',
          'freq',
          '--k',
          '2',
          '--epochs',
          '1',
          '--batch',
          '6',
          '--no-baseline',
          '--out',
          'run2',
        ],
        { AUTOVP_HUB_MIRROR: JSON.stringify(mirror) },
      );
      expect(run.code, run.stderr).toBe(0);
      expect(run.stderr).toContain('Downloading Darknet reference');
      expect(existsSync(join(cache, 'hub', fileName(hubUrl)))).toBe(true);
      const metrics = readJson(join(tmp, 'run2', 'metrics.json'));
      expect(metrics.baselineLP).toBeNull();
      expect(metrics.baselineLPFlattened).toBeNull();
      const test = metrics.test as { accuracy: number };
      expect(metrics.counts).toMatchObject({ test: 12 });
      expect(test.accuracy).toBeGreaterThanOrEqual(0);
      // FreqMap trains the prompt alone: the frame around a 128-px image on a 256 canvas.
      expect(metrics.parameters).toBe(3 * (256 * 256 - 128 * 128));
      const file = parsePromptFile(new Uint8Array(readFileSync(join(tmp, 'run2', 'prompt.safetensors'))));
      expect(file.mapping.kind).toBe('freq');
      expect(file.manifest.model.source).toMatchObject({ kind: 'hub', url: hubUrl });

      // No mirror, no network: the cached files serve.
      const ev = await autovp(['eval', '--prompt', 'run2/prompt.safetensors', '--data', 'tt', '--json']);
      expect(ev.code, ev.stderr).toBe(0);
      const result = JSON.parse(ev.stdout) as { accuracy: number; count: number };
      expect(result.count).toBe(12);
      expect(result.accuracy).toBeCloseTo(test.accuracy, 10);
    });

    it('searches a few configurations with ASHA and trains the winner, in one process or in two workers', async () => {
      const searchArgs = [
        'search',
        '--data',
        'easy',
        '--test-data',
        join('tt', 'test'),
        '--model',
        SHARED_DARKNET,
        '--mappings',
        'fully,freq',
        '--scales',
        '1',
        '--ks',
        '1',
        '--max-trials',
        '3',
        '--max-epochs',
        '2',
        '--final-epochs',
        '1',
        '--batch',
        '8',
        '--no-baseline',
        '--seed',
        '5',
        '--out',
        'search',
      ];
      const run = await autovp(searchArgs);
      expect(run.code, run.stderr).toBe(0);
      const search = readJson(join(tmp, 'search', 'search.json'));
      expect(search.status).toBe('finished');
      const trials = search.trials as {
        id: string;
        design: Record<string, unknown>;
        epochs: number;
        rungsReached: number[];
        valAcc: number | null;
        status: string;
      }[];
      expect(trials).toHaveLength(3);
      for (const t of trials) {
        expect(t.id).toMatch(/^darknet-tiny\/(fully|freq|iter1)\//);
        expect(t.design).toHaveProperty('labelMapping');
        expect(t.epochs).toBeGreaterThanOrEqual(1);
        expect(t.epochs).toBeLessThanOrEqual(2);
        expect(Array.isArray(t.rungsReached)).toBe(true);
        expect(t.valAcc).toBeGreaterThanOrEqual(0);
        expect(['completed', 'stopped']).toContain(t.status);
      }
      const winner = search.winner as { id: string; finalTraining: { testAccuracy: number } };
      expect(trials.map((t) => t.id)).toContain(winner.id);
      const metrics = readJson(join(tmp, 'search', 'metrics.json'));
      expect((metrics.config as Record<string, unknown>).winner).toBe(winner.id);
      expect((metrics.test as { accuracy: number }).accuracy).toBe(winner.finalTraining.testAccuracy);
      expect((metrics.counts as { test: number }).test).toBe(12); // --test-data: every image of tt/test
      const file = parsePromptFile(new Uint8Array(readFileSync(join(tmp, 'search', 'prompt.safetensors'))));
      expect(file.manifest.targetClasses).toEqual(['checker', 'red', 'stripes']);

      // The same search with two worker processes: each trial's first epoch trains to the same
      // numbers as in one process (same seed, same data), and both workers take part.
      const parallel = await autovp([...searchArgs.slice(0, -1), 'search2', '--workers', '2']);
      expect(parallel.code, parallel.stderr).toBe(0);
      expect(parallel.stderr).toContain('2 workers');
      const search2 = readJson(join(tmp, 'search2', 'search.json'));
      expect(search2.status).toBe('finished');
      expect((search2.config as { workers: number }).workers).toBe(2);
      const firstEpoch = (ts: unknown) =>
        Object.fromEntries((ts as { id: string; valAccByEpoch: number[] }[]).map((t) => [t.id, t.valAccByEpoch[0]]));
      expect(firstEpoch(search2.trials)).toEqual(firstEpoch(trials));
    });
  },
);

describe('the Node decoder', () => {
  it('is exercised above; here: a transparent PNG composites onto white, a JPEG decodes', async () => {
    const { createNodeDecoder } = await import('./decode');
    const { sniffImage } = await import('../core/data/imageSniff');
    const { pngBytes, jpegBytes } = await import('../../test/support/imageFolder');
    const { Rng } = await import('../core/util/rng');
    const decode = createNodeDecoder(8, 'crop', [255, 255, 255]);
    const clear = pngBytes(16, 16, () => [0, 0, 0], new Rng(1), 0);
    expect([...(await decode(clear, sniffImage(clear)))].every((v) => v === 255)).toBe(true);
    const half = pngBytes(16, 16, () => [0, 0, 0], new Rng(1), 128);
    expect(Math.abs(((await decode(half, sniffImage(half)))[0] as number) - 127)).toBeLessThanOrEqual(1);
    const red = jpegBytes(20, 10, () => [250, 0, 0], new Rng(1));
    const rgb = await decode(red, sniffImage(red));
    expect(rgb.length).toBe(8 * 8 * 3);
    expect(rgb[0]).toBeGreaterThan(200);
    expect(rgb[1]).toBeLessThan(40);
  });

  it('applies EXIF orientations (a 3×2 image turned upright) and crops the centre of wide images', async () => {
    const { fitToSquare, orient } = await import('./decode');
    // Pixel values 1..6 in the red channel, row-major: [[1, 2, 3], [4, 5, 6]].
    const img = {
      width: 3,
      height: 2,
      data: Uint8Array.from({ length: 24 }, (_, i) => (i % 4 === 0 ? i / 4 + 1 : i % 4 === 3 ? 255 : 0)),
    };
    const red = (o: { width: number; height: number; data: Uint8Array }) =>
      Array.from({ length: o.width * o.height }, (_, p) => o.data[p * 4]);
    expect(red(orient(img, 1))).toEqual([1, 2, 3, 4, 5, 6]);
    expect(red(orient(img, 2))).toEqual([3, 2, 1, 6, 5, 4]);
    expect(red(orient(img, 3))).toEqual([6, 5, 4, 3, 2, 1]);
    expect(red(orient(img, 4))).toEqual([4, 5, 6, 1, 2, 3]);
    expect(red(orient(img, 5))).toEqual([1, 4, 2, 5, 3, 6]);
    expect(red(orient(img, 6))).toEqual([4, 1, 5, 2, 6, 3]); // 90° clockwise
    expect(red(orient(img, 7))).toEqual([6, 3, 5, 2, 4, 1]);
    expect(red(orient(img, 8))).toEqual([3, 6, 2, 5, 1, 4]); // 90° counter-clockwise
    expect(orient(img, 6)).toMatchObject({ width: 2, height: 3 });
    // 'crop' keeps the middle column pair of a 4×2 image: [[9, 1, 2, 9], [9, 3, 4, 9]] → 2×2 at size 2.
    const wide = {
      width: 4,
      height: 2,
      data: Uint8Array.from([9, 1, 2, 9, 9, 3, 4, 9].flatMap((v) => [v, v, v, 255])),
    };
    expect(Array.from(fitToSquare(wide, 2, 'crop', [0, 0, 0])).filter((_, i) => i % 3 === 0)).toEqual([1, 2, 3, 4]);
    // 'pad' letterboxes onto the background: the image rows in the middle, background above and below.
    expect(Array.from(fitToSquare(wide, 4, 'pad', [0, 0, 0])).filter((_, i) => i % 3 === 0)).toEqual([
      0, 0, 0, 0, 9, 1, 2, 9, 9, 3, 4, 9, 0, 0, 0, 0,
    ]);
  });
});
