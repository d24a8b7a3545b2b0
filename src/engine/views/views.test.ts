import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_DESIGN } from '../../core/design/schema';
import type { VPDesign } from '../../core/design/design';
import { toBatchTensor } from '../data/batches';
import type { ImageSet } from '../../core/data/imageSet';
import { maskedPrompt, promptedPictures, promptPicture } from '../export/promptPictures';
import { tinySource } from '../../../test/support/tinyNetwork';
import { trainVisualPrompt } from '../train/trainer';
import { VisualPromptModel } from '../train/visualPromptModel';
import { describeMapping, mappingHistory } from './mapping';
import { colourMapPicture, downscaleRgba, imagePicture, sampleIndices, VIRIDIS_STOPS, viridis } from './pictures';
import { captureLive } from './capture';
import { promptViews } from './promptViews';

describe('describeMapping', () => {
  const names = ['cat', 'dog', 'car', 'ship', 'tree'];

  it('names the k sources of every class of a one-to-one mapping, with SemanticMap similarities', () => {
    const view = describeMapping(
      {
        kind: 'semantic',
        k: 2,
        assignment: [
          [1, 0],
          [4, 2],
        ],
      },
      names,
      {
        similarities: [
          [0.9, 0.8],
          [0.5, 0.25],
        ],
        matchedBy: 'matched by CLIP text embeddings (openai/clip-vit-base-patch32)',
      },
    );
    expect(view.kind).toBe('semantic');
    expect(view.matchedBy).toBe('matched by CLIP text embeddings (openai/clip-vit-base-patch32)');
    expect(view.numTarget).toBe(2);
    expect(view.targets).toEqual([
      [
        { source: 1, name: 'dog', similarity: 0.9 },
        { source: 0, name: 'cat', similarity: 0.8 },
      ],
      [
        { source: 4, name: 'tree', similarity: 0.5 },
        { source: 2, name: 'car', similarity: 0.25 },
      ],
    ]);
  });

  it('lists a FullyMap class by its strongest weights (by magnitude, sign kept)', () => {
    // weight [numSource=5, numTarget=2], row-major s·T + t
    const weight = Float32Array.from([0.1, -0.2, -0.9, 0.3, 0.5, 0.05, 0.2, 0.7, -0.05, 0.4]);
    const view = describeMapping(
      { kind: 'fully', weight, bias: Float32Array.of(0.5, -0.5), numSource: 5, numTarget: 2 },
      names,
      { top: 3 },
    );
    expect(view.k).toBe(3);
    expect(view.targets[0]!.map((s) => [s.name, Number(s.weight!.toFixed(2))])).toEqual([
      ['dog', -0.9],
      ['car', 0.5],
      ['ship', 0.2],
    ]);
    expect(view.targets[1]!.map((s) => s.name)).toEqual(['ship', 'tree', 'dog']);
    expect(view.bias).toEqual([0.5, -0.5]);
  });

  it('numbers sources that have no name', () => {
    const view = describeMapping({ kind: 'random', k: 1, assignment: [[7]] }, names);
    expect(view.targets[0]![0]!.name).toBe('source #7');
  });

  it('lists BLM’s largest non-zero weights per class, largest first', () => {
    // ω [3 sources, 2 classes]: class 0 reads sources 0 (2/3) and 1 (1/3); class 1 only source 1.
    const omega = Float32Array.of(2 / 3, 0, 1 / 3, 1, 0, 0);
    const view = describeMapping({ kind: 'blmplus', omega, numSource: 3, numTarget: 2 }, ['cat', 'dog', 'fox'], { top: 5 });
    expect(view.kind).toBe('blmplus');
    expect(view.targets.map((t) => t.map((s) => [s.name, +s.weight!.toFixed(3)]))).toEqual([
      [['cat', 0.667], ['dog', 0.333]],
      [['dog', 1]],
    ]);
    // The heat map: the sources any class reads, ordered by the class they weigh most for.
    expect(view.heat!.sources.map((s) => s.name)).toEqual(['cat', 'dog']);
    expect(view.heat!.omega.map((row) => row.map((w) => +w.toFixed(3)))).toEqual([
      [0.667, 0.333],
      [0, 1],
    ]);
    const empty = describeMapping({ kind: 'blm', omega: new Float32Array(0), numSource: 3, numTarget: 2 }, ['cat', 'dog', 'fox']);
    expect(empty.targets).toEqual([[], []]);
    expect(empty.heat).toBeUndefined();
  });

  it('keeps BLM’s heat map to 24 source classes, every class’s strongest first, as a diagonal', () => {
    // 30 classes, 100 sources: class t reads source 3t (0.6), 3t+1 (0.3) and 3t+2 (0.1).
    const numTarget = 30;
    const omega = new Float32Array(100 * numTarget);
    for (let t = 0; t < numTarget; t++) [0.6, 0.3, 0.1].forEach((w, i) => (omega[(3 * t + i) * numTarget + t] = w));
    const view = describeMapping({ kind: 'blm', omega, numSource: 100, numTarget }, []);
    const columns = view.heat!.sources.map((s) => s.source);
    expect(columns).toHaveLength(24);
    // 30 first choices do not fit in 24: the first 24 classes' strongest, in class order.
    expect(columns).toEqual(Array.from({ length: 24 }, (_, t) => 3 * t));
    expect(view.heat!.omega[5]![5]).toBeCloseTo(0.6);
    expect(view.heat!.omega[5]![6]).toBe(0);
  });

  it('shows an uncomputed frequency mapping as empty classes', () => {
    const view = describeMapping({ kind: 'freq', k: 1, assignment: [] }, names, { numTarget: 3 });
    expect(view.targets).toEqual([[], [], []]);
  });
});

