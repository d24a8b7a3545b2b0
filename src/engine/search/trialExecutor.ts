import type { VPDesign } from '../../core/design/design';
import type { RunSplits } from '../../core/data/runSplits';
import { type BatchMetrics, PromptTrainer } from '../train/trainer';
import { type SourceModel, VisualPromptModel } from '../train/visualPromptModel';
import type { TrialExecutor } from '../../core/search/searchController';
import { TRIAL_STOPPED, type TrialEpoch, type TrialRecord } from '../../core/search/searchState';

export interface TrialEnvironment {
  /** The images every trial trains and validates on (the same for all trials of a search). */
  splits: RunSplits;
  numTarget: number;
  /** Design settings the search does not vary (optimiser, batch size, seed, …). */
  baseDesign: VPDesign;
  /** Epochs the learning-rate schedule spans: the scheduler's maximum. */
  plannedEpochs: number;
  sourceModel(id: string): Promise<SourceModel>;
  /** Work a mapping needs before training (SemanticMap's class-name matching). */
  prepare?(model: VisualPromptModel, trial: TrialRecord): Promise<void>;
  /** Checked between batches: a stop ends the epoch in flight. */
  shouldStop?(): boolean;
  /** Every training batch of the trial in flight (live curves). */
  onBatch?(m: BatchMetrics): void;
}

/** The full design a trial trains with. */
export function trialDesign(base: VPDesign, trial: TrialRecord): VPDesign {
  return {
    ...base,
    ...trial.config.design,
    ...(trial.learningRate !== undefined ? { learningRate: trial.learningRate } : {}),
    ...(trial.weightDecay !== undefined ? { weightDecay: trial.weightDecay } : {}),
  };
}

/** Trains one trial at a time with the engine, an epoch per call (browser worker and CLI alike). */
export function createTrialExecutor(env: TrialEnvironment): TrialExecutor {
  let current: { model: VisualPromptModel; trainer: PromptTrainer } | null = null;
  const release = () => {
    current?.trainer.dispose();
    current?.model.dispose();
    current = null;
  };
  return {
    async start(trial) {
      release();
      const source = await env.sourceModel(trial.config.modelId);
      const model = new VisualPromptModel(source, trialDesign(env.baseDesign, trial), env.numTarget);
      try {
        await env.prepare?.(model, trial);
        const trainer = new PromptTrainer(
          model,
          env.splits.train,
          env.splits.val,
          {
            ...(env.shouldStop ? { shouldStop: env.shouldStop } : {}),
            ...(env.onBatch ? { onBatch: env.onBatch } : {}),
          },
          env.plannedEpochs,
        );
        current = { model, trainer };
      } catch (e) {
        model.dispose();
        throw e;
      }
    },
    async epoch(): Promise<TrialEpoch> {
      if (!current) throw new Error('no trial has started');
      const m = await current.trainer.runEpoch();
      if (!m) throw new Error(TRIAL_STOPPED);
      return {
        epoch: m.epoch + 1,
        valAcc: m.valAcc,
        valLoss: m.valLoss,
        trainAcc: m.trainAcc,
        trainLoss: m.trainLoss,
        seconds: m.seconds,
      };
    },
    async end() {
      release();
    },
  };
}
