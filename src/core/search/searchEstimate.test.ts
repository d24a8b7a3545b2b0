import { describe, expect, it } from 'vitest';
import { createSearch, SearchController, type TrialExecutor } from './searchController';
import {
  estimateSearch,
  expectedTrialEpochs,
  FORWARD_SHARE,
  searchClock,
  type SearchWork,
  winnerClock,
} from './searchEstimate';
import type { TrialConfig } from './space';
import { trialEnding, trialName } from './trialName';

const asha = { maxEpochs: 2, gracePeriod: 1, reductionFactor: 2 };
const work: SearchWork = {
  trials: 4,
  asha,
  workers: 1,
  budgetSeconds: null,
  trialImages: { train: 300, validation: 150 },
  final: { epochs: 2, train: 1000, validation: 150, test: 300, baseline: true },
};
const config = (id: string, scale = 1, resize = false): TrialConfig => ({
  id,
  modelId: 'm',
  design: { labelMapping: 'fully', k: 1, interval: 1, inputScale: scale, trainableResize: resize },
});
const space = {
  models: ['m'],
  mappings: ['fully' as const],
  scales: [1],
  trainableResize: [false],
  ks: [1],
  intervals: [1],
};

describe('expectedTrialEpochs', () => {
  it('counts every trial to the first rung, then 1/η of them past each rung', () => {
    expect(expectedTrialEpochs(4, asha)).toBe(4 + 2); // rung at 1: 4 trials × 1, then 2 × 1
    expect(expectedTrialEpochs(8, { maxEpochs: 4, gracePeriod: 1, reductionFactor: 2 })).toBe(8 + 4 + 2 * 2);
    expect(expectedTrialEpochs(3, { maxEpochs: 3, gracePeriod: 3, reductionFactor: 2 })).toBe(9); // no rung
    expect(expectedTrialEpochs(1, asha)).toBe(2); // at least one goes on
    expect(expectedTrialEpochs(0, asha)).toBe(0);
  });
});

describe('estimateSearch', () => {
  it('adds the trials (epochs × images per epoch) and the winner (epochs, test, probe) at the measured speed', () => {
    const e = estimateSearch(work, 0.1);
    const epoch = 0.1 * (300 + 150 * FORWARD_SHARE); // 35 s
    expect(e.trialEpochs).toBe(6);
    expect(e.searchSeconds).toBeCloseTo(6 * epoch);
    const final = 0.1 * (2000 + (300 + 300 + 1450) * FORWARD_SHARE);
    expect(e.finalSeconds).toBeCloseTo(final);
    expect(e.totalSeconds).toBeCloseTo(6 * epoch + final);
    // If ASHA stopped nobody: every trial to the maximum.
    expect(e.longestSeconds).toBeCloseTo(work.trials * work.asha.maxEpochs * epoch + final);
    expect(e.budgetBinds).toBe(false);
  });

  it('spreads the trials over the workers and caps them by the budget', () => {
    expect(estimateSearch({ ...work, workers: 2 }, 0.1).searchSeconds).toBeCloseTo(3 * 35);
    const capped = estimateSearch({ ...work, budgetSeconds: 60 }, 0.1);
    expect(capped.searchSeconds).toBe(60);
    expect(capped.uncappedSearchSeconds).toBeCloseTo(210);
    expect(capped.budgetBinds).toBe(true);
  });

  it('leaves the winner out when it is not trained', () => {
    expect(estimateSearch({ ...work, final: null }, 0.1).finalSeconds).toBe(0);
  });
});

