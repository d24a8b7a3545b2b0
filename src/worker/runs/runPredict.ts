/**
 * Using a stored prompt: predict the classes of single images, and evaluate it on a dataset.
 * The run's prompt file is loaded into a model on the app's copy of its source network (kept
 * while the same run and network are in use). Images go through the same preprocessing as the
 * run's dataset: decoded off the main thread with the import's decoder (fit, alpha background),
 * then the engine's own resize to the base size.
 */
import * as tf from '@tensorflow/tfjs-core';
import { toBatchTensor } from '../../engine/data/batches';
import type { ImageFit } from '../../core/data/imageFit';
import type { ImageSet } from '../../core/data/imageSet';
import { sniffImage } from '../../core/data/imageSniff';
import { stratifiedSample } from '../../core/data/splits';
import { modelFromPromptFile } from '../../engine/export/loadPrompt';
import type { PromptFile } from '../../engine/export/promptFile';
import { batchToRgba } from '../../engine/export/promptPictures';
import { chunks, evaluate } from '../../engine/train/evaluate';
import type { SplitImages } from '../../core/data/runSplits';
import type { SourceModel, VisualPromptModel } from '../../engine/train/visualPromptModel';
import type { ClassProbability, EvaluateProgress, Prediction, RunEvaluation, StoredRunInfo } from '../api/runsApi';
import { IMPORT_LIMITS } from '../../core/import/types';
import { getDataset } from '../datasets/datasets';
import { createCanvasDecoder } from '../import/canvasDecoder';
import type { DecodeImage } from '../../core/import/importPipeline';
import { getSourceModel } from '../models/models';
import { loadRunFile } from './storedRuns';
import { updateRun } from './runsStore';
import { isTraining } from '../training/training';
import { selectSplits } from '../../core/data/runSplits';

/** Images predicted per call (the UI sends more in several calls). */
export const MAX_PREDICT_FILES = 64;
const BATCH = 16;

let active: { runId: string; source: SourceModel; model: VisualPromptModel; file: PromptFile; info: StoredRunInfo } | null = null;

async function activeModel(runId: string) {
  if (isTraining()) throw new Error('Training is running: predict and evaluate once it has ended.');
  const { info, file, model: manifest } = await loadRunFile(runId);
  const source = await getSourceModel(manifest.id, () => undefined, file.manifest.targetClasses);
  if (active?.runId === runId && active.source === source) return { ...active, info };
  releaseActiveModel();
  active = { runId, source, model: modelFromPromptFile(source, file), file, info };
  return active;
}

/** Frees the loaded prompt (run deleted, backend switched). */
export function releaseActiveModel(): void {
  active?.model.dispose();
  active = null;
}

/**
 * Side an image is decoded at. Imported datasets stored every image at their working size, so
 * do the same. Built-in datasets hold their images at their own size and the engine resizes
 * them to the base size: a dropped image is kept at its own (square) size up to the base size,
 * so a 28×28 digit goes the exact path MNIST's digits went.
 */
export function decodeSize(workingSize: number | null, base: number, fit: ImageFit, width?: number, height?: number): number {
  if (workingSize) return workingSize;
  if (!width || !height) return base;
  return Math.max(1, Math.min(base, fit === 'crop' ? Math.min(width, height) : Math.max(width, height)));
}

const describe = (e: unknown) => (e instanceof Error ? e.message : String(e));

