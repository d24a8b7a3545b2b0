/**
 * Imported datasets in IndexedDB (via idb), shared by the import worker (writes) and the engine
 * worker (lists, loads, deletes). Two stores:
 *   datasets  id → { status, updatedAt, info, labelRemap }
 *   chunks    [id, split, index] → up to 256 images of uint8 pixels (1 channel when all gray) + labels
 * A dataset appears in the list only once its import finished. An import abandoned midway (tab
 * closed) leaves an 'importing' record that the next listing deletes with its chunks.
 */
import type { DBSchema } from 'idb';
import { lazyDatabase } from '../../browser/lazyDatabase';
import type { Dataset } from '../../core/data/imageSet';
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
}

interface ChunkRecord {
  datasetId: string;
  split: 'train' | 'test';
  index: number;
  count: number;
  channels: 1 | 3;
  pixels: ArrayBuffer;
  labels: ArrayBuffer;
}

interface Schema extends DBSchema {
  datasets: { key: string; value: DatasetRecord };
  chunks: { key: [string, string, number]; value: ChunkRecord };
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
  const px = info.height * info.width;
  const train = new ImageSetAssembler(info.trainCount, info.height, info.width, info.channels);
  const test =
    info.testCount > 0 ? new ImageSetAssembler(info.testCount, info.height, info.width, info.channels) : null;
  let cursor = await d.transaction('chunks').store.openCursor(chunkRange(id));
  while (cursor) {
    const c = cursor.value;
    const chunk = remapChunk(
      { count: c.count, channels: c.channels, pixels: new Uint8Array(c.pixels), labels: new Int32Array(c.labels) },
      labelRemap,
      px,
    );
    if (c.split === 'train') train.add(chunk);
    else test?.add(chunk);
    cursor = await cursor.continue();
  }
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
  const trainSet = train.finish();
  return test ? { meta, train: trainSet, test: test.finish() } : { meta, train: trainSet };
}

export async function storageInfo(): Promise<StorageInfo | null> {
  const estimate = await navigator.storage?.estimate?.().catch(() => null);
  return estimate && estimate.quota !== undefined ? { usage: estimate.usage ?? 0, quota: estimate.quota } : null;
}

const exactBuffer = (a: Uint8Array | Int32Array): ArrayBuffer =>
  (a.byteOffset === 0 && a.byteLength === a.buffer.byteLength ? a.buffer : a.slice().buffer) as ArrayBuffer;

/** The import pipeline's store, on IndexedDB. */
export function createIdbImportStore(): ImportStore {
  return {
    async begin(id) {
      await (await db()).put('datasets', { id, status: 'importing', updatedAt: Date.now() });
    },
    async putChunk(id, chunk: StoredChunk) {
      const d = await db();
      const tx = d.transaction(['datasets', 'chunks'], 'readwrite');
      const writes = Promise.all([
        tx.objectStore('chunks').put({
          datasetId: id,
          split: chunk.split,
          index: chunk.index,
          count: chunk.count,
          channels: chunk.channels,
          pixels: exactBuffer(chunk.pixels),
          labels: exactBuffer(chunk.labels),
        }),
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
      await (
        await db()
      ).put('datasets', {
        id: info.id,
        status: 'ready',
        updatedAt: Date.now(),
        info,
        labelRemap: Array.from(labelRemap),
      });
    },
    discard: deleteStoredDataset,
    estimate: storageInfo,
    async names() {
      return (await listStoredDatasets()).map((i) => i.name);
    },
  };
}
