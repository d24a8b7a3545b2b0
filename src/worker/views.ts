/**
 * Views of a run for the UI: what the prompt and the label mapping have become, and which
 * validation images the model gets wrong.
 *
 * While a run trains, startViews() sends 'prompt-snapshot' events: at the start, after a batch
 * when the last one is at least SNAPSHOT_INTERVAL_MS old (longer if snapshots turn out costly),
 * at every epoch's end and after a stop. Between two training steps it only clones the prompt
 * and prompts four sample images (a few small tensor ops); the pictures and the FFT are computed
 * afterwards in plain JavaScript, in a helper thread (viewsWorker.ts) where the browser has
 * one, so training does not wait for them. Each snapshot reports what it cost.
 *
 * When training ends the validation predictions and the history of the frequency mapping are
 * kept (in memory and in IndexedDB 'autovp-views', a few KB per run), so that a confusion-matrix
 * cell's images can be shown at once, also for a run reopened after a reload. Runs without that
 * record (imported, trained before) are evaluated again on demand.
 */
import * as Comlink from 'comlink';
import type { DBSchema } from 'idb';
import { lazyDatabase } from '../browser/lazyDatabase';
import * as tf from '@tensorflow/tfjs-core';
import { toBatchTensor } from '../engine/data/batches';
import type { Dataset } from '../core/data/imageSet';
import { modelFromPromptFile } from '../engine/export/loadPrompt';
import { promptedPictures, type RgbaImage } from '../engine/export/promptPictures';
import type { Assignment } from '../engine/mapping/assignments';
import type { MappingState } from '../engine/mapping/labelMapping';
import type { SemanticMappingReport } from '../engine/mapping/semantic';
import { evaluate, type Evaluation } from '../engine/train/evaluate';
import type { SplitImages } from '../core/data/runSplits';
import { selectSplits } from '../core/data/runSplits';
import type { BatchMetrics, EpochMetrics } from '../engine/train/trainer';
import type { VisualPromptModel } from '../engine/train/visualPromptModel';
import { describeMapping, type MappingView, mappingHistory } from '../engine/views/mapping';
import { imagePicture, sampleIndices } from '../engine/views/pictures';
import { captureLive } from '../engine/views/capture';
import { pictureBuffers, type PromptViews, promptViews } from '../engine/views/promptViews';
import type { PromptActivation } from '../core/design/kinds';
import type { PromptState } from '../engine/prompt/prompter';
import type { MisclassifiedQuery, MisclassifiedResult, PromptSnapshot, SnapshotMoment, StoredRunInfo, TrainEvent } from './api';
import { getDataset } from './datasets';
import { getSourceModel, modelClassNames } from './models';
import { loadRunFile } from './runs';
import { isTraining } from './training';

/** Snapshots during an epoch are at least this far apart. */
export const SNAPSHOT_INTERVAL_MS = 5000;
/** …and at least this many times their own cost apart (≤ 2% of the worker's time). */
const INTERVAL_PER_COST = 50;
/** Training images the prompt views follow. */
const SAMPLES = 4;
/** Misclassified thumbnails: at most this side (imported images are 128 px). */
const THUMB_SIDE = 64;
const MAX_IMAGES = 24;

// ---------------------------------------------------------------------------------------------
// What a finished run leaves for its views

interface ViewsRecord {
  runId: string;
  datasetId: string;
  /** Validation images (training-pool indices) and the class predicted for each, at the end. */
  valIndices: Int32Array;
  predictions: Int32Array;
  /** FreqMap / IterMap: every computed assignment, oldest first. */
  computed: { epoch: number; assignment: Assignment }[];
  /** SemanticMap: the similarity of each assigned source. */
  similarities: number[][] | null;
  savedAt: number;
}

interface Schema extends DBSchema {
  views: { key: string; value: ViewsRecord };
}

const db = lazyDatabase<Schema>('autovp-views', 1, (d) => {
  d.createObjectStore('views', { keyPath: 'runId' });
});

/** Records of the latest runs, in memory (most recent last); `null` is the last run trained here. */
const recent = new Map<string | null, ViewsRecord>();
const RECENT = 4;

