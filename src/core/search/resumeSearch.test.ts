import { describe, expect, it } from 'vitest';
import { resumableSearch } from './resumeSearch';
import { createSearch, SearchController, type TrialExecutor } from './searchController';
import { bestTrial, type SearchState, TRIAL_STOPPED } from './searchState';

/** Validation accuracy per epoch of each synthetic trial. */
const curves: Record<string, number[]> = {
  a: [0.5, 0.6, 0.7, 0.75],
  b: [0.4, 0.2, 0.2, 0.2],
  c: [0.6, 0.65, 0.72, 0.8],
  d: [0.55, 0.55, 0.55, 0.55],
  e: [0.3, 0.3, 0.3, 0.3],
};

function newSearch(): SearchState {
  return createSearch({
    id: 's',
    seed: 3,
    space: { models: ['m'], mappings: ['fully'], scales: [1], trainableResize: [false], ks: [1], intervals: [1] },
    trials: Object.keys(curves).map((id) => ({
      id,
      modelId: 'm',
      design: { labelMapping: 'fully', k: 1, interval: 1, inputScale: 1, trainableResize: false },
    })),
    asha: { maxEpochs: 4, gracePeriod: 1, reductionFactor: 2 },
    budgetSeconds: null,
    tuning: { learningRates: [], weightDecays: [] },
    now: 0,
  });
}

/**
 * One executor replaying the curves and logging each epoch it trains; `interruptAt` (1-based,
 * counted over all epochs) interrupts the search there as SIGINT does in the CLI: the epoch in
 * flight is cut short (TRIAL_STOPPED) and the controller cancelled.
 */
function executor(log: string[], interrupt?: { at: number; controller: () => SearchController }): TrialExecutor {
  let id = '';
  let epoch = 0;
  return {
    async start(t) {
      id = t.config.id;
      epoch = 0;
    },
    async epoch() {
      if (interrupt && log.length + 1 === interrupt.at) {
        interrupt.controller().cancel();
        throw new Error(TRIAL_STOPPED);
      }
      log.push(`${id}${epoch + 1}`);
      const valAcc = curves[id]![epoch++]!;
      return { epoch, valAcc, valLoss: 1 - valAcc, trainAcc: valAcc, trainLoss: 1 - valAcc, seconds: 1 };
    },
    async end() {},
  };
}

const outcome = (s: SearchState) => ({
  trials: s.trials.map((t) => ({ id: t.config.id, status: t.status, stoppedBy: t.stoppedBy, epochs: t.epochs.map((e) => e.valAcc) })),
  rungs: s.schedulers[1].recorded,
  winner: bestTrial(s.trials)?.config.id,
});

describe('resuming an interrupted search', () => {
  it('keeps the trials that ended, runs the one cut short again from its start, and ends as the uninterrupted search', async () => {
    const whole: string[] = [];
    const uninterrupted = await new SearchController(newSearch(), [executor(whole)], { onChange: () => undefined }).run();

    for (let at = 2; at <= whole.length; at++) {
      const before: string[] = [];
      let controller: SearchController | null = null;
      controller = new SearchController(newSearch(), [executor(before, { at, controller: () => controller! })], { onChange: () => undefined });
      const cut = await controller.run();
      expect(cut.status).toBe('cancelled');
      // As search.json holds it.
      const saved = JSON.parse(JSON.stringify(cut)) as SearchState;
      const { state, kept, rerun } = resumableSearch(saved);
      expect(state.status).toBe('ready');
      expect(rerun).toBe(1);
      expect(kept).toBe(saved.trials.filter((t) => t.status !== 'pending').length - 1);
      const after: string[] = [];
      const resumed = await new SearchController(state, [executor(after)], { onChange: () => undefined }).run();
      expect(resumed.status).toBe('finished');
      expect(outcome(resumed), `interrupted at epoch ${at}`).toEqual(outcome(uninterrupted));
      // Nothing that had ended was trained again: the epochs run before and after add up to the
      // uninterrupted search's, plus the epochs of the one trial run again from its start.
      const again = whole[at - 1]!.replace(/\d+$/, '');
      const redone = before.filter((e) => e.startsWith(again)).length;
      expect(after.length).toBe(whole.length - before.length + redone);
      expect(after.filter((e) => !e.startsWith(again))).toEqual(whole.slice(at).filter((e) => !e.startsWith(again)));
    }
  });

  it('leaves the saved state as it was', () => {
    const saved = newSearch();
    saved.trials[0]!.status = 'running';
    saved.trials[0]!.epochs = [{ epoch: 1, valAcc: 0.5, valLoss: 0.5, trainAcc: 0.5, trainLoss: 0.5, seconds: 1 }];
    const copy = structuredClone(saved);
    resumableSearch(saved);
    expect(saved).toEqual(copy);
  });
});
