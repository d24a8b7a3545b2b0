import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { DEFAULT_DESIGN } from '../../core/design/schema';
import type { VPDesign } from '../../core/design/design';
import type { Dataset } from '../../core/data/imageSet';
import { darkOrBright, tinySource } from '../../../test/support/tinyNetwork';
import { snapshotModel } from '../../engine/export/loadPrompt';
import { parsePromptFile } from '../../engine/export/promptFileReader';
import type { PromptModelInfo } from '../../engine/export/promptFile';
import { type TrainerState, trainVisualPrompt } from '../../engine/train/trainer';
import { VisualPromptModel } from '../../engine/train/visualPromptModel';
import type { StoredRunInfo } from '../api/runsApi';
import type { RunSummary } from '../api/trainingApi';
import { type PutRun, startRecording } from './runRecorder';

// Web Locks are absent in Node: the recorder then holds none.
vi.stubGlobal('self', { navigator: {} });

const source = tinySource({ inputSize: 32, classes: 10, seed: 3 });
const set = darkOrBright(48, 1);
const train = { set, indices: Int32Array.from({ length: 24 }, (_, i) => i) };
const val = { set, indices: Int32Array.from({ length: 16 }, (_, i) => 32 + i) };
const design: VPDesign = { ...DEFAULT_DESIGN, baseSize: 16, inputScale: 1, batchSize: 8, epochs: 3, labelMapping: 'fully' };
const dataset = { meta: { id: 'd', name: 'Dark or bright', classes: ['dark', 'bright'] }, train: set } as unknown as Dataset;
const model: PromptModelInfo = {
  id: 'tiny',
  name: 'Tiny',
  source: { kind: 'hub', url: 'https://example.org/tiny/model.json' },
  format: 'layers',
  inputSize: 32,
  valueRange: [0, 1],
  normalization: null,
  sourceOutput: 'logits',
  numSource: 10,
} as unknown as PromptModelInfo;

/** An in-memory runs store whose writes fail, as a full IndexedDB quota does, from `failFrom` on. */
function quotaStore(failFrom: number) {
  const runs = new Map<string, StoredRunInfo>();
  const prompts = new Map<string, Uint8Array>();
  const resume = new Map<string, TrainerState>();
  let writes = 0;
  const put: PutRun = async (info, prompt, state) => {
    if (++writes >= failFrom) throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
    // One transaction: all of it is written or none.
    runs.set(info.id, structuredClone(info));
    if (prompt) prompts.set(info.id, prompt.slice());
    if (state) resume.set(info.id, structuredClone(state));
    else if (state === null) resume.delete(info.id);
  };
  return { put, runs, prompts, resume, writes: () => writes };
}

beforeAll(async () => {
  await tf.setBackend('cpu');
});
afterAll(() => source.network.dispose());

