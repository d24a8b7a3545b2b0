/**
 * Keeps a training run in the runs store while it trains: the record when it starts, a prompt
 * file checkpoint after every epoch, the final prompt when training ends or is stopped, then the
 * test metrics and summary. Each epoch checkpoint also keeps the trainer's state, so an
 * interrupted run can go on exactly (recovery: `existing`). Writes are queued one after another
 * and never block training; a failed write (full quota) leaves the previous checkpoint whole
 * (one transaction each), is reported in words naming what did not fit, and training goes on.
 */
import type { VPDesign } from '../../core/design/design';
import { mappingName } from '../../core/design/kinds';
import type { Dataset } from '../../core/data/imageSet';
import type { LearntState } from '../../engine/export/loadPrompt';
import { buildPromptFile, type PromptMetrics, type PromptModelInfo, splitMetrics } from '../../engine/export/promptFile';
import { addCurvePoint } from '../../engine/export/reportCharts';
import { preprocessingOf } from '../../engine/run/preprocessing';
import { isMappingComputed } from '../../engine/mapping/labelMapping';
import type { BatchMetrics, EpochMetrics, TrainerState } from '../../engine/train/trainer';
import type { RunOrigin, StoredRunInfo } from '../api/runsApi';
import type { RunSummary, TrainRequest } from '../api/trainingApi';
import { holdRunLock, putRun } from './runsStore';

/** Where a recorder writes (the runs store; a test's stand-in). */
export type PutRun = (info: StoredRunInfo, prompt?: Uint8Array, resume?: TrainerState | null) => Promise<void>;

const megabytes = (n: number) => `${(n / 1024 ** 2).toFixed(n < 1024 ** 2 ? 2 : 1)} MB`;

/** Says what did not fit (or could not be written) and what is kept. */
function storageProblem(what: string, error: unknown, kept: string): string {
  const full = error instanceof Error && error.name === 'QuotaExceededError';
  const why = full
    ? "the browser's storage for this site is full"
    : `the browser's storage refused it (${error instanceof Error ? error.message : String(error)})`;
  return `${what} did not fit: ${why}. ${kept} Delete old runs or datasets to make room.`;
}

export const GENERATOR = 'AutoVP Playground 0.1.0';

function defaultName(datasetName: string, design: VPDesign, origin: RunOrigin, at: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  const when = `${at.getFullYear()}-${pad(at.getMonth() + 1)}-${pad(at.getDate())} ${pad(at.getHours())}:${pad(at.getMinutes())}`;
  return `${datasetName} · ${mappingName(design.labelMapping)}${origin === 'continued' ? ' (continued)' : ''} · ${when}`;
}

export interface RunRecorder {
  readonly runId: string;
  batch(m: BatchMetrics): void;
  /** After an epoch: `snapshot` and `trainer` were taken synchronously at the epoch's end. */
  epoch(m: EpochMetrics, snapshot: () => Promise<LearntState>, trainer?: () => Promise<TrainerState>): void;
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
  /** Recovery: the interrupted run's record, continued in place from its checkpoint. */
  existing?: StoredRunInfo;
  /** A write failed (full quota): what was not saved, in words for the user. */
  onStorageProblem?(message: string): void;
  /** Defaults to the runs store. */
  put?: PutRun;
}

/** The interrupted run's record as it was at its checkpoint (later epochs and points are redone). */
function recovered(existing: StoredRunInfo): StoredRunInfo {
  const epochs = existing.checkpoint?.epochs ?? 0;
  const keep = existing.curve.x.findIndex((x) => x > epochs);
  const cut = <T>(a: T[]) => (keep < 0 ? [...a] : a.slice(0, keep));
  const { resumable: _listedOnly, ...record } = existing;
  return {
    ...record,
    status: 'training',
    updatedAt: Date.now(),
    epochs: existing.epochs.slice(0, epochs),
    curve: { x: cut(existing.curve.x), loss: cut(existing.curve.loss), acc: cut(existing.curve.acc) },
    summary: null,
    testAccuracy: null,
    error: null,
  };
}