describe('mappingHistory', () => {
  it('lists the first computation in full, then only the classes that changed', () => {
    const steps = mappingHistory([
      { epoch: 0, assignment: [[0], [1], [2]] },
      { epoch: 1, assignment: [[0], [3], [2]] },
      { epoch: 2, assignment: [[0], [3], [2]] },
      {
        epoch: 3,
        assignment: [
          [2, 4],
          [3, 1],
          [0, 5],
        ].map((a) => a.slice(0, 1)),
      },
    ]);
    expect(steps[0]).toEqual({
      epoch: 0,
      initial: true,
      changes: [0, 1, 2].map((t) => ({ target: t, before: [], after: [t] })),
    });
    expect(steps[1]).toEqual({ epoch: 1, initial: false, changes: [{ target: 1, before: [1], after: [3] }] });
    expect(steps[2]!.changes).toEqual([]);
    expect(steps[3]!.changes.map((c) => c.target)).toEqual([0, 2]);
  });

  it('treats the same sources in another order as no change', () => {
    const steps = mappingHistory([
      { epoch: 0, assignment: [[1, 2]] },
      { epoch: 1, assignment: [[2, 1]] },
    ]);
    expect(steps[1]!.changes).toEqual([]);
  });
});

describe('pictures', () => {
  it('interpolates viridis between its stops', () => {
    expect(viridis(0)).toEqual([0x44, 0x01, 0x54]);
    expect(viridis(1)).toEqual([0xfd, 0xe7, 0x25]);
    expect(viridis(0.5)).toEqual([0x21, 0x91, 0x8c]);
    expect(viridis(-3)).toEqual(viridis(0));
    expect(viridis(Number.NaN)).toEqual(viridis(0));
    expect(VIRIDIS_STOPS).toHaveLength(9);
  });

  it('maps a value range onto the colour map', () => {
    const { image, min, max } = colourMapPicture(Float32Array.of(2, 4, 3, 2), 2, 2);
    expect([min, max]).toEqual([2, 4]);
    expect(Array.from(image.rgba.subarray(0, 4))).toEqual([0x44, 0x01, 0x54, 255]);
    expect(Array.from(image.rgba.subarray(4, 8))).toEqual([0xfd, 0xe7, 0x25, 255]);
    expect(Array.from(image.rgba.subarray(8, 11))).toEqual(viridis(128 / 255));
  });

  it('draws the activated, masked prompt: clamped colours where the mask is on, transparent elsewhere', () => {
    // 2×2 canvas; pixel 0 is the image's place (mask 0), the others are prompt.
    const prompt = {
      canvas: 2,
      delta: Float32Array.of(5, 5, 5, 0, 100, -100, 0.25, 2, -1, 0.5, 0.5, 0.5),
      mask: Float32Array.of(0, 1, 1, 1),
      scale: 1,
      imageSize: 1,
    };
    // sigmoid(0) = 0.5 → 127.5 → 128; sigmoid(±100) → 255 / 0; sigmoid(0.25) = 0.5622 → 143;
    // sigmoid(2) = 0.8808 → 225; sigmoid(-1) = 0.2689 → 69; sigmoid(0.5) = 0.6225 → 159.
    expect(Array.from(promptPicture(prompt, 'sigmoid').rgba)).toEqual([
      0, 0, 0, 0, 128, 255, 0, 255, 143, 225, 69, 255, 159, 159, 159, 255,
    ]);
    // identity: 0.25 → 64 (63.75), values outside [0, 1] clamped.
    expect(Array.from(promptPicture(prompt, 'identity').rgba)).toEqual([
      0, 0, 0, 0, 0, 255, 0, 255, 64, 255, 0, 255, 128, 128, 128, 255,
    ]);
  });

  it('averages pixels when shrinking, weighting colours by alpha', () => {
    // 4×2: left half red opaque / transparent, right half blue.
    const rgba = new Uint8ClampedArray(4 * 2 * 4);
    const put = (x: number, y: number, c: number[]) => rgba.set(c, (y * 4 + x) * 4);
    put(0, 0, [255, 0, 0, 255]);
    put(1, 0, [0, 0, 0, 0]);
    put(0, 1, [255, 0, 0, 255]);
    put(1, 1, [0, 0, 0, 0]);
    for (const [x, y] of [
      [2, 0],
      [3, 0],
      [2, 1],
      [3, 1],
    ] as const)
      put(x, y, [0, 0, 200, 255]);
    const small = downscaleRgba({ width: 4, height: 2, rgba }, 2);
    expect([small.width, small.height]).toEqual([2, 1]);
    expect(Array.from(small.rgba)).toEqual([255, 0, 0, 128, 0, 0, 200, 255]);
    const same = { width: 2, height: 2, rgba: new Uint8ClampedArray(16) };
    expect(downscaleRgba(same, 2)).toBe(same);
  });

  it('turns a grayscale image into a downscaled opaque picture', () => {
    const set: ImageSet = {
      height: 4,
      width: 4,
      channels: 1,
      pixels: Uint8Array.from({ length: 32 }, (_, i) => (i < 16 ? 100 : 200)),
      labels: Int32Array.of(0, 1),
    };
    const pic = imagePicture(set, set.pixels, 1, 2);
    expect([pic.width, pic.height]).toEqual([2, 2]);
    expect(Array.from(pic.rgba.subarray(0, 4))).toEqual([200, 200, 200, 255]);
  });

  it('follows one image of each class first', () => {
    const labels = Int32Array.of(0, 0, 1, 1, 2, 0);
    expect(sampleIndices(labels, Int32Array.of(5, 0, 1, 3, 4), 3)).toEqual([5, 3, 4]);
    expect(sampleIndices(labels, Int32Array.of(0, 1, 2), 4)).toEqual([0, 2, 1]);
  });
});