describe('the run recorder when the storage quota is full', () => {
  it('says what did not fit, keeps the last checkpoint that did, and training goes on', async () => {
    // Write 1: the record; 2: epoch 1's checkpoint; 3 on (epoch 2, 3, the end) fail.
    const store = quotaStore(3);
    const problems: string[] = [];
    const m = new VisualPromptModel(source, design, 2);
    const request = { datasetId: 'd', modelId: 'tiny', design, data: { valFraction: 0.2, trainImages: 24, valImages: 16, testImages: 0, fraction: 1 }, baseline: false };
    const recorder = startRecording({
      request: request as never,
      design,
      dataset,
      model,
      origin: 'trained',
      parentId: null,
      valCount: 16,
      put: store.put,
      onStorageProblem: (message) => problems.push(message),
    });
    const result = await trainVisualPrompt(m, train, val, {
      onBatch: (b) => recorder.batch(b),
      onEpoch: (e, capture) => recorder.epoch(e, snapshotModel(m), capture()),
    });
    expect(result.epochs).toHaveLength(3);
    recorder.trained(result.validation, false, result.steps, snapshotModel(m));
    await recorder.finish({ stopped: false, epochs: result.epochs, steps: result.steps } as unknown as RunSummary, snapshotModel(m));

    expect(problems[0]).toMatch(
      /^The checkpoint after epoch 2 \(prompt file 0\.\d\d MB and the trainer's state\) did not fit: the browser's storage for this site is full\. The checkpoint after epoch 1 is kept\. Delete old runs or datasets to make room\.$/,
    );
    expect(problems.slice(1)).toEqual([
      expect.stringMatching(/^The checkpoint after epoch 3 .* did not fit: .* The checkpoint after epoch 1 is kept\./),
      expect.stringMatching(/^The trained prompt did not fit: .* The checkpoint after epoch 1 is kept\./),
      expect.stringMatching(/^The test results and summary did not fit: .* The checkpoint after epoch 1 is kept\./),
    ]);
    // What was stored stays whole and consistent: epoch 1's prompt, its trainer state, its record.
    const [info] = [...store.runs.values()];
    expect(info!.checkpoint).toMatchObject({ epochs: 1, final: false });
    const file = parsePromptFile(store.prompts.get(info!.id)!);
    expect(file.manifest.metrics.epochs).toHaveLength(1);
    expect(store.resume.get(info!.id)!.epochs).toEqual([result.epochs[0]]);
    m.dispose();
  });

  it('recovers an interrupted run in place: its record up to the checkpoint, no more', async () => {
    const store = quotaStore(Infinity);
    const existing = {
      id: 'run-1',
      name: 'Interrupted',
      status: 'training',
      checkpoint: { epochs: 1, steps: 3, bytes: 10, savedAt: 0, final: false },
      epochs: [{ epoch: 0 }, { epoch: 1 }],
      curve: { x: [0.5, 1, 1.5], loss: [3, 2, 1], acc: [0, 0.5, 1] },
      resumable: true,
      error: 'old',
    } as unknown as StoredRunInfo;
    const request = { datasetId: 'd', modelId: 'tiny', design, data: {}, baseline: false };
    const recorder = startRecording({ request: request as never, design, dataset, model, origin: 'trained', parentId: null, valCount: 16, existing, put: store.put });
    expect(recorder.runId).toBe('run-1');
    await recorder.fail(new Error('stopped again'));
    const saved = store.runs.get('run-1')!;
    expect(saved.epochs).toEqual([{ epoch: 0 }]);
    expect(saved.curve).toEqual({ x: [0.5, 1], loss: [3, 2], acc: [0, 0.5] });
    expect(saved).not.toHaveProperty('resumable');
    expect(saved.status).toBe('failed');
  });
});

describe('the run recorder when training diverged', () => {
  it('records the run as diverged, not failed, with the kept prompt as its final file and nothing left to resume', async () => {
    const store = quotaStore(Infinity);
    const m = new VisualPromptModel(source, design, 2);
    const request = { datasetId: 'd', modelId: 'tiny', design, data: {}, baseline: false };
    const recorder = startRecording({ request: request as never, design, dataset, model, origin: 'trained', parentId: null, valCount: 16, put: store.put });
    const result = await trainVisualPrompt(m, train, val, {
      onBatch: (b) => recorder.batch(b),
      onEpoch: (e, capture) => recorder.epoch(e, snapshotModel(m), capture()),
    });
    // As the worker's summary reports a divergence in epoch 3 (the trainer put the kept values back).
    const diverged = { epoch: 2, step: 8, loss: NaN, during: 'training' as const, keptStep: 7, learningRate: 100, modelName: 'Tiny' };
    recorder.trained(result.validation, false, 7, snapshotModel(m));
    await recorder.finish({ stopped: false, epochs: result.epochs, steps: 7, validation: null, test: null, diverged } as unknown as RunSummary, snapshotModel(m));
    const saved = store.runs.get(recorder.runId)!;
    expect(saved.status).toBe('diverged');
    expect(saved.error).toBeNull();
    expect(saved.summary?.diverged).toEqual(diverged);
    expect(saved.checkpoint).toMatchObject({ final: true, steps: 7 });
    expect(store.resume.has(recorder.runId)).toBe(false);
    // The stored prompt is the model's kept values (a prompt file refuses values that are not finite).
    const file = parsePromptFile(store.prompts.get(recorder.runId)!);
    expect(file.prompt).toEqual((await snapshotModel(m)()).prompt);
    expect(file.manifest.metrics).toMatchObject({ final: true, steps: 7 });
    m.dispose();
  });
});
