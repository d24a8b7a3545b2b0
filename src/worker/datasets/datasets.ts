import * as Comlink from 'comlink';
import { BUILTIN_DATASET_IDS, loadBuiltinDataset } from '../../core/data/builtinDataset';
import { countByClass, type Dataset, type ImageCollection } from '../../core/data/imageSet';
import { stratifiedSplitCounts, sumCounts } from '../../core/data/splitCounts';
import type { DatasetSummary, Thumbnail } from '../api/trainingApi';
import type { SplitPlan } from '../api/importApi';
import type { StoredDatasetInfo } from '../../core/import/types';
import { fetchAppBytes } from '../context';
import { deleteStoredDataset, listStoredDatasets, loadStoredDataset } from './datasetStore';
import { classThumbnails } from './thumbnails';

/** Datasets kept in memory: the built-ins and at most this many imported ones (they can be large). */
const MAX_IMPORTED_IN_MEMORY = 1;
const loaded = new Map<string, Promise<Dataset>>();

export const isBuiltinDataset = (id: string) => (BUILTIN_DATASET_IDS as readonly string[]).includes(id);

/**
 * A dataset by id, loaded once and kept in memory (uint8 pixels): the built-ins ('mnist',
 * 'fashion-mnist') from the app's generated files, anything else from this browser's imported
 * datasets (IndexedDB). An imported dataset with its own test split has it as `test`.
 */
export function getDataset(id: string): Promise<Dataset> {
  let d = loaded.get(id);
  if (d) {
    loaded.delete(id); // most recently used last
    loaded.set(id, d);
    return d;
  }
  if (isBuiltinDataset(id)) {
    d = loadBuiltinDataset(id, fetchAppBytes);
  } else {
    const imported = [...loaded.keys()].filter((k) => !isBuiltinDataset(k));
    for (const old of imported.slice(0, Math.max(0, imported.length - MAX_IMPORTED_IN_MEMORY + 1))) loaded.delete(old);
    d = loadStoredDataset(id);
  }
  d.catch(() => loaded.delete(id));
  loaded.set(id, d);
  return d;
}

/** Largest thumbnail side sent to the UI (imported images are 128 px; rows show them at 28 px). */
const THUMB_MAX = 64;

/** Box-filter downscale by an integer factor so that the side is at most THUMB_MAX. */
function shrink(t: Thumbnail): Thumbnail {
  const f = Math.ceil(Math.max(t.width, t.height) / THUMB_MAX);
  if (f <= 1) return t;
  const width = Math.floor(t.width / f);
  const height = Math.floor(t.height / f);
  const rgba = new Uint8ClampedArray(width * height * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      for (let c = 0; c < 4; c++) {
        let s = 0;
        for (let dy = 0; dy < f; dy++) for (let dx = 0; dx < f; dx++) s += t.rgba[((y * f + dy) * t.width + x * f + dx) * 4 + c]!;
        rgba[(y * width + x) * 4 + c] = s / (f * f);
      }
    }
  }
  return { label: t.label, width, height, rgba };
}

async function thumbnails(set: ImageCollection, numClasses: number): Promise<Thumbnail[]> {
  return (await classThumbnails(set, numClasses, 4)).map(shrink);
}

export async function describeDataset(id: string): Promise<DatasetSummary> {
  const d = await getDataset(id);
  const summary: DatasetSummary = {
    id,
    name: d.meta.name,
    classes: d.meta.classes,
    trainCount: d.train.labels.length,
    testCount: d.test?.labels.length ?? 0,
    countsByClass: countByClass(d.train.labels, d.meta.classes.length),
    thumbnails: await thumbnails(d.train, d.meta.classes.length),
    imageSize: { height: d.train.height, width: d.train.width, channels: d.train.channels },
    ...(d.meta.source ? { source: d.meta.source } : {}),
  };
  return Comlink.transfer(summary, summary.thumbnails.map((t) => t.rgba.buffer as ArrayBuffer));
}

export function listDatasets(): Promise<StoredDatasetInfo[]> {
  return listStoredDatasets();
}

export async function deleteDataset(id: string): Promise<void> {
  if (isBuiltinDataset(id)) throw new Error(`"${id}" is a built-in dataset and cannot be deleted.`);
  loaded.delete(id);
  await deleteStoredDataset(id);
}

/** What training.ts will draw: the pool split per class by stratifiedSplit's rounding. */
export async function planSplit(countsByClass: number[], testCount: number, fractions: { val: number; test?: number }): Promise<SplitPlan> {
  const testGiven = testCount > 0;
  const c = stratifiedSplitCounts(countsByClass, testGiven ? { val: fractions.val } : fractions);
  return { train: sumCounts(c.train), val: sumCounts(c.val), test: testGiven ? testCount : sumCounts(c.test), testGiven };
}
