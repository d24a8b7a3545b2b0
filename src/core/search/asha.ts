/**
 * Asynchronous successive halving (ASHA) as Ray Tune's ASHAScheduler runs it, which the
 * reference AutoVP uses: rungs at grace·η^k epochs (below the maximum); when a trial reaches a
 * rung it is recorded there, and it stops if its metric is below the (1 − 1/η) quantile of the
 * values recorded at that rung so far, its own included (so the first trial at a rung goes on).
 * Every trial stops at maxEpochs. Higher metric is better.
 */
export interface AshaOptions {
  maxEpochs: number;
  gracePeriod: number;
  reductionFactor: number;
}

/** The default search's scheduler (searchDefaults.ts): two epochs a trial, a cut after the first. */
export const DEFAULT_ASHA: AshaOptions = { maxEpochs: 2, gracePeriod: 1, reductionFactor: 2 };

export type AshaDecision = 'continue' | 'stop';

/** The scheduler's whole state: plain data, so a search can be saved and resumed. */
export interface AshaState {
  options: AshaOptions;
  /** Rung milestones (epochs), increasing. */
  milestones: number[];
  /** recorded[r][trialId] = metric at rung r. */
  recorded: Record<string, number>[];
}

export function createAsha(options: AshaOptions): AshaState {
  const { maxEpochs, gracePeriod, reductionFactor } = options;
  if (!(gracePeriod >= 1 && maxEpochs >= gracePeriod && reductionFactor > 1)) {
    throw new Error(
      `ASHA needs 1 ≤ grace period ≤ max epochs and a reduction factor above 1 (got ${JSON.stringify(options)}).`,
    );
  }
  const milestones: number[] = [];
  for (let m = gracePeriod; m < maxEpochs; m *= reductionFactor) milestones.push(Math.round(m));
  return { options, milestones, recorded: milestones.map(() => ({})) };
}

/** Linear-interpolated percentile of values (numpy's default), q in [0, 100]. */
export function percentile(values: readonly number[], q: number): number {
  const sorted = values.filter((v) => !Number.isNaN(v)).sort((a, b) => a - b);
  if (sorted.length === 0) return NaN;
  const pos = ((sorted.length - 1) * q) / 100;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return (sorted[lo] as number) + ((sorted[hi] as number) - (sorted[lo] as number)) * (pos - lo);
}

/** Report a trial's metric after `epoch` epochs (1-based); returns whether it may go on. */
export function reportResult(state: AshaState, trialId: string, epoch: number, metric: number): AshaDecision {
  if (epoch >= state.options.maxEpochs) return 'stop';
  // The highest rung this epoch reaches that the trial has not been recorded at yet.
  for (let r = state.milestones.length - 1; r >= 0; r--) {
    const rung = state.recorded[r] as Record<string, number>;
    if (epoch < (state.milestones[r] as number) || trialId in rung) continue;
    rung[trialId] = metric;
    const cutoff = percentile(Object.values(rung), (1 - 1 / state.options.reductionFactor) * 100);
    return metric < cutoff ? 'stop' : 'continue';
  }
  return 'continue';
}
