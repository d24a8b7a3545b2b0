/**
 * Views of a run while it trains: startViews() sends 'prompt-snapshot' events at the start, after
 * a batch when the last one is at least SNAPSHOT_INTERVAL_MS old (longer if snapshots turn out
 * costly), at every epoch's end and after a stop. Between two training steps it only clones the
 * prompt and prompts four sample images; the pictures and the FFT are computed afterwards in the
 * helper thread. Each snapshot reports what it cost. When training ends the record of the run's
 * views is kept (viewsStore.ts).
 */
import * as Comlink from 'comlink';
import * as tf from '@tensorflow/tfjs-core';
import { readBatchTensor } from '../../engine/data/batches';
import type { Dataset } from '../../core/data/imageSet';
import { type RgbaImage } from '../../engine/export/promptPictures';
import type { MappingState } from '../../engine/mapping/labelMapping';
import { type SemanticMappingReport, semanticMatchText } from '../../engine/mapping/semantic';
import { type Evaluation } from '../../engine/train/evaluate';
import type { SplitImages } from '../../core/data/runSplits';
import type { BatchMetrics, EpochMetrics } from '../../engine/train/trainer';
import type { VisualPromptModel } from '../../engine/train/visualPromptModel';
import { describeMapping, type MappingView, mappingHistory } from '../../engine/views/mapping';
import { downscaleRgba, sampleIndices } from '../../engine/views/pictures';
import { captureLive } from '../../engine/views/capture';
import { pictureBuffers, type PromptViews, VIEW_MAX_SIDE } from '../../engine/views/promptViews';
import type { PromptSnapshot, SnapshotMoment } from '../api/viewsApi';
import type { TrainEvent } from '../api/trainingApi';
import { modelClassNames } from '../models/models';
import { keepViewsRecord, type ViewsRecord } from './viewsStore';
import { computeViews } from './viewsHelper';

/** Snapshots during an epoch are at least this far apart. */
export const SNAPSHOT_INTERVAL_MS = 5000;
/** …and at least this many times their own cost apart (≤ 2% of the worker's time). */
const INTERVAL_PER_COST = 50;
/** Training images the prompt views follow. */
export const SAMPLES = 4;

const now = () => tf.util.now();

export function mappingViewOf(
  state: MappingState | null,
  names: readonly string[],
  numTarget: number,
  computed: ViewsRecord['computed'],
  semantic: Pick<ViewsRecord, 'similarities' | 'matchedBy'>,
): MappingView | null {
  if (!state) return null;
  const view = describeMapping(state, names, { ...semantic, numTarget });
  if (state.kind === 'freq' || state.kind === 'iter') view.history = mappingHistory(computed);
  return view;
}

interface SnapshotParts {
  moment: SnapshotMoment;
  step: number;
  totalSteps: number;
  epoch: number;
  views: PromptViews;
  sampleLabels: number[];
  classes: readonly string[];
  mapping: MappingView | null;
  cost: PromptSnapshot['cost'];
  note?: string;
  /** SMM: the sample images' masks, in the order of `views.seen`. */
  masks?: RgbaImage[];
}

export function snapshotOf(p: SnapshotParts): PromptSnapshot {
  return {
    moment: p.moment,
    step: p.step,
    totalSteps: p.totalSteps,
    epoch: p.epoch,
    canvas: p.views.canvas,
    imageSize: p.views.imageSize,
    scale: p.views.scale,
    prompt: p.views.prompt,
    spectrum: p.views.spectrum,
    spectrumRange: p.views.spectrumRange,
    seen: p.views.seen.map((picture, i) => {
      const label = p.sampleLabels[i] ?? -1;
      const mask = p.masks?.[i];
      return { label, className: p.classes[label] ?? `class ${label}`, picture, ...(mask ? { mask } : {}) };
    }),
    mapping: p.mapping,
    cost: p.cost,
    ...(p.note ? { note: p.note } : {}),
  };
}

export const transferable = (s: PromptSnapshot) =>
  pictureBuffers([s.prompt, s.spectrum, ...s.seen.flatMap((x) => (x.mask ? [x.picture, x.mask] : [x.picture]))] as RgbaImage[]);

export interface ViewsRecorder {
  /** Before the first step: the initial prompt. */
  start(): void;
  batch(m: BatchMetrics): void;
  epoch(m: EpochMetrics): void;
  /** A frequency mapping was (re)computed before epoch `epoch`. */
  mapping(epoch: number, state: MappingState): void;
  /** Training ended: a last snapshot if steps were taken since, then keep the validation predictions. */
  finish(validation: Evaluation | null, steps: number): Promise<void>;
  /** Frees the sample images (idempotent; finish does it too). */
  dispose(): void;
}