export async function predict(runId: string, files: File[]): Promise<Prediction[]> {
  if (files.length > MAX_PREDICT_FILES) throw new Error(`At most ${MAX_PREDICT_FILES} images at a time.`);
  const { model, file } = await activeModel(runId);
  const pre = file.manifest.preprocessing;
  const decoders = new Map<number, DecodeImage>();
  const decoderFor = (size: number) => {
    let d = decoders.get(size);
    if (!d) decoders.set(size, (d = createCanvasDecoder(size, pre.fit, pre.alphaBackground)));
    return d;
  };
  const base = pre.baseSize;
  const results: (Prediction | null)[] = [];
  const decoded: { at: number; rgb: Uint8Array; size: number }[] = [];
  for (const f of files) {
    const fail = (error: string) => results.push({ ok: false, fileName: f.name, error });
    if (f.size === 0) {
      fail('The file is empty.');
      continue;
    }
    if (f.size > IMPORT_LIMITS.maxFileBytes) {
      fail(`The file is larger than ${IMPORT_LIMITS.maxFileBytes / 1024 ** 2} MB.`);
      continue;
    }
    try {
      const bytes = new Uint8Array(await f.arrayBuffer());
      const sniff = sniffImage(bytes);
      if (!sniff.decodable) {
        fail(`This is not an image the app reads (${sniff.description}); use PNG, JPEG, GIF, WebP or BMP.`);
        continue;
      }
      if (sniff.width && sniff.height && sniff.width * sniff.height > IMPORT_LIMITS.maxPixels) {
        fail(`${sniff.width}×${sniff.height} pixels is more than the ${IMPORT_LIMITS.maxPixels / 1e6} megapixels accepted.`);
        continue;
      }
      const size = decodeSize(pre.workingSize, base, pre.fit, sniff.width, sniff.height);
      decoded.push({ at: results.length, rgb: await decoderFor(size)(bytes, sniff), size });
      results.push(null);
    } catch (e) {
      fail(`The image could not be decoded: ${describe(e)}`);
    }
  }
  const names = file.manifest.targetClasses;
  const k = Math.min(5, names.length);
  const c = model.source.input.canvas;
  for (const batch of chunks(Int32Array.from(decoded, (_, i) => i), BATCH)) {
    const [probs, seen] = tf.tidy(() => {
      // Images of different sides: each becomes a base image on its own, as in a dataset.
      const x = tf.concat(Array.from(batch, (i) => {
        const d = decoded[i]!;
        const one: ImageSet = { height: d.size, width: d.size, channels: 3, pixels: d.rgb, labels: Int32Array.of(0) };
        return toBatchTensor(one, [0], base);
      })) as tf.Tensor4D;
      return [tf.softmax(model.logits(x)), model.prompter.prompted(x)];
    });
    const [p, s] = await Promise.all([probs.data() as Promise<Float32Array>, seen.data() as Promise<Float32Array>]);
    tf.dispose([probs, seen]);
    const pictures = batchToRgba(s, batch.length, c, c);
    batch.forEach((i, j) => {
      const row = p.subarray(j * names.length, (j + 1) * names.length);
      const top: ClassProbability[] = Array.from(row, (probability, classIndex) => ({ classIndex, name: names[classIndex]!, probability }))
        .sort((a, b) => b.probability - a.probability)
        .slice(0, k);
      const d = decoded[i]!;
      results[d.at] = { ok: true, fileName: files[d.at]!.name, top, seen: pictures[j]! };
    });
  }
  return results as Prediction[];
}

const MAX_EVALUATIONS = 20;

/**
 * The stored prompt on a dataset. On the dataset it was trained on, with the selection it was
 * trained with, the test images are the run's own (so the accuracy it reported comes back);
 * elsewhere up to maxImages of the dataset's test split, or of all its images when it has none.
 */
export async function evaluateRun(runId: string, datasetId: string, options: { maxImages: number }, onProgress: (p: EvaluateProgress) => void): Promise<RunEvaluation> {
  const { model, file, info } = await activeModel(runId);
  const d = await getDataset(datasetId);
  const want = file.manifest.targetClasses;
  const have = d.meta.classes;
  if (want.length !== have.length || want.some((c, i) => c !== have[i])) {
    const list = (c: string[]) => (c.length > 12 ? `${c.slice(0, 12).join(', ')}, … (${c.length})` : c.join(', '));
    throw new Error(`This prompt predicts the classes ${list(want)}, but "${d.meta.name}" has ${list(have)}. Evaluate on a dataset with the same classes in the same order.`);
  }
  const seed = info.design.seed;
  const maxImages = Math.max(1, Math.floor(options.maxImages));
  let split: SplitImages;
  let which: RunEvaluation['split'];
  const own = info.data && info.dataset?.id === datasetId ? selectSplits(d, info.data, info.design.seed) : null;
  if (own) {
    split = own.test ?? own.val;
    which = own.test ? (d.test ? 'test' : 'held-out') : 'held-out';
  } else if (d.test) {
    split = { set: d.test, indices: stratifiedSample(d.test.labels, { total: maxImages }, seed + 2) };
    which = 'test';
  } else {
    split = { set: d.train, indices: stratifiedSample(d.train.labels, { total: maxImages }, seed + 2) };
    which = 'all';
  }
  const total = split.indices.length;
  const batchSize = info.design.batchSize;
  let batches = 0;
  onProgress({ done: 0, total });
  // evaluate() asks whether to stop once before every batch: that is the progress tick.
  const e = await evaluate(model, split, batchSize, () => {
    onProgress({ done: Math.min(total, batches++ * batchSize), total });
    return false;
  });
  onProgress({ done: total, total });
  const result: RunEvaluation = {
    loss: e.loss,
    accuracy: e.accuracy,
    perClass: e.perClass,
    confusion: e.confusion,
    count: e.count,
    datasetId,
    datasetName: d.meta.name,
    split: which,
    at: Date.now(),
  };
  await updateRun(runId, (r) => ({ ...r, evaluations: [result, ...r.evaluations].slice(0, MAX_EVALUATIONS), updatedAt: Date.now() }));
  return result;
}
