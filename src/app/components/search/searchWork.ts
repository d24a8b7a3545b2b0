/** The search's work and speed as the estimate and the progress bar need them (src/core/search/searchEstimate.ts). */
import type { SearchRecord } from '../../../core/search/records';
import { trialData } from '../../../core/search/records';
import { FORWARD_SHARE, REFERENCE_SPEED, type SearchWork } from '../../../core/search/searchEstimate';
import type { StoredRunInfo } from '../../../worker/api/runsApi';

/** A training speed and where it was measured. */
export interface Speed {
  secondsPerImage: number;
  source: string;
}

/** The search of a record: its trials, scheduler, workers, budget, images and the winner's training. */
export function workOfRecord(record: SearchRecord): SearchWork {
  const { setup, state } = record;
  const trial = trialData(setup);
  return {
    trials: state.trials.length,
    asha: state.asha,
    workers: setup.poolSize,
    budgetSeconds: state.budgetSeconds,
    trialImages: { train: trial.trainImages, validation: trial.valImages },
    final: setup.trainWinner
      ? {
          epochs: setup.finalEpochs,
          train: setup.data.trainImages,
          validation: setup.data.valImages,
          test: setup.data.testImages,
          baseline: true,
        }
      : null,
  };
}

/** Seconds per training image of the latest saved run of `modelId` (its epochs, validation included). */
function speedOfRuns(modelId: string, runs: readonly StoredRunInfo[] | null): Speed | null {
  const run = (runs ?? [])
    .filter((r) => r.modelId === modelId && r.summary && r.epochs.length > 0 && r.summary.trainCount > 0)
    .sort((a, b) => b.updatedAt - a.updatedAt)[0];
  if (!run?.summary) return null;
  const epochSeconds = run.epochs.reduce((s, e) => s + e.seconds, 0) / run.epochs.length;
  const images = run.summary.trainCount + run.summary.valCount * FORWARD_SHARE;
  return { secondsPerImage: epochSeconds / images, source: `your run “${run.name}”` };
}

/**
 * The slowest known speed of the models searched: measured by the latest saved run of each, or
 * darknet-tiny's reference speed on 2 cores; `missing` names the models with neither.
 */
export function searchSpeed(
  modelIds: readonly string[],
  runs: readonly StoredRunInfo[] | null,
  nameOf: (id: string) => string,
): { speed: Speed | null; missing: string[] } {
  let speed: Speed | null = null;
  const missing: string[] = [];
  for (const id of modelIds) {
    const s =
      speedOfRuns(id, runs) ??
      (id === REFERENCE_SPEED.modelId
        ? {
            secondsPerImage: REFERENCE_SPEED.secondsPerImage,
            source: `the speed measured for ${nameOf(id)} on 2 CPU cores`,
          }
        : null);
    if (!s) missing.push(nameOf(id));
    else if (!speed || s.secondsPerImage > speed.secondsPerImage) speed = s;
  }
  return { speed, missing };
}
