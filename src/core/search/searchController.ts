import { Rng } from '../util/rng';
import { createAsha, reportResult } from './asha';
import type { TrialConfig } from './space';
import { bestTrial, type SearchState, type TrialEpoch, type TrialRecord } from './searchState';

/** Trains one trial at a time, an epoch per call (an engine worker in the browser). */
export interface TrialExecutor {
  start(trial: TrialRecord): Promise<void>;
  epoch(): Promise<TrialEpoch>;
  end(): Promise<void>;
}

export interface SearchHooks {
  /** Called after every change (a trial started, an epoch reported, a trial ended). */
  onChange(state: SearchState): void;
  now?(): number;
}

/**
 * Runs an AutoVP search: a pool of executors takes pending trials in turn and trains each epoch by
 * epoch while the ASHA scheduler lets it; then, if asked, a second stage over learning rate ×
 * weight decay for the winner. Pause holds every trial between two epochs; cancel and the time
 * budget end trials after their current epoch. The state is plain data: saving it after every
 * change and constructing a controller from it resumes the search (trials that were running
 * start again from their first epoch).
 */
export class SearchController {
  private paused = false;
  private cancelled = false;
  private resume: (() => void) | null = null;
  private gate: Promise<void> = Promise.resolve();
  private readonly now: () => number;
  private lastTick: number;

  constructor(
    readonly state: SearchState,
    private readonly executors: readonly TrialExecutor[],
    private readonly hooks: SearchHooks,
  ) {
    this.now = hooks.now ?? (() => Date.now());
    this.lastTick = this.now();
    for (const t of state.trials) {
      if (t.status === 'running') {
        t.status = 'pending';
        t.epochs = [];
      }
    }
  }

  pause(): void {
    if (this.paused || this.cancelled) return;
    this.tick(); // the time searched until now counts
    this.paused = true;
    this.gate = new Promise((resolve) => (this.resume = resolve));
    this.setStatus('paused');
  }

  unpause(): void {
    if (!this.paused) return;
    this.tick(); // the pause does not
    this.paused = false;
    this.resume?.();
    this.setStatus('running');
  }

  cancel(): void {
    if (this.cancelled) return;
    this.cancelled = true;
    this.unpause();
    this.setStatus('cancelled');
  }

  /** Run until every trial has ended, or the search is cancelled or out of time. */
  async run(): Promise<SearchState> {
    this.lastTick = this.now();
    // Paused before it ran (while the worker pool started): it waits at the gate.
    this.setStatus(this.paused ? 'paused' : 'running');
    await this.runStage(1);
    if (this.canContinue() && this.state.tuning.learningRates.length && this.state.tuning.weightDecays.length) {
      // A search resumed during stage 2 already has its tuning trials and scheduler.
      if (!this.state.trials.some((t) => t.stage === 2)) this.addTuningTrials();
      await this.runStage(2);
    }
    if (this.canContinue()) this.setStatus('finished');
    else if (!this.cancelled) this.setStatus('out-of-time');
    return this.state;
  }

  private canContinue(): boolean {
    return !this.cancelled && !this.outOfTime();
  }

  private outOfTime(): boolean {
    this.tick();
    const budget = this.state.budgetSeconds;
    return budget !== null && this.state.elapsedSeconds >= budget;
  }

  private tick(): void {
    const t = this.now();
    if (!this.paused) this.state.elapsedSeconds += (t - this.lastTick) / 1000;
    this.lastTick = t;
  }

  private setStatus(status: SearchState['status']): void {
    this.state.status = status;
    this.changed();
  }

  private changed(): void {
    this.tick();
    this.hooks.onChange(this.state);
  }

  private async runStage(stage: 1 | 2): Promise<void> {
    await Promise.all(this.executors.map((e) => this.work(e, stage)));
  }

  private nextPending(stage: 1 | 2): TrialRecord | undefined {
    return this.state.trials.find((t) => t.stage === stage && t.status === 'pending');
  }

  private async work(executor: TrialExecutor, stage: 1 | 2): Promise<void> {
    for (;;) {
      await this.gate;
      if (!this.canContinue()) return;
      const trial = this.nextPending(stage);
      if (!trial) return;
      trial.status = 'running';
      trial.epochs = [];
      delete trial.stoppedBy;
      this.changed();
      try {
        await executor.start(trial);
        await this.trainTrial(executor, trial, stage);
      } catch (e) {
        trial.status = 'failed';
        trial.error = e instanceof Error ? e.message : String(e);
        this.changed();
      } finally {
        await executor.end().catch(() => undefined);
      }
    }
  }

  private async trainTrial(executor: TrialExecutor, trial: TrialRecord, stage: 1 | 2): Promise<void> {
    const scheduler = this.state.schedulers[stage];
    if (!scheduler) throw new Error(`stage ${stage} has no scheduler`);
    for (let epoch = 1; ; epoch++) {
      await this.gate;
      if (!this.canContinue()) {
        // Cancelled or out of time: keep what it reached, and say which.
        trial.status = trial.epochs.length ? 'stopped' : 'pending';
        if (trial.epochs.length) trial.stoppedBy = this.cancelled ? 'cancel' : 'budget';
        this.changed();
        return;
      }
      const result = await executor.epoch();
      trial.epochs.push({ ...result, epoch });
      const decision = reportResult(scheduler, trial.config.id, epoch, result.valAcc);
      if (decision === 'stop') {
        trial.status = epoch >= this.state.asha.maxEpochs ? 'completed' : 'stopped';
        if (trial.status === 'stopped') trial.stoppedBy = 'asha';
        this.changed();
        return;
      }
      this.changed();
    }
  }

  /** Stage 2: the stage-1 winner under every learning rate × weight decay, seeded order. */
  private addTuningTrials(): void {
    const winner = bestTrial(this.state.trials, 1);
    if (!winner) return;
    this.state.schedulers[2] = createAsha(this.state.asha);
    const tuning: TrialRecord[] = [];
    for (const learningRate of this.state.tuning.learningRates) {
      for (const weightDecay of this.state.tuning.weightDecays) {
        const config: TrialConfig = { ...winner.config, id: `${winner.config.id}/lr${learningRate}/wd${weightDecay}` };
        tuning.push({ config, stage: 2, learningRate, weightDecay, status: 'pending', epochs: [] });
      }
    }
    new Rng(this.state.seed + 2).shuffle(tuning);
    this.state.trials.push(...tuning);
    this.changed();
  }
}

/**
 * A new search over `trials`: seeded order (grouped by model, so a worker reloads weights as
 * rarely as possible), stage-1 scheduler, nothing run yet.
 */
export function createSearch(options: {
  id: string;
  seed: number;
  space: SearchState['space'];
  trials: TrialConfig[];
  asha: SearchState['asha'];
  budgetSeconds: number | null;
  tuning: SearchState['tuning'];
  now?: number;
}): SearchState {
  const rng = new Rng(options.seed);
  const byModel = new Map<string, TrialConfig[]>();
  for (const t of options.trials) byModel.set(t.modelId, [...(byModel.get(t.modelId) ?? []), t]);
  const ordered = [...byModel.values()].flatMap((group) => rng.shuffle([...group]));
  return {
    id: options.id,
    createdAt: options.now ?? Date.now(),
    seed: options.seed,
    space: options.space,
    asha: options.asha,
    schedulers: { 1: createAsha(options.asha) },
    trials: ordered.map((config) => ({ config, stage: 1, status: 'pending', epochs: [] })),
    status: 'ready',
    budgetSeconds: options.budgetSeconds,
    elapsedSeconds: 0,
    tuning: options.tuning,
  };
}