describe('searchClock and winnerClock: one bar over the trials and the winner', () => {
  const state = () =>
    createSearch({
      id: 's',
      seed: 1,
      space,
      trials: ['a', 'b', 'c', 'd'].map((id) => config(id)),
      asha,
      budgetSeconds: null,
      tuning: { learningRates: [], weightDecays: [] },
      now: 0,
    });

  it('starts at 0% with the whole estimate ahead, not at "0 s"', () => {
    const c = searchClock(state(), work, 0.1);
    expect(c.fraction).toBe(0);
    expect(c.remainingSeconds).toBeCloseTo(estimateSearch(work, 0.1).totalSeconds);
  });

  it('uses the speed the trials measured, and the budget left', () => {
    const s = state();
    s.elapsedSeconds = 70;
    // Two epochs took 70 s each: twice the estimate's speed (35 s) → 0.2 s per image.
    for (const t of s.trials.slice(0, 2)) {
      t.status = 'stopped';
      t.epochs = [{ epoch: 1, valAcc: 0.5, valLoss: 1, trainAcc: 0.5, trainLoss: 1, seconds: 70 }];
    }
    const c = searchClock(s, work, 0.1);
    const final = estimateSearch(work, 0.2).finalSeconds;
    expect(c.remainingSeconds).toBeCloseTo(4 * 70 + final); // 6 expected − 2 done
    expect(c.fraction).toBeCloseTo(70 / (70 + 4 * 70 + final));
    s.budgetSeconds = 100;
    expect(searchClock(s, work, 0.1).remainingSeconds).toBeCloseTo(30 + final);
  });

  it('ends the trials at 0 s left when none is open, the winner still ahead', () => {
    const s = state();
    for (const t of s.trials) t.status = 'completed';
    s.elapsedSeconds = 200;
    const c = searchClock(s, work, 0.1);
    expect(c.remainingSeconds).toBeCloseTo(estimateSearch(work, 0.1).finalSeconds);
  });

  it('follows the winner run’s own pace, then its test and probe', () => {
    const c = winnerClock(200, { elapsedSeconds: 50, step: 25, totalSteps: 125 }, work, 0.1);
    const tail = 0.1 * FORWARD_SHARE * (300 + 1450);
    expect(c.elapsedSeconds).toBe(250);
    expect(c.remainingSeconds).toBeCloseTo(100 * 2 + tail);
    expect(c.fraction).toBeGreaterThan(0.4);
    expect(winnerClock(200, null, work, 0.1).elapsedSeconds).toBe(200);
  });
});

/** Trials a, b, c, d with fixed curves; 10 s per epoch on the clock. */
function replay(clock: { t: number }): TrialExecutor {
  const curves: Record<string, number[]> = { a: [0.6, 0.7], b: [0.3, 0.4], c: [0.9, 0.95], d: [0.2, 0.2] };
  let id = '';
  let epoch = 0;
  return {
    async start(t) {
      id = t.config.id;
      epoch = 0;
    },
    async epoch() {
      clock.t += 10_000;
      const valAcc = curves[id]![epoch++]!;
      return { epoch, valAcc, valLoss: 1, trainAcc: valAcc, trainLoss: 1, seconds: 10 };
    },
    async end() {},
  };
}

describe('why a trial stopped', () => {
  const run = async (budgetSeconds: number | null) => {
    const clock = { t: 0 };
    const s = createSearch({
      id: 's',
      seed: 1,
      space,
      trials: ['a', 'b', 'c', 'd'].map((id) => config(id)),
      asha,
      budgetSeconds,
      tuning: { learningRates: [], weightDecays: [] },
      now: 0,
    });
    // The best first, so the next ones fall below it at the rung.
    const order = ['c', 'a', 'b', 'd'];
    s.trials.sort((x, y) => order.indexOf(x.config.id) - order.indexOf(y.config.id));
    await new SearchController(s, [replay(clock)], { onChange: () => undefined, now: () => clock.t }).run();
    return s;
  };

  it('says ASHA for a trial below its rung, and the budget for a trial the budget ended (even a leading one)', async () => {
    const byAsha = await run(null);
    for (const t of byAsha.trials.filter((x) => x.status === 'stopped')) expect(t.stoppedBy).toBe('asha');
    expect(byAsha.trials.some((t) => t.status === 'stopped')).toBe(true);

    // 5 s of budget: the first (and best) trial trains one epoch (10 s), then the budget ends it.
    const byBudget = await run(5);
    const first = byBudget.trials.find((t) => t.epochs.length > 0)!;
    expect(first.status).toBe('stopped');
    expect(first.stoppedBy).toBe('budget');
    expect(trialEnding(first)).toBe('stopped by the time budget after 1 epoch');
    expect(byBudget.status).toBe('out-of-time');
  });

  it('words every ending, and names trials readably', () => {
    const t = {
      status: 'stopped' as const,
      epochs: [{ epoch: 1, valAcc: 0, valLoss: 0, trainAcc: 0, trainLoss: 0, seconds: 1 }],
    };
    expect(trialEnding({ ...t, stoppedBy: 'asha' })).toBe('stopped by ASHA after 1 epoch');
    expect(trialEnding({ ...t, stoppedBy: 'cancel' })).toBe('stopped by the cancel after 1 epoch');
    expect(trialEnding({ ...t, status: 'completed' })).toBe('ran all 1 epoch');
    expect(trialName({ config: config('x', 1.5, true) })).toBe('FullyMap · ×1.5 · resize');
    expect(trialName({ config: config('x'), learningRate: 0.01, weightDecay: 0 }, 'Darknet tiny')).toBe(
      'Darknet tiny · FullyMap · ×1 · fixed · lr 0.01, wd 0',
    );
  });
});
