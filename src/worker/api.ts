/**
 * The contract between the UI and the engine worker. Only types and plain data cross it
 * (structured clone), so the UI never needs tfjs.
 */
import type { BackendChoice, BackendName, BackendPreference } from '../engine/backend/selectBackend';
import type { VPDesign } from '../core/design/design';
import type { MappingState } from '../engine/mapping/labelMapping';
import type { SemanticMappingReport } from '../engine/mapping/semantic';
import type { DataSelection } from '../core/data/runSplits';
import type { BatchMetrics, EpochMetrics } from '../engine/train/trainer';
import type { ImageFit } from '../core/data/imageFit';
import type { ImportPreprocessing, Rgb } from '../core/data/importedDataset';
import type { ImportFile, ImportOptions, ImportProgress, ImportResult, ImportSource, StorageInfo, StoredDatasetInfo } from '../core/import/types';

export type { BackendChoice, BackendName, BackendPreference, BatchMetrics, DataSelection, EpochMetrics, MappingState, VPDesign };

/** A small picture for the UI, RGBA row-major. */
export interface Thumbnail {
  label: number;
  width: number;
  height: number;
  rgba: Uint8ClampedArray;
}

export interface DatasetSummary {
  id: string;
  name: string;
  classes: string[];
  trainCount: number;
  testCount: number;
  /** Images per class in the training pool. */
  countsByClass: number[];
  /** A few examples of every class. */
  thumbnails: Thumbnail[];
  imageSize: { height: number; width: number; channels: number };
  source?: string;
}

export interface ModelSummary {
  id: string;
  name: string;
  numSource: number;
  inputSize: number;
  parameterCount: number;
}

export interface TrainRequest {
  datasetId: string;
  modelId: string;
  design: VPDesign;
  data: DataSelection;
  /** Also train the linear-probing baseline on the same images. */
  baseline: boolean;
  /**
   * Continue training a stored run (its id): its prompt, scale and mapping are loaded into the new
   * model, whose structure (scale, prompt kind, mapping) comes from that run; the new run is
   * stored separately.
   */
  resumeFrom?: string;
}

export type TrainPhase = 'loading-data' | 'loading-model' | 'training' | 'testing' | 'baseline';

export type TrainEvent =
  | { type: 'phase'; phase: TrainPhase; detail?: string }
  | { type: 'model-progress'; loadedBytes: number; totalBytes: number }
  | { type: 'batch'; metrics: BatchMetrics }
  | { type: 'epoch'; metrics: EpochMetrics }
  | {
      type: 'mapping';
      epoch: number;
      state: MappingState;
      /** SemanticMap (sent once, before training): the source names each class took, what WordNet missed. */
      semantic?: SemanticMappingReport;
    }
  /** What the prompt and the mapping look like now (views.ts): at the start, every ≥ 5 s, at epoch ends. */
  | { type: 'prompt-snapshot'; snapshot: PromptSnapshot }
  /**
   * The backend failed at its first real use (`failure`, in words); the run starts again on
   * `backend`, the next one that passed its probe.
   */
  | { type: 'backend-switched'; failed: BackendName; failure: string; backend: BackendChoice };

/** Metrics of one model on one split. */
export interface EvaluationSummary {
  loss: number;
  accuracy: number;
  perClass: number[];
  confusion: number[][];
  count: number;
}

/** A linear probe on the frozen model's features of the run's images. */
export interface BaselineSummary {
  validation: EvaluationSummary;
  test: EvaluationSummary | null;
  featureDim: number;
  /** Trainable parameters of the probe (features × classes + classes). */
  parameters: number;
  /**
   * 'pooled': AutoVP's linear-probing baseline, on the penultimate features averaged over space
   * (a feature vector as it is). 'flattened': the same feature map flattened (the extra row).
   * Absent in runs stored before the distinction (their probe was on flattened features).
   */
  features?: 'pooled' | 'flattened';
  /**
   * The extra probe on the flattened feature map, from the same forward passes; absent when the
   * features are a vector (nothing to flatten) or the flattened features would be too large.
   */
  extra?: BaselineSummary;
}

