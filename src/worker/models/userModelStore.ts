/**
 * The user's own models in IndexedDB ('autovp-models', separate from datasets and runs):
 *   models   id → manifest + when it was added
 *   weights  id → model topology, weight specs and the weight bytes
 */
import type { DBSchema } from 'idb';
import { lazyDatabase } from '../../browser/lazyDatabase';
import type * as tf from '@tensorflow/tfjs-core';
import type { ModelManifest } from '../../engine/models/manifest';

const DB_NAME = 'autovp-models';
const DB_VERSION = 1;

interface ModelRecord {
  id: string;
  addedAt: number;
  manifest: ModelManifest;
}

interface WeightsRecord {
  id: string;
  modelTopology: unknown;
  format?: string;
  weightSpecs: tf.io.WeightsManifestEntry[];
  weightData: ArrayBuffer;
}

interface Schema extends DBSchema {
  models: { key: string; value: ModelRecord };
  weights: { key: string; value: WeightsRecord };
}

const db = lazyDatabase<Schema>(DB_NAME, DB_VERSION, (d) => {
  d.createObjectStore('models', { keyPath: 'id' });
  d.createObjectStore('weights', { keyPath: 'id' });
});

export async function listStoredModels(): Promise<ModelManifest[]> {
  if (typeof indexedDB === 'undefined') return [];
  const records = await (await db()).getAll('models');
  return records.sort((a, b) => a.addedAt - b.addedAt).map((r) => r.manifest);
}

export async function putStoredModel(manifest: ModelManifest, artifacts: tf.io.ModelArtifacts): Promise<void> {
  const weightData = artifacts.weightData;
  if (!(weightData instanceof ArrayBuffer)) throw new Error('Expected the weights as one buffer.');
  const d = await db();
  const tx = d.transaction(['models', 'weights'], 'readwrite');
  await Promise.all([
    tx.objectStore('weights').put({
      id: manifest.id,
      modelTopology: artifacts.modelTopology,
      ...(artifacts.format ? { format: artifacts.format } : {}),
      weightSpecs: artifacts.weightSpecs ?? [],
      weightData,
    }),
    tx.objectStore('models').put({ id: manifest.id, addedAt: Date.now(), manifest }),
    tx.done,
  ]);
}

export async function getStoredArtifacts(id: string): Promise<tf.io.ModelArtifacts | null> {
  const r = await (await db()).get('weights', id);
  if (!r) return null;
  return {
    modelTopology: r.modelTopology as tf.io.ModelArtifacts['modelTopology'],
    weightSpecs: r.weightSpecs,
    weightData: r.weightData,
    ...(r.format ? { format: r.format } : {}),
  };
}

export async function deleteStoredModel(id: string): Promise<void> {
  const d = await db();
  const tx = d.transaction(['models', 'weights'], 'readwrite');
  await Promise.all([tx.objectStore('models').delete(id), tx.objectStore('weights').delete(id), tx.done]);
}
