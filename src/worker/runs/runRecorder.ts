/**
 * Keeps a training run in the runs store while it trains: the record when it starts, a prompt
 * file checkpoint after every epoch, the final prompt when training ends or is stopped, then the
 * test metrics and summary. Writes are queued one after another and never block training; a
 * failed write (full quota) is recorded on the run and training goes on.
 */
import type { VPDesign } from '../../core/design/design';
import { mappingName } from '../../core/design/kinds';
import type { Dataset } from '../../core/data/imageSet';
import type { LearntState } from '../../engine/export/loadPrompt';
import { buildPromptFile, type PromptMetrics, type PromptModelInfo, splitMetrics } from '../../engine/export/promptFile';
import { addCurvePoint } from '../../engine/export/reportCharts';
import { preprocessingOf } from '../../engine/run/preprocessing';
import type { BatchMetrics, EpochMetrics } from '../../engine/train/trainer';
import type { RunOrigin, StoredRunInfo } from '../api/runsApi';
import type { RunSummary, TrainRequest } from '../api/trainingApi';
import { holdRunLock, putRun } from './runsStore';

export const GENERATOR = 'AutoVP Playground 0.1.0';

function defaultName(datasetName: string, design: VPDesign, origin: RunOrigin, at: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  const when = `${at.getFullYear()}-${pad(at.getMonth() + 1)}-${pad(at.getDate())} ${pad(at.getHours())}:${pad(at.getMinutes())}`;
  return `${datasetName} · ${mappingName(design.labelMapping)}${origin === 'continued' ? ' (continued)' : ''} · ${when}`;
}

export interface RunRecorder {
  readonly runId: string;
  batch(m: BatchMetrics): void;
  /** After an epoch: `snapshot` was taken synchronously at the epoch's end. */
  epoch(m: EpochMetrics, snapshot: () => Promise<LearntState>): void;
  /** Training ended or was stopped: the final prompt with its validation metrics. */
  trained(validation: { accuracy: number; loss: number; count: number } | null, stopped: boolean, steps: number, snapshot: () => Promise<LearntState>): void;
  /** Test metrics and the whole summary; resolves when everything is written. */
  finish(summary: RunSummary, snapshot: () => Promise<LearntState>): Promise<void>;
  /** Training threw: the last checkpoint stays, the run is marked failed. */
  fail(error: unknown): Promise<void>;
}

export interface RecordingContext {
  request: TrainRequest;
  design: VPDesign;
  dataset: Dataset;
  model: PromptModelInfo;
  origin: RunOrigin;
  parentId: string | null;
  /** Validation images of the run (metrics of the epoch checkpoints). */
  valCount: number;
}

export function startRecording(ctx: RecordingContext): RunRecorder {
  const { request, design, dataset, model } = ctx;
  const now = new Date();
  const runId = `run-${crypto.randomUUID()}`;
  const info: StoredRunInfo = {
    id: runId,
    name: defaultName(dataset.meta.name, design, ctx.origin, now),
    origin: ctx.origin,
    parentId: ctx.parentId,
    status: 'training',
    createdAt: now.getTime(),
    updatedAt: now.getTime(),
    modelId: model.id,
    modelName: model.name,
    dataset: { id: request.datasetId, name: dataset.meta.name },
    classes: [...dataset.meta.classes],
    design,
    data: { ...request.data },
    baseline: request.baseline,
    epochs: [],
    curve: { x: [], loss: [], acc: [] },
    summary: null,
    checkpoint: null,
    validationAccuracy: null,
    testAccuracy: null,
    evaluations: [],
    sourceFile: null,
    error: null,
  };
  const preprocessing = preprocessingOf(dataset, design.baseSize);
  let done: () => void = () => undefined;
  holdRunLock(runId, new Promise<void>((resolve) => (done = resolve)));

  let queue: Promise<void> = Promise.resolve();
  const enqueue = (write: () => Promise<void>) => {
    queue = queue.then(write).catch((e: unknown) => {
      info.error = `Could not save this run in the browser's storage: ${e instanceof Error ? e.message : String(e)}`;
    });
  };
  const save = (prompt?: Uint8Array) => putRun({ ...info, updatedAt: Date.now() }, prompt);

  /** Builds the prompt file; null when there is nothing to save yet (a mapping not yet computed). */
  const fileOf = async (snapshot: () => Promise<LearntState>, metrics: PromptMetrics): Promise<Uint8Array | null> => {
    const state = await snapshot();
    if (state.mapping.kind !== 'fully' && state.mapping.assignment.length === 0) return null;
    return buildPromptFile({
      ...state,
      design,
      model,
      targetClasses: dataset.meta.classes,
      preprocessing,
      metrics,
      data: request.data as unknown as Record<string, number | undefined>,
      dataset: { id: request.datasetId, name: dataset.meta.name },
      run: { id: runId, name: info.name },
      createdAt: new Date(),
      generator: GENERATOR,
    });
  };
  const checkpoint = (bytes: Uint8Array, final: boolean, steps: number) => {
    info.checkpoint = { epochs: info.epochs.length, steps, bytes: bytes.length, savedAt: Date.now(), final };
  };
  let steps = 0;

  enqueue(() => save());
  return {
    runId,
    batch(m) {
      steps = m.step;
      addCurvePoint(info.curve, m.epoch + (m.batch + 1) / m.batchesPerEpoch, m.loss, m.accuracy);
    },
    epoch(m, snapshot) {
      info.epochs.push(m);
      info.validationAccuracy = m.valAcc;
      const atStep = steps;
      enqueue(async () => {
        const validation = { accuracy: m.valAcc, loss: m.valLoss, count: ctx.valCount };
        const bytes = await fileOf(snapshot, { validation: splitMetrics(validation), test: null, epochs: [...info.epochs], steps: atStep, final: false, stopped: false });
        if (bytes) checkpoint(bytes, false, atStep);
        await save(bytes ?? undefined);
      });
    },
    trained(validation, stopped, totalSteps, snapshot) {
      info.validationAccuracy = validation?.accuracy ?? null;
      enqueue(async () => {
        const bytes = await fileOf(snapshot, { validation: splitMetrics(validation), test: null, epochs: [...info.epochs], steps: totalSteps, final: true, stopped });
        if (bytes) checkpoint(bytes, true, totalSteps);
        await save(bytes ?? undefined);
      });
    },
    async finish(summary, snapshot) {
      info.summary = summary;
      info.status = summary.stopped ? 'stopped' : 'done';
      info.validationAccuracy = summary.validation?.accuracy ?? null;
      info.testAccuracy = summary.test?.accuracy ?? null;
      enqueue(async () => {
        const built = await fileOf(snapshot, {
          validation: splitMetrics(summary.validation),
          test: splitMetrics(summary.test),
          epochs: summary.epochs,
          steps: summary.steps,
          final: true,
          stopped: summary.stopped,
        });
        // Stopped before the first step: an untrained prompt is not worth keeping.
        const bytes = built && (summary.steps > 0 || info.checkpoint) ? built : null;
        if (bytes) checkpoint(bytes, true, summary.steps);
        await save(bytes ?? undefined);
      });
      await queue;
      done();
    },
    async fail(error) {
      info.status = 'failed';
      info.error = error instanceof Error ? error.message : String(error);
      enqueue(() => save());
      await queue;
      done();
    },
  };
}