export interface RunSummary {
  stopped: boolean;
  epochs: EpochMetrics[];
  validation: EvaluationSummary | null;
  /** The held-out test split, touched once after training. */
  test: EvaluationSummary | null;
  baseline: BaselineSummary | null;
  /**
   * Trainable parameters of the visual prompt: the prompt entries its mask lets train (not the
   * image area a padding prompt leaves alone), the scale with trainable resize, the mapping.
   */
  parameters: number;
  steps: number;
  seconds: number;
  trainCount: number;
  valCount: number;
  testCount: number;
  backend: BackendChoice;
  /** The stored run (runs list) holding this run's prompt; absent if it could not be stored. */
  runId?: string;
}

export interface EngineApi {
  /** Start (or switch) the tfjs backend. `baseUrl` is where the app serves its static files. */
  init(options: { backend: BackendPreference; baseUrl: string }): Promise<BackendChoice>;
  describeDataset(id: string): Promise<DatasetSummary>;
  train(request: TrainRequest, onEvent: (event: TrainEvent) => void): Promise<RunSummary>;
  /** Ask the running training to stop after the current batch. */
  stop(): void;
  /** Imported datasets, newest first (unfinished imports are cleaned away). */
  listDatasets(): Promise<StoredDatasetInfo[]>;
  /** Deletes an imported dataset and its stored pixels. */
  deleteDataset(id: string): Promise<void>;
  /** Split sizes for class counts and fractions, exactly as training will draw them. */
  planSplit(countsByClass: number[], testCount: number, fractions: { val: number; test?: number }): Promise<SplitPlan>;
  storageInfo(): Promise<StorageInfo | null>;
}

// ---------------------------------------------------------------------------------------------
// Imported datasets: a dropped folder or .zip in torchvision's ImageFolder layout, decoded in the
// import worker (importWorker.ts), stored in IndexedDB, served by the engine worker like a built-in.

export type { ImageFit, ImportPreprocessing, Rgb };

/** The import worker's endpoint. */
export interface ImportApi {
  importDataset(
    source: ImportSource,
    options: ImportOptions,
    onProgress: (p: ImportProgress) => void,
  ): Promise<ImportResult>;
  /** Stop the running import after the current file; what it stored is deleted. */
  cancel(): void;
}

/** Images in each part of a run's split, summed over classes. */
export interface SplitPlan {
  train: number;
  val: number;
  test: number;
  /** The dataset brings its own test split (then `test` is its size). */
  testGiven: boolean;
}

// ---------------------------------------------------------------------------------------------
// Runs: every trained or imported prompt, kept in this browser (runsStore.ts) with its prompt
// file, downloadable, loadable back, usable to predict, evaluate and continue training.

import type { PromptFileManifest, PromptMetrics } from '../engine/export/promptFile';
import type { TrainingCurve } from '../engine/export/reportCharts';

export type { PromptFileManifest, PromptMetrics, TrainingCurve };

/** trained here; imported from a .safetensors file; continued from another run. */
export type RunOrigin = 'trained' | 'imported' | 'continued';

/** 'interrupted': the tab died while it trained (its last checkpoint is kept). */
export type StoredRunStatus = 'training' | 'interrupted' | 'done' | 'stopped' | 'failed' | 'imported';

/** The prompt file last saved for a run. */
export interface RunCheckpoint {
  /** Epochs completed when it was saved. */
  epochs: number;
  steps: number;
  bytes: number;
  savedAt: number;
  /** Saved when training ended (or was stopped), not after an epoch. */
  final: boolean;
}

