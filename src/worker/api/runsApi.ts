/** Runs: every trained or imported prompt, kept in this browser (runsStore.ts) with its prompt file, downloadable, loadable back, usable to predict, evaluate and continue training. */
import type { VPDesign } from '../../core/design/design';
import type { DataSelection } from '../../core/data/runSplits';
import type { EpochMetrics } from '../../engine/train/trainer';
import type { TrainingCurve } from '../../engine/export/reportCharts';
import type { EvaluationSummary, RunSummary } from './trainingApi';
export type { TrainingCurve };

/** trained here; imported from a .safetensors file; continued from another run. */
export type RunOrigin = 'trained' | 'imported' | 'continued';

/**
 * 'interrupted': the tab died while it trained (its last checkpoint is kept). 'diverged': its loss
 * stopped being finite; the prompt is the last whose loss was finite (summary.diverged says where).
 */
export type StoredRunStatus = 'training' | 'interrupted' | 'done' | 'stopped' | 'diverged' | 'failed' | 'imported';

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
  /**
   * Listed only (never stored): the run stopped without finishing (its tab closed, its worker
   * crashed, its backend failed) and can go on from its last epoch checkpoint, exactly.
   */
  resumable?: boolean;
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
export interface RunsEngineApi {
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