function remember(key: string | null, record: ViewsRecord): void {
  recent.delete(key);
  recent.set(key, record);
  while (recent.size > RECENT) recent.delete(recent.keys().next().value as string | null);
}

async function viewsRecord(runId: string | null): Promise<ViewsRecord | null> {
  const kept = recent.get(runId);
  if (kept) return kept;
  if (!runId) return null;
  try {
    const stored = (await (await db()).get('views', runId)) ?? null;
    if (stored) remember(runId, stored);
    return stored;
  } catch {
    return null;
  }
}

/** A deleted run's record goes with it. */
export async function forgetRunViews(runId: string): Promise<void> {
  recent.delete(runId);
  try {
    await (await db()).delete('views', runId);
  } catch {
    // nothing stored, or storage unavailable
  }
}

// ---------------------------------------------------------------------------------------------
// The helper thread

export interface ViewsJob {
  id: number;
  prompt: PromptState;
  activation: PromptActivation;
  seen: RgbaImage[];
}

export type ViewsJobResult = { id: number; views: PromptViews; ms: number } | { id: number; error: string };

/** How long one picture may take in the helper thread (it takes well under a second). */
const HELPER_TIMEOUT_MS = 20_000;

/** The helper thread, started on first use; null where workers cannot start workers (or it failed). */
class ViewsHelper {
  private readonly worker: Worker;
  private readonly pending = new Map<
    number,
    { resolve: (r: { views: PromptViews; ms: number }) => void; reject: (e: Error) => void }
  >();
  private next = 0;
  broken = false;

  constructor() {
    this.worker = new Worker(new URL('./viewsWorker.ts', import.meta.url), { type: 'module', name: 'autovp-views' });
    this.worker.onmessage = (e: MessageEvent<ViewsJobResult>) => {
      const job = this.pending.get(e.data.id);
      this.pending.delete(e.data.id);
      if (!job) return;
      if ('error' in e.data) job.reject(new Error(e.data.error));
      else job.resolve(e.data);
    };
    this.worker.onerror = (e) => {
      e.preventDefault();
      this.fail(new Error(e.message || 'the views helper thread failed'));
    };
  }

  private fail(error: Error): void {
    this.broken = true;
    for (const job of this.pending.values()) job.reject(error);
    this.pending.clear();
    this.worker.terminate();
  }

  run(
    prompt: PromptState,
    activation: PromptActivation,
    seen: RgbaImage[],
  ): Promise<{ views: PromptViews; ms: number }> {
    const id = ++this.next;
    const job: ViewsJob = { id, prompt, activation, seen };
    return new Promise((resolve, reject) => {
      // A helper that never answers must not hold up the end of training: give up on it.
      const timer = setTimeout(
        () => this.fail(new Error(`the views helper thread did not answer within ${HELPER_TIMEOUT_MS / 1000} s`)),
        HELPER_TIMEOUT_MS,
      );
      const settle =
        <T>(f: (v: T) => void) =>
        (v: T) => {
          clearTimeout(timer);
          f(v);
        };
      this.pending.set(id, { resolve: settle(resolve), reject: settle(reject) });
      const buffers = [prompt.delta.buffer, prompt.mask.buffer, ...seen.map((s) => s.rgba.buffer)] as ArrayBuffer[];
      try {
        this.worker.postMessage(job, [...new Set(buffers)]);
      } catch (e) {
        clearTimeout(timer);
        this.pending.delete(id);
        throw e;
      }
    });
  }
}

let helper: ViewsHelper | null | undefined;

function viewsHelper(): ViewsHelper | null {
  if (helper?.broken) {
    helper = null; // a failed helper is not started again: the pictures are computed here from now on
  } else if (helper === undefined) {
    try {
      helper = typeof Worker === 'undefined' ? null : new ViewsHelper();
    } catch {
      helper = null;
    }
  }
  return helper;
}