/** A stored prompt evaluated on a dataset (evaluateRun). */
export interface RunEvaluation extends EvaluationSummary {
  datasetId: string;
  datasetName: string;
  /** Which images: the dataset's own test split, a held-out share of its pool, or all of it. */
  split: 'test' | 'held-out' | 'all';
  at: number;
}

export interface StoredRunInfo {
  id: string;
  /** Editable by the user. */
  name: string;
  origin: RunOrigin;
  /** The run this one continued from. */
  parentId: string | null;
  status: StoredRunStatus;
  createdAt: number;
  updatedAt: number;
  modelId: string;
  modelName: string;
  /** The dataset it was trained on (for imports: as the file names it). */
  dataset: { id: string; name: string } | null;
  /** Target classes in output order. */
  classes: string[];
  design: VPDesign;
  data: DataSelection | null;
  baseline: boolean;
  epochs: EpochMetrics[];
  /** Per-batch training loss and accuracy, thinned. */
  curve: TrainingCurve;
  summary: RunSummary | null;
  checkpoint: RunCheckpoint | null;
  /** Validation / test accuracy as last reported (the file's metrics for imports). */
  validationAccuracy: number | null;
  testAccuracy: number | null;
  evaluations: RunEvaluation[];
  /** Imported prompts: the file name. */
  sourceFile: string | null;
  error: string | null;
}

export type RunExportKind = 'safetensors' | 'prompt-png' | 'sample-png' | 'prompt-npy' | 'report-json' | 'charts-svg';

export interface ExportedFile {
  name: string;
  mime: string;
  bytes: ArrayBuffer;
}

export type PromptImportResult =
  { status: 'imported'; run: StoredRunInfo } | { status: 'refused'; fileName: string; message: string };

/** A picture for the UI, RGBA row-major. */
export interface RgbaPicture {
  width: number;
  height: number;
  rgba: Uint8ClampedArray;
}

export interface ClassProbability {
  classIndex: number;
  name: string;
  probability: number;
}

export type Prediction =
  | { ok: true; fileName: string; top: ClassProbability[]; seen: RgbaPicture }
  | { ok: false; fileName: string; error: string };

export interface EvaluateProgress {
  done: number;
  total: number;
}

/** What the engine worker offers for runs (merged into EngineApi). */
export interface EngineApi {
  /** Stored runs, newest first. */
  listRuns(): Promise<StoredRunInfo[]>;
  deleteRun(id: string): Promise<void>;
  renameRun(id: string, name: string): Promise<StoredRunInfo>;
  /** One of the run's downloads; `sampleDatasetId` picks the dataset a sample image comes from. */
  exportRun(id: string, kind: RunExportKind, sampleDatasetId?: string): Promise<ExportedFile>;
  /** Validates a dropped or picked .safetensors prompt fully, then stores it as a run. */
  importPrompt(file: File): Promise<PromptImportResult>;
  /** The stored prompt on a dataset's test images (at most `maxImages`). */
  evaluateRun(
    runId: string,
    datasetId: string,
    options: { maxImages: number },
    onProgress: (p: EvaluateProgress) => void,
  ): Promise<RunEvaluation>;
  /** Top-k target classes of image files under the run's prompt. */
  predict(runId: string, files: File[]): Promise<Prediction[]>;
}

// ---------------------------------------------------------------------------------------------
// Models: bundled (served by the app), hub (public URL, kept in Cache Storage after first use) and
// the user's own (inspected here, kept in IndexedDB 'autovp-models').

import type { ModelManifest } from '../engine/models/manifest';
import type { ModelInspection, ModelRefusalCode, TensorCandidate } from '../engine/models/inspectModel';
import type { UserModelChoices, ValuePreset } from '../engine/models/userModel';

export type { ModelInspection, ModelManifest, ModelRefusalCode, TensorCandidate, UserModelChoices, ValuePreset };

export type ModelOrigin = 'bundled' | 'hub' | 'user';