export interface ViewsContext {
  model: VisualPromptModel;
  train: SplitImages;
  val: SplitImages;
  dataset: Dataset;
  datasetId: string;
  modelId: string;
  /** The stored run (null when it could not be stored). */
  runId: string | null;
  semantic: SemanticMappingReport | null;
  onEvent: (event: TrainEvent) => void;
}

export async function startViews(ctx: ViewsContext): Promise<ViewsRecorder> {
  const { model, train } = ctx;
  const classes = ctx.dataset.meta.classes;
  const numTarget = model.numTarget;
  const sampleIdx = sampleIndices(train.set.labels, train.indices, SAMPLES);
  const sampleLabels = sampleIdx.map((i) => train.set.labels[i]!);
  let samples: tf.Tensor4D | null = sampleIdx.length
    ? await readBatchTensor(train.set, sampleIdx, model.design.baseSize)
    : null;
  const names = modelClassNames(ctx.modelId).catch(() => [] as string[]);
  const computed: ViewsRecord['computed'] = [];
  const semantic = { similarities: ctx.semantic?.similarities ?? null, matchedBy: ctx.semantic ? semanticMatchText(ctx.semantic) : null };
  let queue: Promise<void> = Promise.resolve();
  let lastAt = -Infinity;
  let interval = SNAPSHOT_INTERVAL_MS;
  let lastStep = -1;
  let position = { step: 0, totalSteps: 0, epoch: 0 };
  let disposed = false;

  const take = (moment: SnapshotMoment) => {
    if (disposed) return;
    const t0 = now();
    let read: ReturnType<typeof captureLive>;
    try {
      read = captureLive(model, samples);
    } catch {
      return; // a view is never worth failing a run for
    }
    const syncMs = now() - t0;
    const at = { ...position };
    // The mapping's history as of the capture (a recount may come before this snapshot is read).
    const history = computed.slice();
    lastAt = now();
    lastStep = at.step;
    queue = queue
      .then(async () => {
        const [{ state, seen, masks }, sourceNames] = await Promise.all([read(), names]);
        const work = computeViews(state.prompt, model.design.promptActivation, seen);
        const t1 = now();
        const mapping = mappingViewOf(state.mapping, sourceNames, numTarget, history, semantic);
        const mappingMs = now() - t1;
        const { views, ms, offThread } = await work;
        // What training waits for: the capture, the mapping's names, and the pictures when computed here.
        const blocking = syncMs + mappingMs + (offThread ? 0 : ms);
        interval = Math.max(SNAPSHOT_INTERVAL_MS, INTERVAL_PER_COST * blocking);
        const cost = { syncMs: syncMs + mappingMs, computeMs: ms, offThread };
        const shown = masks.map((m) => downscaleRgba(m, VIEW_MAX_SIDE));
        const snapshot = snapshotOf({ moment, ...at, views, sampleLabels, classes, mapping, cost, masks: shown });
        ctx.onEvent(Comlink.transfer({ type: 'prompt-snapshot', snapshot }, transferable(snapshot)));
      })
      .catch(() => undefined);
  };

  const dispose = () => {
    disposed = true;
    samples?.dispose();
    samples = null;
  };

  return {
    start() {
      take('start');
    },
    batch(m) {
      position = { step: m.step, totalSteps: m.totalSteps, epoch: m.epoch + (m.batch + 1) / m.batchesPerEpoch };
      // The epoch's last batch is followed by its end snapshot.
      if (m.batch + 1 < m.batchesPerEpoch && now() - lastAt >= interval) take('batch');
    },
    epoch(m) {
      position = { ...position, epoch: m.epoch + 1 };
      take('epoch');
    },
    mapping(epoch, state) {
      if ('assignment' in state) computed.push({ epoch, assignment: state.assignment.map((a) => [...a]) });
    },
    async finish(validation, steps) {
      if (steps !== lastStep) take('end');
      await queue;
      dispose();
      if (!validation || validation.count < ctx.val.indices.length) return;
      const record: ViewsRecord = {
        runId: ctx.runId ?? '',
        datasetId: ctx.datasetId,
        valIndices: Int32Array.from(ctx.val.indices),
        predictions: Int32Array.from(validation.predictions),
        computed,
        ...semantic,
        savedAt: Date.now(),
      };
      await keepViewsRecord(record);
    },
    dispose,
  };
}