/** The pictures of a captured prompt: in the helper thread when there is one, here otherwise. */
async function computeViews(
  prompt: PromptState,
  activation: PromptActivation,
  seen: RgbaImage[],
): Promise<{ views: PromptViews; ms: number; offThread: boolean }> {
  const h = viewsHelper();
  if (h) {
    // The helper takes the arrays over: keep copies in case it fails and the work is done here.
    const copy = { ...prompt, delta: prompt.delta.slice(), mask: prompt.mask.slice() };
    const seenCopy = seen.map((s) => ({ ...s, rgba: s.rgba.slice() }));
    try {
      return { ...(await h.run(copy, activation, seenCopy)), offThread: true };
    } catch {
      // fall through: compute here
    }
  }
  const t0 = now();
  const views = promptViews(prompt, activation, seen);
  return { views, ms: now() - t0, offThread: false };
}

// ---------------------------------------------------------------------------------------------
// Snapshots

const now = () => tf.util.now();

function mappingViewOf(
  state: MappingState | null,
  names: readonly string[],
  numTarget: number,
  computed: ViewsRecord['computed'],
  similarities: number[][] | null,
): MappingView | null {
  if (!state) return null;
  const view = describeMapping(state, names, { similarities, numTarget });
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
}

function snapshotOf(p: SnapshotParts): PromptSnapshot {
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
      return { label, className: p.classes[label] ?? `class ${label}`, picture };
    }),
    mapping: p.mapping,
    cost: p.cost,
    ...(p.note ? { note: p.note } : {}),
  };
}

const transferable = (s: PromptSnapshot) =>
  pictureBuffers([s.prompt, s.spectrum, ...s.seen.map((x) => x.picture)] as RgbaImage[]);

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

export function startViews(ctx: ViewsContext): ViewsRecorder {
  const { model, train } = ctx;
  const classes = ctx.dataset.meta.classes;
  const numTarget = model.numTarget;
  const sampleIdx = sampleIndices(train.set.labels, train.indices, SAMPLES);
  const sampleLabels = sampleIdx.map((i) => train.set.labels[i]!);
  let samples: tf.Tensor4D | null = sampleIdx.length
    ? toBatchTensor(train.set, sampleIdx, model.design.baseSize)
    : null;
  const names = modelClassNames(ctx.modelId).catch(() => [] as string[]);
  const computed: ViewsRecord['computed'] = [];
  const similarities = ctx.semantic?.similarities ?? null;
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
        const [{ state, seen }, sourceNames] = await Promise.all([read(), names]);
        const work = computeViews(state.prompt, model.design.promptActivation, seen);
        const t1 = now();
        const mapping = mappingViewOf(state.mapping, sourceNames, numTarget, history, similarities);
        const mappingMs = now() - t1;
        const { views, ms, offThread } = await work;
        // What training waits for: the capture, the mapping's names, and the pictures when computed here.
        const blocking = syncMs + mappingMs + (offThread ? 0 : ms);
        interval = Math.max(SNAPSHOT_INTERVAL_MS, INTERVAL_PER_COST * blocking);
        const cost = { syncMs: syncMs + mappingMs, computeMs: ms, offThread };
        const snapshot = snapshotOf({ moment, ...at, views, sampleLabels, classes, mapping, cost });
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
      if (state.kind !== 'fully') computed.push({ epoch, assignment: state.assignment.map((a) => [...a]) });
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
        similarities,
        savedAt: Date.now(),
      };
      remember(null, record);
      if (!ctx.runId) return;
      remember(ctx.runId, record);
      try {
        await (await db()).put('views', record);
      } catch {
        // storage full or unavailable: the views still work in this session
      }
    },
    dispose,
  };
}

// ---------------------------------------------------------------------------------------------
// Stored runs

/** The dataset a stored run was trained on, when it is in this browser. */
async function runDataset(info: StoredRunInfo): Promise<Dataset | null> {
  if (!info.dataset) return null;
  try {
    return await getDataset(info.dataset.id);
  } catch {
    return null;
  }
}

/** The images a stored run's views follow: the same as while it trained. */
function storedSamples(info: StoredRunInfo, d: Dataset): number[] {
  const train =
    info.data && info.data.trainImages > 0 ? selectSplits(d, info.data, info.design.seed).train.indices : null;
  const indices = train && train.length > 0 ? train : Int32Array.from(d.train.labels.keys());
  return sampleIndices(d.train.labels, indices, SAMPLES);
}

