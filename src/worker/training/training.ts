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
import { zeroShotBaseline } from './zeroShotBaseline';
import { fetchAppBytes } from '../context';
import { getDataset } from '../datasets/datasets';
import { cachedClipTextEncoder } from '../models/clipModels';
import { getSourceModel, modelClassNames } from '../models/models';
import { loadRunFile } from '../runs/storedRuns';
import { type RunRecorder, startRecording } from '../runs/runRecorder';
import type { TrainerState } from '../../engine/train/trainer';
import type { StoredRunInfo } from '../api/runsApi';
import { getResumeState, getStoredRun } from '../runs/runsStore';
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

/**
 * A fault of the compute device (lost, uncaptured error), in words; set by the worker's watcher,
 * cleared (null) when the worker moves to another backend.
 */
let deviceFault: string | null = null;

export function reportDeviceFault(message: string | null): void {
  deviceFault = message;
}

/** The run was cut short by a device fault; `runId` holds its last checkpoint. */
export class RunFault extends Error {
  constructor(
    message: string,
    readonly runId: string | null,
  ) {
    super(message);
    this.name = 'RunFault';
  }
}

/** A fault lands asynchronously (device.lost) while the failed step's error may come first. */
async function faultBehind(): Promise<string | null> {
  if (!deviceFault) await new Promise((r) => setTimeout(r, 250));
  return deviceFault;
}

export async function train(
  request: TrainRequest,
  backend: BackendChoice,
  onEvent: (event: TrainEvent) => void,
): Promise<RunSummary> {
  if (training) throw new Error('A run is already training.');
  const recovery = request.recoverRun ? await recoveryOf(request.recoverRun) : null;
  const asked = recovery?.request ?? request;
  const problems = designProblems(asked.design);
  if (problems.length) throw new Error(`This design cannot be trained: ${problems.join('; ')}.`);
  training = true;
  try {
    return await trainAndRecord(asked, backend, onEvent, recovery);
  } finally {
    training = false;
  }
}

/** An interrupted run to go on with: its record, and its checkpoint when one was saved. */
interface Recovery {
  info: StoredRunInfo;
  request: TrainRequest;
  checkpoint: { file: Awaited<ReturnType<typeof loadRunFile>>['file']; trainer: TrainerState } | null;
}

