/** AutoVP search: the controller runs on the main thread (src/client/search/), each trial in an engine worker of its own pool, an epoch per call (trials.ts). */
import type { VPDesign } from '../../core/design/design';
import type { DataSelection } from '../../core/data/runSplits';
import type { BatchMetrics } from '../../engine/train/trainer';
import type { AshaOptions } from '../../core/search/asha';
import type { MappingFamily, SearchSpace } from '../../core/search/space';
import type { TrialEpoch, TrialRecord } from '../../core/search/searchState';

export type { AshaOptions, MappingFamily, SearchSpace, TrialEpoch, TrialRecord };

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
export interface SearchEngineApi {
  /** Loads data and model (kept for the next trial) and builds the trial; `onEvent` streams its batches until trialEnd. */
  trialStart(spec: TrialSpec, onEvent: (e: TrialEvent) => void): Promise<void>;
  /** Trains and validates one more epoch of the started trial. */
  trialEpoch(): Promise<TrialEpoch>;
  /** Frees the trial's prompt and optimiser (the source model stays for the next trial). */
  trialEnd(): Promise<void>;
  /** Ends the epoch in flight after its current batch (cancel). */
  trialStop(): void;
}