const source = tinySource({ inputSize: 32, classes: 6, seed: 2 });
const net = source.network;
const design = (over: Partial<VPDesign> = {}): VPDesign => ({
  ...DEFAULT_DESIGN,
  baseSize: 16,
  inputScale: 1,
  batchSize: 8,
  epochs: 1,
  learningRate: 0.1,
  schedule: 'constant',
  ...over,
});

function noise(n: number): ImageSet {
  const pixels = Uint8Array.from({ length: n * 16 * 16 }, (_, i) => (i * 37) % 256);
  return { height: 16, width: 16, channels: 1, pixels, labels: Int32Array.from({ length: n }, (_, i) => i % 2) };
}

beforeAll(async () => {
  await tf.setBackend('cpu');
});
afterAll(() => net.dispose());

describe('prompt views of a live model', () => {
  it('captures the prompt between steps, leaves no tensor behind, and shows what promptedPictures shows', async () => {
    const set = noise(16);
    const model = new VisualPromptModel(source, design({ labelMapping: 'fully' }), 2);
    const samples = toBatchTensor(set, [0, 1, 2], 16);
    const before = tf.memory().numTensors;
    const read = captureLive(model, samples);
    const split = { set, indices: Int32Array.from({ length: 16 }, (_, i) => i) };
    // Training goes on after the capture: the capture keeps the prompt of its moment (zeros).
    await trainVisualPrompt(model, split, split);
    const { state, seen } = await read();
    expect(tf.memory().numTensors).toBe(before);
    expect(Array.from(state.prompt.delta).every((v) => v === 0)).toBe(true);
    expect(seen).toHaveLength(3);

    const views = promptViews(state.prompt, 'sigmoid', seen);
    expect([views.canvas, views.imageSize, views.scale]).toEqual([32, 16, 1]);
    expect(views.prompt.width).toBe(32);
    // sigmoid(0) = 0.5 in the frame, transparent over the image.
    expect(Array.from(views.prompt.rgba.subarray(0, 4))).toEqual([128, 128, 128, 255]);
    const centre = (16 * 32 + 16) * 4;
    expect(views.prompt.rgba[centre + 3]).toBe(0);
    // The frame of a constant prompt: its spectrum peaks at the centre (the mean).
    const spectrumMax = views.spectrumRange[1];
    expect(spectrumMax).toBeGreaterThan(views.spectrumRange[0]);
    expect(Array.from(views.spectrum.rgba.subarray((16 * 32 + 16) * 4, (16 * 32 + 16) * 4 + 3))).toEqual(viridis(1));

    const now = await model.prompter.state();
    const expected = await promptedPictures(model.design, { ...state.prompt }, samples);
    expect(Array.from(seen[1]!.rgba)).toEqual(Array.from(expected[1]!.rgba));
    expect(maskedPrompt(now, 'sigmoid').some((v, i) => v !== maskedPrompt(state.prompt, 'sigmoid')[i])).toBe(true);
    samples.dispose();
    model.dispose();
  });

  it('shrinks a large canvas to the view size', () => {
    const c = 300;
    const prompt = {
      canvas: c,
      delta: new Float32Array(c * c * 3),
      mask: new Float32Array(c * c).fill(1),
      scale: 1,
      imageSize: 0,
    };
    const views = promptViews(prompt, 'identity', [], 150);
    expect([views.prompt.width, views.spectrum.width]).toEqual([150, 150]);
  });
});
