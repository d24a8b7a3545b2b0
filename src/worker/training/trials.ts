/**
 * AutoVP search trials in an engine worker of the search pool: one trial at a time, an epoch per
 * call, so that the scheduler on the main thread decides between epochs. Data splits, the source
 * model and SemanticMap assignments are kept from one trial to the next of the same search.
 */
import * as Comlink from 'comlink';
import { findModel } from '../../../models';
import type { Assignment } from '../../engine/mapping/assignments';
import { classNameSimilarity, type NameSimilarity, semanticMapping, setSemanticAssignment } from '../../engine/mapping/semantic';
import type { TrialExecutor } from '../../core/search/searchController';
import type { TrialEpoch } from '../../core/search/searchState';
import { createTrialExecutor } from '../../engine/search/trialExecutor';
import { selectSplits } from '../../core/data/runSplits';
import type { TrialEvent, TrialSpec } from '../api/searchApi';
import { fetchAppBytes } from '../context';
import { getDataset } from '../datasets/datasets';
import { cachedClipTextEncoder } from '../models/clipModels';
import { getSourceModel, modelClassNames } from '../models/models';

/** The executor of the current search, and what it was built for. */
let current: { key: string; executor: TrialExecutor } | null = null;
let onEvent: ((e: TrialEvent) => void) | null = null;
let stopRequested = false;
/** SemanticMap: the class names' similarity per model and dataset (CLIP's encoder is loaded once for all k). */
const similarityCache = new Map<string, Promise<{ sourceNames: string[]; similarity: NameSimilarity }>>();

const emit = (e: TrialEvent) => {
  // A lost UI callback must not fail the trial.
  void Promise.resolve(onEvent?.(e)).catch(() => undefined);
};

function releaseCallback(): void {
  const cb = onEvent as (((e: TrialEvent) => void) & { [Comlink.releaseProxy]?: () => void }) | null;
  onEvent = null;
  try {
    cb?.[Comlink.releaseProxy]?.();
  } catch {
    // already released
  }
}

/**
 * Loads again after a failure, a few times: workers of a pool start together and fetch the same
 * large files at once, and Chromium then fails some of those requests (net::ERR_CACHE_WRITE_FAILURE,
 * seen as "Failed to fetch"). A trial must not be lost to that.
 */
async function withRetry<T>(load: () => Promise<T>, attempts = 3): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await load();
    } catch (e) {
      if (i >= attempts || !/fetch|network/i.test(e instanceof Error ? e.message : String(e))) throw e;
      await new Promise((r) => setTimeout(r, 500 * i + Math.random() * 500));
    }
  }
}

/** Same dataset, images and fixed settings: the same executor serves the next trial. */
const envKey = (s: TrialSpec) => JSON.stringify([s.datasetId, s.data, s.baseDesign, s.plannedEpochs]);

async function semanticAssignment(spec: TrialSpec, numSource: number, classes: string[]): Promise<Assignment> {
  const { modelId, design } = spec.trial.config;
  const key = JSON.stringify([modelId, spec.datasetId]);
  let matched = similarityCache.get(key);
  if (!matched) {
    matched = (async () => {
      const manifest = findModel(modelId);
      const sourceNames = await modelClassNames(modelId);
      const similarity = await classNameSimilarity({
        sourceNames,
        targetNames: classes,
        numSource,
        fetchBytes: fetchAppBytes,
        modelName: manifest?.name ?? modelId,
        textImage: manifest?.textImage,
        textEncoder: cachedClipTextEncoder,
      });
      return { sourceNames, similarity };
    })();
    matched.catch(() => similarityCache.delete(key));
    similarityCache.set(key, matched);
  }
  const { sourceNames, similarity } = await matched;
  return semanticMapping(sourceNames, classes, design.k, similarity).assignment;
}

async function executorFor(spec: TrialSpec): Promise<TrialExecutor> {
  const key = envKey(spec);
  if (current?.key === key) return current.executor;
  await current?.executor.end();
  current = null;
  emit({ type: 'phase', phase: 'loading-data' });
  const d = await withRetry(() => getDataset(spec.datasetId));
  const splits = selectSplits(d, spec.data, spec.baseDesign.seed);
  const executor = createTrialExecutor({
    splits,
    numTarget: d.meta.classes.length,
    baseDesign: spec.baseDesign,
    plannedEpochs: spec.plannedEpochs,
    sourceModel: async (id) => {
      emit({ type: 'phase', phase: 'loading-model' });
      return withRetry(() => getSourceModel(id, () => undefined, d.meta.classes));
    },
    // SemanticMap: the same class-name matching a normal run does (training.ts), the names compared once per model.
    async prepare(model, trial) {
      if (trial.config.design.labelMapping !== 'semantic') return;
      emit({ type: 'phase', phase: 'preparing' });
      const assignment = await semanticAssignment({ ...spec, trial }, model.source.numSource, d.meta.classes);
      setSemanticAssignment(model.mapping, assignment);
    },
    shouldStop: () => stopRequested,
    onBatch: (metrics) => emit({ type: 'batch', metrics }),
  });
  current = { key, executor };
  return executor;
}

export async function trialStart(spec: TrialSpec, callback: (e: TrialEvent) => void): Promise<void> {
  releaseCallback();
  onEvent = callback;
  stopRequested = false;
  const executor = await executorFor(spec);
  await executor.start(spec.trial);
  emit({ type: 'phase', phase: 'training' });
}

export async function trialEpoch(): Promise<TrialEpoch> {
  if (!current) throw new Error('No trial has started in this worker.');
  return current.executor.epoch();
}

export async function trialEnd(): Promise<void> {
  await current?.executor.end();
  releaseCallback();
}

export function trialStop(): void {
  stopRequested = true;
}
