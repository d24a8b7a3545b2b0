/**
 * The engine worker's API for training a prompt: the request, its streamed events and its summary,
 * with the datasets it lists. Only types and plain data cross a worker boundary (structured clone).
 */
import type { BackendChoice, BackendName, BackendPreference } from '../../engine/backend/selectBackend';
import type { ParityReport } from '../../engine/backend/backendParity';
import type { VPDesign } from '../../core/design/design';
import type { DivergenceReport } from '../../core/design/divergence';
import type { MappingState } from '../../engine/mapping/labelMapping';
import type { SemanticMappingReport } from '../../engine/mapping/semantic';
import type { DataSelection } from '../../core/data/runSplits';
import type { BatchMetrics, EpochMetrics } from '../../engine/train/trainer';
import type { StorageInfo, StoredDatasetInfo } from '../../core/import/types';
import type { SplitPlan } from './importApi';
import type { PromptSnapshot } from './viewsApi';
export type {
  BackendChoice,
  BackendName,
  BackendPreference,
  BatchMetrics,
  DataSelection,
  EpochMetrics,
  MappingState,
  VPDesign,
};

/** A tfjs model as model.json and its weights decode to (tf.io.ModelArtifacts, plain data). */
export interface ModelArtifactsData {
  modelTopology: object;
  weightSpecs: { name: string; shape: number[]; dtype: 'float32' }[];
  weightData: ArrayBuffer;
}

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
  /**
   * Go on with an interrupted run (its id: the tab closed, the worker crashed, the GPU was lost)
   * in place, from its last epoch checkpoint, exactly as if it had not stopped. The stored run's
   * dataset, model, design and data are used; this request's are ignored.
   */
  recoverRun?: string;
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
      /** SemanticMap (sent once, before training): the source names each class took, matched by what. */
      semantic?: SemanticMappingReport;
    }
  /** What the prompt and the mapping look like now (views/liveViews.ts): at the start, every ≥ 5 s, at epoch ends. */
  | { type: 'prompt-snapshot'; snapshot: PromptSnapshot }
  /**
   * The backend failed at its first real use (`failure`, in words); the run starts again on
   * `backend`, the next one that passed its probe.
   */
  | { type: 'backend-switched'; failed: BackendName; failure: string; backend: BackendChoice }
  /** The run is recorded under this id (sent before its first step). */
  | { type: 'recording'; runId: string }
  /** A recovered run goes on after these epochs of its checkpoint (none: it starts again), of `of` planned. */
  | { type: 'resumed'; runId: string; epochs: EpochMetrics[]; of: number }
  /**
   * The backend failed mid-run (`failure`, in words: a lost WebGPU device, an uncaptured
   * error); the run goes on on `backend` from its last epoch checkpoint.
   */
  | { type: 'backend-fault'; failed: BackendName; failure: string; backend: BackendChoice }
  /** Something of the run could not be saved (a full quota), in words; training goes on. */
  | { type: 'storage'; message: string }
  /** A step of `batch` images would take more memory than one pass may: each runs as passes of `images`. */
  | { type: 'micro-batch'; images: number; batch: number };

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

/**
 * Training stopped on a loss that was not finite (the trainer's divergence guard); the run's
 * prompt is the last one whose loss was finite. With the run's learning rate and model, for the
 * message (core/design/divergence.ts).
 */
export interface RunDivergence extends DivergenceReport {
  learningRate: number;
  modelName: string;
}

/** A text-image model's zero-shot accuracy (no prompt, no training) on the run's own images. */
export interface ZeroShotSummary {
  validation: EvaluationSummary;
  test: EvaluationSummary | null;
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
  /** CLIP runs: the zero-shot baseline on the same validation and test images (absent when stopped). */
  zeroShot?: ZeroShotSummary;
  /** Set when training diverged (and stopped early); absent when every loss was finite. */
  diverged?: RunDivergence;
}

export interface TrainingEngineApi {
  /** Start (or switch) the tfjs backend. `baseUrl` is where the app serves its static files. */
  init(options: { backend: BackendPreference; baseUrl: string }): Promise<BackendChoice>;
  describeDataset(id: string): Promise<DatasetSummary>;
  train(request: TrainRequest, onEvent: (event: TrainEvent) => void): Promise<RunSummary>;
  /** Ask the running training to stop after the current batch. */
  stop(): void;
  /**
   * The run can no longer be resumed (the user let it go): its trainer state is dropped, its
   * record and last checkpoint stay.
   */
  discardResume(runId: string): Promise<void>;
  /**
   * Test hook for the fault tests (e2e/faults.spec.ts): destroys the WebGPU device, as a driver
   * reset would (false when not on WebGPU). A crash is injected from the page (EngineClient.kill).
   */
  injectFault(kind: 'lose-gpu-device'): Promise<boolean>;
  /**
   * Holds a Web Lock named `name` for as long as this worker lives: the page queues for the same
   * lock and is granted it only when the worker dies (see client/engineClient.ts).
   */
  holdLifeLock(name: string): Promise<void>;
  /**
   * Test hook: a network's forward and input gradient, layer by layer, on `backends[0]` against
   * `backends[1]` (engine/backend/backendParity.ts), in this worker; `unavailable` says which
   * backend could not start here and why.
   */
  checkBackendParity(artifacts: ModelArtifactsData, backends: [BackendName, BackendName]): Promise<ParityReport | { unavailable: string }>;
  /** Imported datasets, newest first (unfinished imports are cleaned away). */
  listDatasets(): Promise<StoredDatasetInfo[]>;
  /** Deletes an imported dataset and its stored pixels. */
  deleteDataset(id: string): Promise<void>;
  /** Split sizes for class counts and fractions, exactly as training will draw them. */
  planSplit(countsByClass: number[], testCount: number, fractions: { val: number; test?: number }): Promise<SplitPlan>;
  storageInfo(): Promise<StorageInfo | null>;
}
