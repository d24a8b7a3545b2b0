/**
 * The data-scale bench's worker: loads an imported dataset the way the engine worker does (labels
 * in memory, images read per batch from IndexedDB) and trains a visual prompt on a tiny frozen
 * network over its training images, so that the epoch's time is mostly the data's: reading,
 * decoding and batching. Reports its own heap where the browser has performance.memory here.
 */
import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { DEFAULT_DESIGN } from '../../src/core/design/schema';
import { Rng } from '../../src/core/util/rng';
import { StoredImageSet } from '../../src/core/data/storedImageSet';
import { BatchPrefetcher, epochBatches } from '../../src/engine/data/batches';
import { PromptTrainer } from '../../src/engine/train/trainer';
import { VisualPromptModel } from '../../src/engine/train/visualPromptModel';
import { loadStoredDataset } from '../../src/worker/datasets/datasetStore';
import { tinySource } from '../../test/support/tinyNetwork';
import type { WorkerReply } from './protocol';

const post = (m: WorkerReply) => postMessage(m);
const heap = () => (performance as unknown as { memory?: { usedJSHeapSize: number } }).memory?.usedJSHeapSize ?? null;

onmessage = async (e: MessageEvent<{ datasetId: string; maxSteps: number; batchSize: number }>) => {
  try {
    await tf.setBackend('cpu');
    const { datasetId, maxSteps, batchSize } = e.data;
    const t0 = performance.now();
    const d = await loadStoredDataset(datasetId);
    const loadSeconds = (performance.now() - t0) / 1000;
    const set = d.train;
    const classes = d.meta.classes.length;
    // A small base and canvas: the step's compute stays small beside the data's reading and decoding.
    const design = { ...DEFAULT_DESIGN, baseSize: 32, inputScale: 1, batchSize, epochs: 1, labelMapping: 'fully' as const, learningRate: 0.01, schedule: 'constant' as const };
    const source = tinySource({ inputSize: 48, classes: Math.max(10, classes), seed: 1 });
    const model = new VisualPromptModel(source, design, classes);
    const all = Int32Array.from({ length: set.labels.length }, (_, i) => i);
    const split = { set, indices: all };
    const trainer = new PromptTrainer(model, split, { set, indices: all.subarray(0, 0) });
    const batches = epochBatches(all, batchSize, new Rng(1));
    const steps = maxSteps > 0 ? Math.min(maxSteps, batches.length) : batches.length;
    post({ type: 'heap', bytes: heap() });
    await trainer.trainStep(batches[0]!, batches[1]); // first use: kernels, micro-batch choice
    const t1 = performance.now();
    for (let b = 1; b <= steps; b++) {
      await trainer.trainStep(batches[b % batches.length]!, batches[(b + 1) % batches.length]);
      if (b % 25 === 0) post({ type: 'heap', bytes: heap() });
    }
    const seconds = (performance.now() - t1) / 1000;
    post({ type: 'heap', bytes: heap() });
    // The data alone, a whole epoch: every batch read and decoded, one ahead, as the trainer does.
    const reader = new BatchPrefetcher(set);
    const t2 = performance.now();
    for (let b = 0; b < batches.length; b++) {
      await reader.pixels(batches[b]!, batches[b + 1]);
      if (b % 100 === 0) post({ type: 'heap', bytes: heap() });
    }
    const dataSeconds = (performance.now() - t2) / 1000;
    trainer.dispose();
    model.dispose();
    post({
      type: 'done',
      trainCount: set.labels.length,
      channels: set.channels,
      loadSeconds,
      steps,
      stepsPerEpoch: batches.length,
      seconds,
      dataSeconds,
      imagesFetched: set instanceof StoredImageSet ? set.fetched : -1,
    });
  } catch (err) {
    post({ type: 'error', message: err instanceof Error ? `${err.message}\n${err.stack ?? ''}` : String(err) });
  }
};