export interface ModelListEntry {
  manifest: ModelManifest;
  origin: ModelOrigin;
  /**
   * Usable offline: bundled models always; hub models once model.json, every shard and the class
   * names are in the browser's cache; the user's models are stored in this browser.
   */
  cached: boolean;
  sourceClassCount: number;
  /** This model's weights are in the worker's memory now. */
  loaded: boolean;
}

export interface ModelDownloadProgress {
  loadedBytes: number;
  totalBytes: number;
}

/** What the user gave as their own model: dropped or picked files, or a model.json URL. */
export type UserModelSource = { kind: 'files'; files: ImportFile[] } | { kind: 'url'; url: string };

/** An inspected model waiting for the user to confirm how to use it. */
export interface UserModelDraft {
  draftId: string;
  /** File names or the URL, for the dialog. */
  source: string;
  suggestedName: string;
  inspection: ModelInspection;
  /** Class names found beside the model (classes.json, labels.txt, metadata.json), if any. */
  classNames: string[] | null;
}

export type UserModelInspectResult =
  { status: 'inspected'; draft: UserModelDraft } | { status: 'refused'; code: ModelRefusalCode; message: string };

export type UserModelSaveResult =
  { status: 'saved'; entry: ModelListEntry } | { status: 'refused'; code: ModelRefusalCode; message: string };

export interface ModelMemory {
  /** tfjs tensors alive in the worker. */
  numTensors: number;
  numBytes: number;
  /** The source model in memory, if any. */
  loadedModelId: string | null;
}

/** What the engine worker offers for models (merged into EngineApi). */
export interface EngineApi {
  /** Bundled, hub and the user's models, with what is cached. */
  listModels(): Promise<ModelListEntry[]>;
  /** Downloads a hub model's files into the browser's cache now (outside a run). */
  downloadModel(id: string, onProgress: (p: ModelDownloadProgress) => void): Promise<ModelListEntry>;
  /** Removes a hub model's files from the browser's cache. */
  removeModelFromCache(id: string): Promise<ModelListEntry>;
  /** The model's source class names, in its output order. */
  modelClassNames(id: string): Promise<string[]>;
  /** Reads and inspects a model the user brings; keeps it as a draft until saved or discarded. */
  inspectUserModel(
    source: UserModelSource,
    onProgress: (p: ModelDownloadProgress) => void,
  ): Promise<UserModelInspectResult>;
  /** Stores the draft with the user's choices; it then appears in listModels. */
  saveUserModel(draftId: string, choices: UserModelChoices): Promise<UserModelSaveResult>;
  discardUserModel(draftId: string): Promise<void>;
  deleteUserModel(id: string): Promise<void>;
  /** Tests: fetch hub files from a mirror (public URL prefix → replacement prefix); null resets. */
  setHubMirror(mirror: Record<string, string> | null): Promise<void>;
  /** Frees the source model in memory. */
  releaseModel(): Promise<ModelMemory>;
  modelMemory(): Promise<ModelMemory>;
}

// ---------------------------------------------------------------------------------------------
// AutoVP search: the controller runs on the main thread (worker/search/), each trial in an engine
// worker of its own pool, an epoch per call (trials.ts).

import type { AshaOptions } from '../core/search/asha';
import type { ExcludedConfig, MappingFamily, SearchSpace, TrialConfig } from '../core/search/space';
import type { SearchState, SearchStatus, TrialEpoch, TrialRecord, TrialStatus } from '../core/search/searchState';

export type {
  AshaOptions,
  ExcludedConfig,
  MappingFamily,
  SearchSpace,
  SearchState,
  SearchStatus,
  TrialConfig,
  TrialEpoch,
  TrialRecord,
  TrialStatus,
};

/** Everything a pool worker needs to train one trial. */
export interface TrialSpec {
  datasetId: string;
  data: DataSelection;
  /** The settings the search does not vary (optimiser, batch size, seed, base size, prompt kind). */
  baseDesign: VPDesign;
  /** Epochs the learning-rate schedule spans: ASHA's maximum. */
  plannedEpochs: number;
  trial: TrialRecord;
}

