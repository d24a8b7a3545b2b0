import type { AshaOptions, AshaState } from './asha';
import type { SearchSpace, TrialConfig } from './space';

/** The error of an epoch that a stop request ended (the search runner tells it from real failures). */
export const TRIAL_STOPPED = 'the trial was stopped';

/** One epoch of a trial, as the scheduler saw it. */
export interface TrialEpoch {
  epoch: number;
  valAcc: number;
  valLoss: number;
  trainAcc: number;
  trainLoss: number;
  seconds: number;
}

export type TrialStatus = 'pending' | 'running' | 'stopped' | 'completed' | 'failed';

export type StopReason = 'asha' | 'budget' | 'cancel';

export interface TrialRecord {
  config: TrialConfig;
  /** 1: the design search; 2: learning rate × weight decay for the winner. */
  stage: 1 | 2;
  /** Stage 2 only: the optimiser settings tried. */
  learningRate?: number;
  weightDecay?: number;
  status: TrialStatus;
  epochs: TrialEpoch[];
  /** Why a 'stopped' trial ended before the maximum: ASHA's rung, the time budget, or a cancel. */
  stoppedBy?: StopReason;
  error?: string;
}

export type SearchStatus = 'ready' | 'running' | 'paused' | 'cancelled' | 'out-of-time' | 'finished';

/** Everything a search needs to be shown, saved and resumed (plain data). */
export interface SearchState {
  id: string;
  createdAt: number;
  seed: number;
  space: SearchSpace;
  asha: AshaOptions;
  /** Scheduler state per stage. */
  schedulers: { 1: AshaState; 2?: AshaState };
  trials: TrialRecord[];
  status: SearchStatus;
  /** Stop starting trials after this many seconds of searching (null = no limit). */
  budgetSeconds: number | null;
  elapsedSeconds: number;
  /** Stage 2 grid for the winner (empty arrays = no second stage). */
  tuning: { learningRates: number[]; weightDecays: number[] };
}

/** The trial a search recommends: best validation accuracy at its last epoch, then more epochs. */
export function bestTrial(trials: readonly TrialRecord[], stage?: 1 | 2): TrialRecord | null {
  let best: TrialRecord | null = null;
  for (const t of trials) {
    if (stage && t.stage !== stage) continue;
    const last = t.epochs[t.epochs.length - 1];
    if (!last || t.status === 'failed') continue;
    const b = best?.epochs[best.epochs.length - 1];
    if (
      !b ||
      last.valAcc > b.valAcc ||
      (last.valAcc === b.valAcc && t.epochs.length > (best as TrialRecord).epochs.length)
    ) {
      best = t;
    }
  }
  return best;
}

/** Trials ranked as a leaderboard: validation accuracy at the last epoch first, then more epochs. */
export function leaderboard(trials: readonly TrialRecord[]): TrialRecord[] {
  const score = (t: TrialRecord) => t.epochs[t.epochs.length - 1]?.valAcc ?? -1;
  return [...trials].sort((a, b) => score(b) - score(a) || b.epochs.length - a.epochs.length);
}