export async function runViews(runId: string): Promise<PromptSnapshot> {
  const { info, file } = await loadRunFile(runId);
  const design = file.manifest.config;
  const d = await runDataset(info);
  const classes = d?.meta.classes ?? file.manifest.targetClasses;
  let seen: RgbaImage[] = [];
  let sampleLabels: number[] = [];
  let note: string | undefined;
  if (d && d.train.labels.length > 0) {
    const idx = storedSamples(info, d);
    sampleLabels = idx.map((i) => d.train.labels[i]!);
    const base = toBatchTensor(d.train, idx, design.baseSize);
    try {
      seen = await promptedPictures(design, file.prompt, base);
    } finally {
      base.dispose();
    }
  } else {
    note = info.dataset
      ? `The images of “${info.dataset.name}” are not in this browser: import that dataset again to see the prompt on them.`
      : 'This prompt does not say which dataset it was trained on, so no images are shown with it.';
  }
  const { views, ms, offThread } = await computeViews(file.prompt, file.manifest.promptActivation, seen);
  const [sourceNames, record] = await Promise.all([
    modelClassNames(info.modelId).catch(() => [] as string[]),
    viewsRecord(runId),
  ]);
  const mapping = mappingViewOf(
    file.mapping,
    sourceNames,
    file.manifest.targetClasses.length,
    record?.computed ?? [],
    record?.similarities ?? null,
  );
  const steps = info.checkpoint?.steps ?? 0;
  const snapshot = snapshotOf({
    moment: 'stored',
    step: steps,
    totalSteps: steps,
    epoch: info.checkpoint?.epochs ?? info.epochs.length,
    views,
    sampleLabels,
    classes,
    mapping,
    cost: { syncMs: 0, computeMs: ms, offThread },
    ...(note ? { note } : {}),
  });
  return Comlink.transfer(snapshot, transferable(snapshot));
}

/** A stored run evaluated again on its validation images (runs without a views record). */
async function reevaluate(runId: string): Promise<ViewsRecord> {
  if (isTraining()) throw new Error('Training is running: the images of this run can be shown once it has ended.');
  const { info, file, model: manifest } = await loadRunFile(runId);
  const d = await runDataset(info);
  if (!d || !info.data || info.data.valImages < 1) {
    throw new Error(
      info.dataset && !d
        ? `The images of “${info.dataset.name}” are not in this browser: import that dataset again to see them.`
        : 'This run does not say which images it was validated on (an imported prompt): evaluate it with “Use” instead.',
    );
  }
  const val = selectSplits(d, info.data, info.design.seed).val;
  const source = await getSourceModel(manifest.id, () => undefined);
  const model = modelFromPromptFile(source, file);
  try {
    const e = await evaluate(model, val, info.design.batchSize);
    const record: ViewsRecord = {
      runId,
      datasetId: info.dataset!.id,
      valIndices: Int32Array.from(val.indices),
      predictions: Int32Array.from(e.predictions),
      computed: [],
      similarities: null,
      savedAt: Date.now(),
    };
    remember(runId, record);
    return record;
  } finally {
    model.dispose();
  }
}

export async function misclassified(query: MisclassifiedQuery): Promise<MisclassifiedResult> {
  const record = (await viewsRecord(query.runId)) ?? (query.runId ? await reevaluate(query.runId) : null);
  if (!record) throw new Error('No run has been validated here yet: train one first.');
  const d = await getDataset(record.datasetId);
  const labels = d.train.labels;
  const max = Math.max(0, Math.min(MAX_IMAGES, query.max ?? MAX_IMAGES));
  const hits: number[] = [];
  record.valIndices.forEach((index, i) => {
    if (labels[index] === query.trueClass && record.predictions[i] === query.predicted) hits.push(index);
  });
  const images = hits.slice(0, max).map((index) => ({ index, picture: imagePicture(d.train, index, THUMB_SIDE) }));
  const result: MisclassifiedResult = {
    runId: query.runId,
    trueClass: query.trueClass,
    predicted: query.predicted,
    total: hits.length,
    images,
  };
  return Comlink.transfer(result, pictureBuffers(images.map((i) => i.picture)));
}
