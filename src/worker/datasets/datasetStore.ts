/**
 * Imported datasets in IndexedDB (via idb), shared by the import worker (writes) and the engine
 * worker (lists, loads, deletes). Two stores:
 *   datasets  id → { status, updatedAt, info, labelRemap, format }
 *   chunks    format 2 (since issue 18): [id, split, i] → image i of the split, compressed on its
 *             own (core/data/imageCodec.ts: 1 channel when its chunk was all gray), and
 *             [id, 'labels', 0] → every stored label of both splits;
 *             format 1 (older imports): [id, split, index] → up to 256 raw images + their labels.
 * A format-2 dataset is served lazily (StoredImageSet): only its labels are held in memory and a
 * batch's images are read and decoded when it is trained on. A format-1 dataset is still loaded
 * whole, as before. A dataset appears in the list only once its import finished. An import
 * abandoned midway (tab closed) leaves an 'importing' record that the next listing deletes with
 * its chunks.
 */
import type { DBSchema } from 'idb';
import { lazyDatabase } from '../../browser/lazyDatabase';
import type { Dataset, ImageCollection } from '../../core/data/imageSet';
import { encodeImage } from '../../core/data/imageCodec';
import { StoredImageSet } from '../../core/data/storedImageSet';
import { ImageSetAssembler, remapChunk, type ImportedDatasetInfo } from '../../core/data/importedDataset';
import type { StorageInfo, StoredDatasetInfo } from '../../core/import/types';
import type { ImportStore, StoredChunk } from '../../core/import/importPipeline';

const DB_NAME = 'autovp-datasets';
const DB_VERSION = 1;
/** An import that has written nothing for this long was abandoned. */
export const STALE_IMPORT_MS = 10 * 60_000;

interface DatasetRecord {
  id: string;
  status: 'importing' | 'ready';
  updatedAt: number;
  info?: StoredDatasetInfo;
  /** Stored label → class index (-1: class left out). */
  labelRemap?: number[];
  /** 2: one compressed record per image (absent: 1, raw chunks of 256). */
  format?: 2;
}

/** Format 1: up to 256 raw images. */
interface ChunkRecord {
  datasetId: string;
  split: 'train' | 'test';
  index: number;
  count: number;
  channels: 1 | 3;
  pixels: ArrayBuffer;
  labels: ArrayBuffer;
}

/** Format 2: one image, encoded by encodeImage. */
interface ImageRecord {
  datasetId: string;
  split: 'train' | 'test';
  index: number;
  image: ArrayBuffer;
}

/** Format 2: the stored label of every image of both splits, in index order (Int32). */
interface LabelsRecord {
  datasetId: string;
  split: 'labels';
  index: 0;
  train: ArrayBuffer;
  test: ArrayBuffer;
}

interface Schema extends DBSchema {
  datasets: { key: string; value: DatasetRecord };
  chunks: { key: [string, string, number]; value: ChunkRecord | ImageRecord | LabelsRecord };
}

const db = lazyDatabase<Schema>(DB_NAME, DB_VERSION, (d) => {
  d.createObjectStore('datasets', { keyPath: 'id' });
  d.createObjectStore('chunks', { keyPath: ['datasetId', 'split', 'index'] });
});

/** Every chunk key of a dataset: arrays sort after strings, so [id, []] bounds [id, split, index]. */
const chunkRange = (id: string) => IDBKeyRange.bound([id], [id, []]);

/** Deletes a dataset's record and chunks in one transaction. */
export async function deleteStoredDataset(id: string): Promise<void> {
  const d = await db();
  const tx = d.transaction(['datasets', 'chunks'], 'readwrite');
  await Promise.all([tx.objectStore('chunks').delete(chunkRange(id)), tx.objectStore('datasets').delete(id), tx.done]);
}

/** Finished imports, newest first; abandoned imports are deleted on the way. */
export async function listStoredDatasets(now = Date.now()): Promise<StoredDatasetInfo[]> {
  const records = await (await db()).getAll('datasets');
  const ready: StoredDatasetInfo[] = [];
  for (const r of records) {
    if (r.status === 'ready' && r.info) ready.push(r.info);
    else if (now - r.updatedAt > STALE_IMPORT_MS) await deleteStoredDataset(r.id);
  }
  return ready.sort((a, b) => b.createdAt - a.createdAt);
}

function describeSource(info: StoredDatasetInfo): string {
  const when = new Date(info.createdAt).toISOString().slice(0, 10);
  return `Imported from the ${info.source.kind} ${JSON.stringify(info.source.name)} on ${when}`;
}

/** An imported dataset as the engine's Dataset (train pool, and test when the folder had one). */
export async function loadStoredDataset(id: string): Promise<Dataset> {
  const d = await db();
  const record = await d.get('datasets', id);
  if (!record || record.status !== 'ready' || !record.info || !record.labelRemap) {
    throw new Error(
      `The imported dataset "${id}" is not in this browser's storage any more (deleted here or in another tab, or cleared with the site's data).`,
    );
  }
  const { info, labelRemap } = record;
  const meta: ImportedDatasetInfo = {
    id: info.id,
    name: info.name,
    classes: info.classes,
    source: describeSource(info),
    license: 'your own images (licence not recorded)',
    imported: true,
    alphaBackground: info.alphaBackground,
    preprocessing: info.preprocessing,
  };
  if (record.format === 2) return lazyDataset(id, info, labelRemap, meta);
  const px = info.height * info.width;
  const train = new ImageSetAssembler(info.trainCount, info.height, info.width, info.channels);
  const test =
    info.testCount > 0 ? new ImageSetAssembler(info.testCount, info.height, info.width, info.channels) : null;
  let cursor = await d.transaction('chunks').store.openCursor(chunkRange(id));
  while (cursor) {
    const c = cursor.value as ChunkRecord;
    const chunk = remapChunk(
      { count: c.count, channels: c.channels, pixels: new Uint8Array(c.pixels), labels: new Int32Array(c.labels) },
      labelRemap,
      px,
    );
    if (c.split === 'train') train.add(chunk);
    else test?.add(chunk);
    cursor = await cursor.continue();
  }
  const trainSet = train.finish();
  return test ? { meta, train: trainSet, test: test.finish() } : { meta, train: trainSet };
}