export function startRecording(ctx: RecordingContext): RunRecorder {
  const { request, design, dataset, model } = ctx;
  const now = new Date();
  const runId = ctx.existing?.id ?? `run-${crypto.randomUUID()}`;
  const info: StoredRunInfo = ctx.existing ? recovered(ctx.existing) : {
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

  const put = ctx.put ?? putRun;
  let queue: Promise<void> = Promise.resolve();
  /** What the store holds now, for the user when a later write fails. */
  let kept = ctx.existing?.checkpoint ? `The checkpoint after epoch ${ctx.existing.checkpoint.epochs} is kept.` : 'Nothing of this run is saved yet.';
  /** Queues a write; `what` names it for the user should it fail, `keeps` what the store then holds. */
  const enqueue = (what: () => string, write: () => Promise<void>, keeps?: string) => {
    queue = queue.then(async () => {
      try {
        await write();
        if (keeps) kept = keeps;
      } catch (e: unknown) {
        info.error = storageProblem(what(), e, kept);
        ctx.onStorageProblem?.(info.error);
      }
    });
  };
  const save = (prompt?: Uint8Array, resume?: TrainerState | null) => put({ ...info, updatedAt: Date.now() }, prompt, resume);

  /** Builds the prompt file; null when there is nothing to save yet (a mapping not yet computed). */
  const fileOf = async (snapshot: () => Promise<LearntState>, metrics: PromptMetrics): Promise<Uint8Array | null> => {
    const state = await snapshot();
    if (!isMappingComputed(state.mapping)) return null;
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

  enqueue(() => (ctx.existing ? "The resumed run's record" : "The new run's record"), () => save());
  return {
    runId,
    batch(m) {
      steps = m.step;
      addCurvePoint(info.curve, m.epoch + (m.batch + 1) / m.batchesPerEpoch, m.loss, m.accuracy);
    },
    epoch(m, snapshot, trainer) {
      info.epochs.push(m);
      info.validationAccuracy = m.valAcc;
      const atStep = steps;
      const epochs = info.epochs.length;
      let size = '';
      enqueue(
        () => `The checkpoint after epoch ${epochs}${size ? ` (prompt file ${size} and the trainer's state)` : ''}`,
        async () => {
          const validation = { accuracy: m.valAcc, loss: m.valLoss, count: ctx.valCount };
          const [bytes, state] = await Promise.all([
            fileOf(snapshot, { validation: splitMetrics(validation), test: null, epochs: [...info.epochs], steps: atStep, final: false, stopped: false }),
            trainer?.(),
          ]);
          if (!bytes) return save();
          size = megabytes(bytes.length);
          const previous = info.checkpoint;
          checkpoint(bytes, false, atStep);
          try {
            await save(bytes, state ?? null);
          } catch (e) {
            // The store kept the previous checkpoint: so does the record in memory.
            info.checkpoint = previous;
            throw e;
          }
        },
        `The checkpoint after epoch ${epochs} is kept.`,
      );
    },
    trained(validation, stopped, totalSteps, snapshot) {
      info.validationAccuracy = validation?.accuracy ?? null;
      enqueue(
        () => 'The trained prompt',
        async () => {
          const bytes = await fileOf(snapshot, { validation: splitMetrics(validation), test: null, epochs: [...info.epochs], steps: totalSteps, final: true, stopped });
          if (bytes) checkpoint(bytes, true, totalSteps);
          // Training is over: nothing left to resume.
          await save(bytes ?? undefined, bytes ? null : undefined);
        },
        'The trained prompt is kept.',
      );
    },
    async finish(summary, snapshot) {
      info.summary = summary;
      info.status = summary.diverged ? 'diverged' : summary.stopped ? 'stopped' : 'done';
      info.validationAccuracy = summary.validation?.accuracy ?? null;
      info.testAccuracy = summary.test?.accuracy ?? null;
      enqueue(() => 'The test results and summary', async () => {
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
        await save(bytes ?? undefined, null);
      });
      await queue;
      done();
    },
    async fail(error) {
      info.status = 'failed';
      info.error = error instanceof Error ? error.message : String(error);
      // The last checkpoint and its trainer state stay: the run can be resumed.
      enqueue(() => 'The failed run\'s record', () => save());
      await queue;
      done();
    },
  };
}
