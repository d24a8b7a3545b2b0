/**
 * How long a search will take, before it starts and while it runs: the trials (as many epochs as
 * ASHA is expected to grant, spread over the workers, capped by the time budget) and the winner's
 * training, from a measured training speed in seconds per image. Plain arithmetic on plain data,
 * so the app and the CLI show the same numbers.
 */
import type { AshaOptions } from './asha';
import { createAsha } from './asha';
import type { SearchState } from './searchState';

/**
 * darknet-tiny's training speed on 2 CPU cores (WASM, batch 16): the default run's 2,000 image
 * steps took 3 min 36 s in the browser with its test and linear probing (BENCHMARKS.md). The CLI
 * trains single-threaded in Node: 0.12 s an image over the default search's trials and winner.
 */
export const REFERENCE_SPEED = { modelId: 'darknet-tiny', secondsPerImage: 0.1, cliSecondsPerImage: 0.12 };

/** A forward pass (validation, test, the probe's features) costs about a third of a training step. */
export const FORWARD_SHARE = 1 / 3;

/**
 * Epochs ASHA is expected to train over `trials` trials: every trial to the first rung, then about
 * 1/η of the survivors past each rung (at least one), up to the maximum.
 */
export function expectedTrialEpochs(trials: number, asha: AshaOptions): number {
  if (trials <= 0) return 0;
  const { milestones } = createAsha(asha);
  const stops = [...milestones, asha.maxEpochs];
  let epochs = trials * (stops[0] as number);
  for (let r = 0; r < milestones.length; r++) {
    const survivors = Math.max(1, Math.ceil(trials / asha.reductionFactor ** (r + 1)));
    epochs += survivors * ((stops[r + 1] as number) - (stops[r] as number));
  }
  return epochs;
}

export interface SearchWork {
  trials: number;
  asha: AshaOptions;
  workers: number;
  budgetSeconds: number | null;
  trialImages: { train: number; validation: number };
  final: { epochs: number; train: number; validation: number; test: number; baseline: boolean } | null;
}

/** Seconds of one trial epoch: its training images, then its validation pass. */
const trialEpochSeconds = (w: SearchWork, secondsPerImage: number) =>
  secondsPerImage * (w.trialImages.train + w.trialImages.validation * FORWARD_SHARE);

/** Seconds of the winner's training: epochs with validation, the test, the probe's features. */
function finalSeconds(w: SearchWork, secondsPerImage: number): number {
  const f = w.final;
  if (!f) return 0;
  const forward = f.validation * f.epochs + f.test + (f.baseline ? f.train + f.validation + f.test : 0);
  return secondsPerImage * (f.train * f.epochs + forward * FORWARD_SHARE);
}

export interface SearchEstimate {
  trialEpochs: number;
  /** The trials' share, capped by the budget. */
  searchSeconds: number;
  /** The trials would need this long without the budget. */
  uncappedSearchSeconds: number;
  finalSeconds: number;
  totalSeconds: number;
  /**
   * The whole search if ASHA stops no trial (asynchronous ASHA promotes every trial that leads its
   * rung when it arrives, so a few trials in a lucky order all run to the maximum), capped by the budget.
   */
  longestSeconds: number;
  /** The budget ends the trials before ASHA would. */
  budgetBinds: boolean;
}

/** The whole search before it starts. Workers beyond the first share the cores, so the split is optimistic. */
export function estimateSearch(w: SearchWork, secondsPerImage: number): SearchEstimate {
  const trialEpochs = expectedTrialEpochs(w.trials, w.asha);
  const uncapped = (trialEpochs * trialEpochSeconds(w, secondsPerImage)) / Math.max(1, w.workers);
  const budgetBinds = w.budgetSeconds !== null && uncapped > w.budgetSeconds;
  const searchSeconds = budgetBinds ? (w.budgetSeconds as number) : uncapped;
  const final = finalSeconds(w, secondsPerImage);
  const everyEpoch = (w.trials * w.asha.maxEpochs * trialEpochSeconds(w, secondsPerImage)) / Math.max(1, w.workers);
  const longestSearch = w.budgetSeconds === null ? everyEpoch : Math.min(everyEpoch, w.budgetSeconds);
  return {
    trialEpochs,
    searchSeconds,
    uncappedSearchSeconds: uncapped,
    finalSeconds: final,
    totalSeconds: searchSeconds + final,
    longestSeconds: Math.max(searchSeconds, longestSearch) + final,
    budgetBinds,
  };
}

export interface SearchClock {
  /** Seconds spent so far (trials, then the winner's training). */
  elapsedSeconds: number;
  /** Seconds still to go, estimated. */
  remainingSeconds: number;
  /** elapsed / (elapsed + remaining): one bar over the trials and the winner. */
  fraction: number;
}

/** Training speed the trials have shown so far (null before the first epoch). */
export function measuredSecondsPerImage(state: SearchState, w: SearchWork): number | null {
  const epochs = state.trials.flatMap((t) => t.epochs);
  if (epochs.length === 0) return null;
  const mean = epochs.reduce((s, e) => s + e.seconds, 0) / epochs.length;
  return mean / trialEpochSeconds(w, 1);
}

const clock = (elapsed: number, remaining: number): SearchClock => ({
  elapsedSeconds: elapsed,
  remainingSeconds: Math.max(0, remaining),
  fraction: elapsed + remaining > 0 ? Math.min(1, elapsed / (elapsed + Math.max(0, remaining))) : 0,
});

/**
 * While the trials run: the epochs ASHA is still expected to grant (at least one per trial not yet
 * ended), at the speed measured so far (the estimate's until then), capped by the budget left,
 * then the winner's training at that speed.
 */
export function searchClock(state: SearchState, w: SearchWork, fallbackSecondsPerImage: number): SearchClock {
  const spi = measuredSecondsPerImage(state, w) ?? fallbackSecondsPerImage;
  const done = state.trials.reduce((s, t) => s + t.epochs.length, 0);
  const open = state.trials.filter((t) => t.status === 'pending' || t.status === 'running').length;
  const left = open === 0 ? 0 : Math.max(open, expectedTrialEpochs(state.trials.length, w.asha) - done);
  let search = (left * trialEpochSeconds(w, spi)) / Math.max(1, w.workers);
  if (state.budgetSeconds !== null) search = Math.min(search, Math.max(0, state.budgetSeconds - state.elapsedSeconds));
  return clock(state.elapsedSeconds, search + finalSeconds(w, spi));
}

/**
 * While the winner trains: the trials' time is spent; what is left is the run's steps at the pace
 * of its steps so far, and its test and probe (the estimate's share for them).
 */
export function winnerClock(
  searchSeconds: number,
  run: { elapsedSeconds: number; step: number; totalSteps: number } | null,
  w: SearchWork,
  secondsPerImage: number,
): SearchClock {
  const f = w.final;
  const whole = finalSeconds(w, secondsPerImage);
  if (!run || run.step <= 0 || !f)
    return clock(searchSeconds + (run?.elapsedSeconds ?? 0), whole - (run?.elapsedSeconds ?? 0));
  const tail = secondsPerImage * FORWARD_SHARE * (f.test + (f.baseline ? f.train + f.validation + f.test : 0));
  const steps = (run.elapsedSeconds / run.step) * (run.totalSteps - run.step);
  return clock(searchSeconds + run.elapsedSeconds, steps + tail);
}
