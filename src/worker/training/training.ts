import * as tf from '@tensorflow/tfjs-core';
import { findModel } from '../../../models';
import type { BackendChoice } from '../../engine/backend/selectBackend';
import type { Dataset } from '../../core/data/imageSet';
import { designProblems } from '../../core/design/validate';
import { runTraining } from '../../engine/run/trainingRun';
import type { VisualPromptModel } from '../../engine/train/visualPromptModel';
import { designFor, modelFromPromptFile, snapshotModel } from '../../engine/export/loadPrompt';
import { promptModelInfo } from '../../engine/export/promptFile';
import type { BaselineSummary, RunSummary, TrainEvent, TrainRequest } from '../api/trainingApi';
import { evaluationSummary as summary, linearBaseline } from './baseline';
import { type BaselineThread, startBaselineThread } from './baselineThread';
import { fetchAppBytes } from '../context';
import { getDataset } from '../datasets/datasets';
import { getSourceModel, modelClassNames } from '../models/models';
import { loadRunFile } from '../runs/storedRuns';
import { type RunRecorder, startRecording } from '../runs/runRecorder';
import { startViews, type ViewsRecorder } from '../views/liveViews';

let stopRequested = false;
let training = false;
/** The latest trained prompt stays in memory until the next run replaces it. */
let lastRun: VisualPromptModel | null = null;

/** A run is training in this worker (predictions and evaluations wait). */
export const isTraining = () => training;

/** The baseline of the run in progress, computed in a helper thread while the prompt trains. */
let baselineThread: BaselineThread | null = null;

export function requestStop(): void {
  stopRequested = true;
  baselineThread?.stop();
}

export async function train(
  request: TrainRequest,
  backend: BackendChoice,
  onEvent: (event: TrainEvent) => void,
): Promise<RunSummary> {
  if (training) throw new Error('A run is already training.');
  const problems = designProblems(request.design);
  if (problems.length) throw new Error(`This design cannot be trained: ${problems.join('; ')}.`);
  training = true;
  try {
    return await trainAndRecord(request, backend, onEvent);
  } finally {
    training = false;
  }
}

/** A stored run to continue: its prompt file, checked against the new run's model and classes. */
async function continuation(request: TrainRequest, d: Dataset) {
  if (!request.resumeFrom) return null;
  const parent = await loadRunFile(request.resumeFrom);
  if (parent.model.id !== request.modelId) {
    throw new Error(
      `"${parent.info.name}" was trained with ${parent.model.name}; select that model to continue training it.`,
    );
  }
  const want = parent.file.manifest.targetClasses;
  const have = d.meta.classes;
  if (want.length !== have.length || want.some((c, i) => c !== have[i])) {
    throw new Error(
      `"${parent.info.name}" predicts the classes ${want.join(', ')}; "${d.meta.name}" has ${have.join(', ')}. Continue it on a dataset with the same classes.`,
    );
  }
  return parent;
}

async function trainAndRecord(
  request: TrainRequest,
  backend: BackendChoice,
  onEvent: (event: TrainEvent) => void,
): Promise<RunSummary> {
  stopRequested = false;
  const started = tf.util.now();
  onEvent({ type: 'phase', phase: 'loading-data' });
  const d = await getDataset(request.datasetId);
  const parent = await continuation(request, d);
  onEvent({ type: 'phase', phase: 'loading-model' });
  const source = await getSourceModel(request.modelId, (loadedBytes, totalBytes) =>
    onEvent({ type: 'model-progress', loadedBytes, totalBytes }),
  );
  const manifest = findModel(request.modelId);
  lastRun?.dispose();
  // Continuing: the stored prompt's structure, this request's training settings.
  const design = parent ? designFor(parent.file, request.design) : request.design;
  lastRun = parent ? modelFromPromptFile(source, parent.file, request.design) : null;
  // Made when the model is ready: the run's record in the runs store and its views.
  const live: { recorder: RunRecorder | null; views: ViewsRecorder | null } = { recorder: null, views: null };
  baselineThread = request.baseline ? startBaselineThread(request, backend.name) : null;
  try {
    const run = await runTraining<BaselineSummary>({
      source,
      modelName: manifest?.name ?? request.modelId,
      textImage: manifest?.textImage,
      dataset: d,
      selection: request.data,
      design,
      resume: lastRun,
      classNames: () => modelClassNames(request.modelId),
      fetchBytes: fetchAppBytes,
      // The helper thread's result, or (no thread, or it failed) the same computed here.
      baseline: request.baseline
        ? async (splits) => {
            const inThread = await baselineThread?.result.catch(() => undefined);
            return inThread !== undefined && !stopRequested
              ? inThread
              : linearBaseline(source, splits, d.meta.classes.length, request, () => stopRequested);
          }
        : null,
      shouldStop: () => stopRequested,
      hooks: {
        onReady: async ({ model, splits, semantic }) => {
          lastRun = model;
          if (semantic) onEvent({ type: 'mapping', epoch: 0, state: await model.mapping.state(), semantic });
          const recorder = manifest
            ? startRecording({
                request,
                design,
                dataset: d,
                model: promptModelInfo(manifest, source.numSource),
                origin: parent ? 'continued' : 'trained',
                parentId: parent?.info.id ?? null,
                valCount: splits.val.indices.length,
              })
            : null;
          // Views (views/liveViews.ts): prompt snapshots while training, validation predictions afterwards.
          const views = startViews({
            model,
            train: splits.train,
            val: splits.val,
            dataset: d,
            datasetId: request.datasetId,
            modelId: request.modelId,
            runId: recorder?.runId ?? null,
            semantic,
            onEvent,
          });
          views.start();
          live.recorder = recorder;
          live.views = views;
        },
        onPhase: (phase) =>
          onEvent(
            phase === 'baseline' && baselineThread
              ? { type: 'phase', phase, detail: 'computed alongside training' }
              : { type: 'phase', phase },
          ),
        onBatch: (metrics) => {
          onEvent({ type: 'batch', metrics });
          live.recorder?.batch(metrics);
          live.views?.batch(metrics);
        },
        onEpoch: (metrics) => {
          onEvent({ type: 'epoch', metrics });
          if (lastRun) live.recorder?.epoch(metrics, snapshotModel(lastRun));
          live.views?.epoch(metrics);
        },
        onMapping: (epoch, state) => {
          onEvent({ type: 'mapping', epoch, state });
          live.views?.mapping(epoch, state);
        },
        onTrained: async (result) => {
          if (lastRun) live.recorder?.trained(result.validation, result.stopped, result.steps, snapshotModel(lastRun));
          await live.views?.finish(result.validation, result.steps);
        },
      },
    });
    const { model, trained: result, test, baseline } = run;
    const v = result.validation;
    const runSummary: RunSummary = {
      stopped: result.stopped,
      epochs: result.epochs,
      validation: v ? summary(v) : null,
      test: test ? summary(test) : null,
      baseline,
      parameters: model.trainableParameters().total,
      steps: result.steps,
      seconds: (tf.util.now() - started) / 1000,
      trainCount: run.splits.train.indices.length,
      valCount: run.splits.val.indices.length,
      testCount: test?.count ?? 0,
      backend,
      ...(live.recorder ? { runId: live.recorder.runId } : {}),
    };
    await live.recorder?.finish(runSummary, snapshotModel(model));
    return runSummary;
  } catch (e) {
    live.views?.dispose();
    await live.recorder?.fail(e);
    throw e;
  } finally {
    baselineThread?.stop();
    baselineThread = null;
  }
}
