import * as tf from '@tensorflow/tfjs-core';
import { findModel } from '../../models';
import type { Dataset } from '../engine/data/imageSet';
import type { BackendChoice } from '../engine/backend/selectBackend';
import { prepareSemanticMapping, setSemanticAssignment } from '../engine/mapping/semantic';
import { evaluate } from '../engine/train/evaluate';
import { selectSplits } from '../engine/train/runSplits';
import { trainVisualPrompt } from '../engine/train/trainer';
import { VisualPromptModel } from '../engine/train/visualPromptModel';
import { designFor, modelFromPromptFile, snapshotModel } from '../engine/export/loadPrompt';
import { promptModelInfo } from '../engine/export/promptFile';
import type { BaselineSummary, EvaluationSummary, RunSummary, TrainEvent, TrainRequest } from './api';
import { evaluationSummary as summary, linearBaseline } from './baseline';
import { type BaselineThread, startBaselineThread } from './baselineThread';
import { fetchAppBytes } from './context';
import { getDataset } from './datasets';
import { getSourceModel, modelClassNames } from './models';
import { loadRunFile } from './runs';
import { type RunRecorder, startRecording } from './runsRecorder';
import { startViews } from './views';

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
  const splits = selectSplits(d, request.data, request.design.seed);
  const parent = await continuation(request, d);
  onEvent({ type: 'phase', phase: 'loading-model' });
  const source = await getSourceModel(request.modelId, (loadedBytes, totalBytes) =>
    onEvent({ type: 'model-progress', loadedBytes, totalBytes }),
  );
  const numTarget = d.meta.classes.length;
  // SemanticMap: match the model's class names with the dataset's (WordNet) before building.
  const semantic =
    !parent && request.design.labelMapping === 'semantic'
      ? await prepareSemanticMapping({
          sourceNames: await modelClassNames(request.modelId),
          targetNames: d.meta.classes,
          k: request.design.k,
          numSource: source.numSource,
          fetchBytes: fetchAppBytes,
          modelName: findModel(request.modelId)?.name ?? request.modelId,
          textImage: findModel(request.modelId)?.textImage,
        })
      : null;
  lastRun?.dispose();
  lastRun = null;
  // Continuing: the stored prompt's structure, this request's training settings.
  const design = parent ? designFor(parent.file, request.design) : request.design;
  const model = parent
    ? modelFromPromptFile(source, parent.file, request.design)
    : new VisualPromptModel(source, design, numTarget);
  lastRun = model;
  if (semantic) {
    setSemanticAssignment(model.mapping, semantic.assignment);
    onEvent({ type: 'mapping', epoch: 0, state: await model.mapping.state(), semantic: semantic.report });
  }
  const manifest = findModel(request.modelId);
  const recorder: RunRecorder | null = manifest
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
  // Views (views.ts): prompt snapshots while training, validation predictions afterwards.
  const views = startViews({
    model,
    train: splits.train,
    val: splits.val,
    dataset: d,
    datasetId: request.datasetId,
    modelId: request.modelId,
    runId: recorder?.runId ?? null,
    semantic: semantic?.report ?? null,
    onEvent,
  });
  baselineThread = request.baseline ? startBaselineThread(request, backend.name) : null;
  try {
    onEvent({ type: 'phase', phase: 'training' });
    views.start();
    const result = await trainVisualPrompt(model, splits.train, splits.val, {
      onBatch: (metrics) => {
        onEvent({ type: 'batch', metrics });
        recorder?.batch(metrics);
        views.batch(metrics);
      },
      onEpoch: (metrics) => {
        onEvent({ type: 'epoch', metrics });
        recorder?.epoch(metrics, snapshotModel(model));
        views.epoch(metrics);
      },
      onMapping: (epoch, state) => {
        onEvent({ type: 'mapping', epoch, state });
        views.mapping(epoch, state);
      },
      shouldStop: () => stopRequested,
    });
    recorder?.trained(result.validation, result.stopped, result.steps, snapshotModel(model));
    await views.finish(result.validation, result.steps);
    let test: EvaluationSummary | null = null;
    if (splits.test && result.steps > 0 && !stopRequested) {
      onEvent({ type: 'phase', phase: 'testing' });
      test = summary(await evaluate(model, splits.test, design.batchSize));
    }
    let baseline: BaselineSummary | null = null;
    if (request.baseline && !stopRequested) {
      onEvent({
        type: 'phase',
        phase: 'baseline',
        ...(baselineThread ? { detail: 'computed alongside training' } : {}),
      });
      // The helper thread's result, or (no thread, or it failed) the same computed here.
      const inThread = await baselineThread?.result.catch(() => undefined);
      baseline =
        inThread !== undefined && !stopRequested
          ? inThread
          : await linearBaseline(source, splits, numTarget, request, () => stopRequested);
    }
    const v = result.validation;
    const runSummary: RunSummary = {
      stopped: result.stopped,
      epochs: result.epochs,
      validation: v ? summary(v) : null,
      test,
      baseline,
      parameters: model.trainableParameters().total,
      steps: result.steps,
      seconds: (tf.util.now() - started) / 1000,
      trainCount: splits.train.indices.length,
      valCount: splits.val.indices.length,
      testCount: test?.count ?? 0,
      backend,
      ...(recorder ? { runId: recorder.runId } : {}),
    };
    await recorder?.finish(runSummary, snapshotModel(model));
    return runSummary;
  } catch (e) {
    views.dispose();
    await recorder?.fail(e);
    throw e;
  } finally {
    baselineThread?.stop();
    baselineThread = null;
  }
}