/** A format-2 dataset: labels in memory, images read per batch from IndexedDB. */
async function lazyDataset(id: string, info: StoredDatasetInfo, labelRemap: number[], meta: ImportedDatasetInfo): Promise<Dataset> {
  const labels = (await (await db()).get('chunks', [id, 'labels', 0])) as LabelsRecord | undefined;
  if (!labels) {
    throw new Error(`The labels of the imported dataset "${info.name}" are missing from this browser's storage. Delete this dataset and import its folder or zip again.`);
  }
  const split = (name: 'train' | 'test', stored: Int32Array, expected: number): StoredImageSet => {
    const keys: number[] = [];
    const classes: number[] = [];
    stored.forEach((l, i) => {
      const c = l >= 0 && l < labelRemap.length ? labelRemap[l]! : -1;
      if (c >= 0) {
        keys.push(i);
        classes.push(c);
      }
    });
    if (keys.length !== expected) {
      throw new Error(`The imported dataset "${info.name}" lists ${expected} ${name} images but its stored labels give ${keys.length}. Delete this dataset and import its folder or zip again.`);
    }
    return new StoredImageSet({
      height: info.height,
      width: info.width,
      channels: info.channels,
      labels: Int32Array.from(classes),
      keys: Int32Array.from(keys),
      name: info.name,
      fetch: async (wanted) => {
        const store = (await db()).transaction('chunks').store;
        const records = await Promise.all(wanted.map((k) => store.get([id, name, k])));
        return records.map((r) => (r && 'image' in r ? new Uint8Array(r.image) : undefined));
      },
    });
  };
  const train: ImageCollection = split('train', new Int32Array(labels.train), info.trainCount);
  if (info.testCount === 0) return { meta, train };
  return { meta, train, test: split('test', new Int32Array(labels.test), info.testCount) };
}

export async function storageInfo(): Promise<StorageInfo | null> {
  const estimate = await navigator.storage?.estimate?.().catch(() => null);
  return estimate && estimate.quota !== undefined ? { usage: estimate.usage ?? 0, quota: estimate.quota } : null;
}

const exactBuffer = (a: Uint8Array | Int32Array): ArrayBuffer =>
  (a.byteOffset === 0 && a.byteLength === a.buffer.byteLength ? a.buffer : a.slice().buffer) as ArrayBuffer;

/**
 * The import pipeline's store, on IndexedDB, in format 2: every image of a chunk is compressed on
 * its own and stored under its index in its split; the labels are written when the import
 * finishes. One store per import.
 */
export function createIdbImportStore(): ImportStore {
  const labels = { train: [] as number[], test: [] as number[] };
  return {
    async begin(id) {
      await (await db()).put('datasets', { id, status: 'importing', updatedAt: Date.now() });
    },
    async putChunk(id, chunk: StoredChunk) {
      const d = await db();
      // Imported images are square (the import's working size).
      const per = chunk.pixels.length / chunk.count;
      const width = Math.round(Math.sqrt(per / chunk.channels));
      const height = width;
      const first = labels[chunk.split].length;
      const images = Array.from({ length: chunk.count }, (_, k) =>
        encodeImage(chunk.pixels.subarray(k * per, (k + 1) * per), width, height, chunk.channels),
      );
      labels[chunk.split].push(...chunk.labels);
      const tx = d.transaction(['datasets', 'chunks'], 'readwrite');
      const chunks = tx.objectStore('chunks');
      const writes = Promise.all([
        ...images.map((image, k) =>
          chunks.put({ datasetId: id, split: chunk.split, index: first + k, image: exactBuffer(image) }),
        ),
        tx.objectStore('datasets').put({ id, status: 'importing', updatedAt: Date.now() }),
        tx.done,
      ]);
      try {
        await writes;
      } catch (e) {
        // A full quota aborts the transaction: its error says so, the request's only "AbortError".
        throw tx.error ?? e;
      }
    },
    async finish(info, labelRemap) {
      const d = await db();
      const tx = d.transaction(['datasets', 'chunks'], 'readwrite');
      await Promise.all([
        tx.objectStore('chunks').put({
          datasetId: info.id,
          split: 'labels',
          index: 0,
          train: Int32Array.from(labels.train).buffer,
          test: Int32Array.from(labels.test).buffer,
        }),
        tx.objectStore('datasets').put({
          id: info.id,
          status: 'ready',
          updatedAt: Date.now(),
          info,
          labelRemap: Array.from(labelRemap),
          format: 2,
        }),
        tx.done,
      ]);
    },
    discard: deleteStoredDataset,
    estimate: storageInfo,
    async names() {
      return (await listStoredDatasets()).map((i) => i.name);
    },
  };
}