async function recoveryOf(runId: string): Promise<Recovery> {
  const info = await getStoredRun(runId);
  if (!info) throw new Error('This run is not stored in this browser any more.');
  if (!info.dataset || !info.data) throw new Error(`"${info.name}" was imported, not trained here: there is nothing to resume.`);
  if (info.checkpoint?.final) throw new Error(`"${info.name}" finished training already.`);
  const trainer = await getResumeState(runId);
  const checkpoint = trainer && info.checkpoint ? { file: (await loadRunFile(runId)).file, trainer } : null;
  const request: TrainRequest = {
    datasetId: info.dataset.id,
    modelId: info.modelId,
    design: info.design,
    data: info.data,
    baseline: info.baseline,
    // No epoch checkpoint yet: a continued run starts again from its parent's prompt.
    ...(!checkpoint && info.parentId ? { resumeFrom: info.parentId } : {}),
  };
  return { info, request, checkpoint };
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
  recovery: Recovery | null,
): Promise<RunSummary> {
  stopRequested = false;
  const started = tf.util.now();
  onEvent({ type: 'phase', phase: 'loading-data' });
  const d = await getDataset(request.datasetId);
  const parent = recovery?.checkpoint ? null : await continuation(request, d);
  onEvent({ type: 'phase', phase: 'loading-model' });
  // CLIP builds its classifier from the dataset's class names (other models ignore them).
  const source = await getSourceModel(
    request.modelId,
    (loadedBytes, totalBytes) => onEvent({ type: 'model-progress', loadedBytes, totalBytes }),
    d.meta.classes,
  );
  const manifest = findModel(request.modelId);
  lastRun?.dispose();
  // Continuing: the stored prompt's structure, this request's training settings.
  const design = parent ? designFor(parent.file, request.design) : request.design;
  const resumeFile = recovery?.checkpoint?.file ?? parent?.file;
  lastRun = resumeFile ? modelFromPromptFile(source, resumeFile, design) : null;
  // Made when the model is ready: the run's record in the runs store and its views.
  const live: { recorder: RunRecorder | null; views: ViewsRecorder | null } = { recorder: null, views: null };
  // CLIP's probe runs in this thread after the prompt: a second copy of its weights would double its memory.
  baselineThread = request.baseline && manifest?.format !== 'clip' ? startBaselineThread(request, backend.name) : null;
  try {
    const run = await runTraining<BaselineSummary>({
      source,
      modelName: manifest?.name ?? request.modelId,
      textImage: manifest?.textImage,
      dataset: d,
      selection: request.data,
      design,
      resume: lastRun,
      resumeState: recovery?.checkpoint?.trainer,
      classNames: () => modelClassNames(request.modelId),
      fetchBytes: fetchAppBytes,
      textEncoder: cachedClipTextEncoder,
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
                model: promptModelInfo(manifest, source.numSource, source.textHead),
                origin: parent ? 'continued' : 'trained',
                parentId: parent?.info.id ?? null,
                valCount: splits.val.indices.length,
                ...(recovery ? { existing: recovery.info } : {}),
                onStorageProblem: (message) => onEvent({ type: 'storage', message }),
              })
            : null;
          if (recorder) onEvent({ type: 'recording', runId: recorder.runId });
          if (recorder && recovery) onEvent({ type: 'resumed', runId: recorder.runId, epochs: recovery.checkpoint?.trainer.epochs ?? [], of: design.epochs });
          // Views (views/liveViews.ts): prompt snapshots while training, validation predictions afterwards.
          const views = await startViews({
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
          // A lost device may still hand back numbers: none of them may be recorded.
          if (deviceFault) throw new RunFault(deviceFault, live.recorder?.runId ?? null);
          onEvent({ type: 'batch', metrics });
          live.recorder?.batch(metrics);
          live.views?.batch(metrics);
        },
        onEpoch: (metrics, captureState) => {
          if (deviceFault) throw new RunFault(deviceFault, live.recorder?.runId ?? null);
          onEvent({ type: 'epoch', metrics });
          if (lastRun && live.recorder) live.recorder.epoch(metrics, snapshotModel(lastRun), captureState());
          live.views?.epoch(metrics);
        },
        onMicroBatch: (images) => onEvent({ type: 'micro-batch', images, batch: design.batchSize }),
        onMapping: (epoch, state) => {
          onEvent({ type: 'mapping', epoch, state });
          live.views?.mapping(epoch, state);
        },
        onTrained: async (result) => {
          if (deviceFault) throw new RunFault(deviceFault, live.recorder?.runId ?? null);
          if (lastRun) live.recorder?.trained(result.validation, result.stopped, result.steps, snapshotModel(lastRun));
          await live.views?.finish(result.validation, result.steps);
        },
      },
    });
    const { model, trained: result, test, baseline } = run;
    const zeroShot = stopRequested ? null : await zeroShotBaseline(manifest, source, run.splits, d.meta.classes.length, design.batchSize, onEvent);
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
      ...(zeroShot ? { zeroShot } : {}),
      // Not a failure: the model holds the last prompt whose loss was finite, tested as any other.
      ...(result.diverged
        ? { diverged: { ...result.diverged, learningRate: design.learningRate, modelName: manifest?.name ?? request.modelId } }
        : {}),
    };
    await live.recorder?.finish(runSummary, snapshotModel(model));
    return runSummary;
  } catch (e) {
    live.views?.dispose();
    const fault = backend.name === 'webgpu' ? await faultBehind() : null;
    const error = fault && !(e instanceof RunFault) ? new RunFault(fault, live.recorder?.runId ?? null) : e;
    await live.recorder?.fail(error);
    throw error;
  } finally {
    baselineThread?.stop();
    baselineThread = null;
  }
}