export type TrialEvent =
  | { type: 'phase'; phase: 'loading-data' | 'loading-model' | 'preparing' | 'training' }
  | { type: 'batch'; metrics: BatchMetrics };

/** What the engine worker offers a search (merged into EngineApi). */
export interface EngineApi {
  /** Loads data and model (kept for the next trial) and builds the trial; `onEvent` streams its batches until trialEnd. */
  trialStart(spec: TrialSpec, onEvent: (e: TrialEvent) => void): Promise<void>;
  /** Trains and validates one more epoch of the started trial. */
  trialEpoch(): Promise<TrialEpoch>;
  /** Frees the trial's prompt and optimiser (the source model stays for the next trial). */
  trialEnd(): Promise<void>;
  /** Ends the epoch in flight after its current batch (cancel). */
  trialStop(): void;
}

// ---------------------------------------------------------------------------------------------
// Views of a run (views.ts): what the prompt and the label mapping have become, and which
// validation images the model gets wrong. Live while training ('prompt-snapshot' events), and
// for a stored run from its prompt file.

import type { MappedSource, MappingChange, MappingStep, MappingView } from '../engine/views/mapping';

export type { MappedSource, MappingChange, MappingStep, MappingView };

/** When a snapshot was taken: training started, during an epoch, at an epoch's end, after a stop; or read from a stored run. */
export type SnapshotMoment = 'start' | 'batch' | 'epoch' | 'end' | 'stored';

/** A training image as the model sees it: placed on the canvas, prompt added, in [0, 1]. */
export interface SeenImage {
  label: number;
  className: string;
  picture: RgbaPicture;
}

export interface PromptSnapshot {
  moment: SnapshotMoment;
  /** Optimiser steps done (of the planned total), and epochs done (fractional during an epoch). */
  step: number;
  totalSteps: number;
  epoch: number;
  /** The model's input side, the image's side on it, and the (learnt) scale. */
  canvas: number;
  imageSize: number;
  scale: number;
  /** activation(δ)·mask: transparent where the image goes. */
  prompt: RgbaPicture;
  /** log(1 + |FFT|) of the prompt, centred, averaged over channels, viridis colours. */
  spectrum: RgbaPicture;
  /** The log-magnitudes of the darkest and the brightest colour. */
  spectrumRange: [number, number];
  seen: SeenImage[];
  mapping: MappingView | null;
  /**
   * What it cost (ms): `syncMs` on the training thread (cloning the prompt and prompting the
   * sample images between two steps, naming the mapping), `computeMs` for the pictures and the
   * FFT, in a helper thread when `offThread` (training does not wait for them), else in the
   * training thread too.
   */
  cost: { syncMs: number; computeMs: number; offThread: boolean };
  /** Why a part is missing (a stored run's dataset is not in this browser). */
  note?: string;
}

export interface MisclassifiedQuery {
  /** A stored run; null: the run that trained last in this worker. */
  runId: string | null;
  trueClass: number;
  predicted: number;
  /** At most this many images (default 24). */
  max?: number;
}

export interface MisclassifiedImage {
  /** Index of the image in the dataset's training pool. */
  index: number;
  picture: RgbaPicture;
}

export interface MisclassifiedResult {
  runId: string | null;
  trueClass: number;
  predicted: number;
  /** Validation images in this cell (more than `images` when capped). */
  total: number;
  images: MisclassifiedImage[];
}

/** What the engine worker offers for views (merged into EngineApi). */
export interface EngineApi {
  /** A stored run's prompt pictures and mapping, from its prompt file (and its dataset's images). */
  runViews(runId: string): Promise<PromptSnapshot>;
  /** Validation images of class `trueClass` that the run predicts as `predicted`. */
  misclassified(query: MisclassifiedQuery): Promise<MisclassifiedResult>;
}
