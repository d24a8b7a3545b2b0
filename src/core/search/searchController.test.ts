import { describe, expect, it } from 'vitest';
import { createSearch, SearchController, type TrialExecutor } from './searchController';
import { bestTrial, leaderboard, type SearchState, type TrialRecord } from './searchState';
import type { TrialConfig } from './space';

const asha = { maxEpochs: 4, gracePeriod: 1, reductionFactor: 2 };
const space = {
  models: ['m'],
  mappings: ['fully' as const],
  scales: [1],
  trainableResize: [false],
  ks: [1],
  intervals: [1],
};
const config = (id: string): TrialConfig => ({
  id,
  modelId: 'm',
  design: { labelMapping: 'fully', k: 1, interval: 1, inputScale: 1, trainableResize: false },
});

/** Validation accuracy per epoch of each synthetic trial; stage-2 trials get the winner's curve + lr bonus. */
const curves: Record<string, number[]> = {
  a: [0.5, 0.6, 0.7, 0.75],
  b: [0.4, 0.2, 0.2, 0.2],
  c: [0.6, 0.65, 0.72, 0.8],
  d: [0.55, 0.55, 0.55, 0.55],
  e: [0.3, 0.3, 0.3, 0.3],
};

/** An executor replaying the curves; `clock` advances 10 s per epoch; optional hold between epochs. */
function executors(n: number, clock: { t: number }, hold?: () => Promise<void>): TrialExecutor[] {
  return Array.from({ length: n }, () => {
    let trial: TrialRecord | null = null;
    let epoch = 0;
    return {
      async start(t) {
        trial = t;
        epoch = 0;
      },
      async epoch() {
        await hold?.();
        clock.t += 10_000;
        const base = (trial as TrialRecord).config.id.split('/')[0] as string;
        const bonus = (trial as TrialRecord).learningRate === 0.01 ? 0.05 : 0;
        const valAcc = (curves[base]?.[epoch] ?? 0) + bonus;
        epoch++;
        return { epoch, valAcc, valLoss: 1 - valAcc, trainAcc: valAcc, trainLoss: 1 - valAcc, seconds: 10 };
      },
      async end() {},
    };
  });
}

function newSearch(over: Partial<Parameters<typeof createSearch>[0]> = {}): SearchState {
  return createSearch({
    id: 's',
    seed: 1,
    space,
    trials: Object.keys(curves).map(config),
    asha,
    budgetSeconds: null,
    tuning: { learningRates: [], weightDecays: [] },
    now: 0,
    ...over,
  });
}

const epochsRun = (s: SearchState) => Object.fromEntries(s.trials.map((t) => [t.config.id, t.epochs.length]));

describe('SearchController', () => {
  it('runs every trial under ASHA and recommends the best at its last epoch', async () => {
    const clock = { t: 0 };
    const state = newSearch();
    const order = state.trials.map((t) => t.config.id);
    const changes: string[] = [];
    const done = await new SearchController(state, executors(1, clock), {
      onChange: (s) => changes.push(s.status),
      now: () => clock.t,
    }).run();
    expect(done.status).toBe('finished');
    expect(done.trials.every((t) => t.status === 'completed' || t.status === 'stopped')).toBe(true);
    // The seeded order decides who reaches a rung first; c is best everywhere and runs to the end.
    expect(epochsRun(done)['c']).toBe(4);
    expect(done.trials.find((t) => t.config.id === 'c')!.status).toBe('completed');
    expect(bestTrial(done.trials)!.config.id).toBe('c');
    expect(leaderboard(done.trials)[0]!.config.id).toBe('c');
    // Seed 1 orders e, c, b, a, d. Rungs at epochs 1 and 2 (η = 2, max 4). At rung 2 b (0.2)
    // is below the median of {e 0.3, c 0.65, b 0.2} = 0.3 and stops; the others reach the end
    // (d's 0.55 equals the median of {0.3, 0.65, 0.2, 0.6, 0.55}, which is not below it).
    expect(order).toEqual(['e', 'c', 'b', 'a', 'd']);
    expect(epochsRun(done)).toEqual({ e: 4, c: 4, b: 2, a: 4, d: 4 });
    expect(done.elapsedSeconds).toBe(Object.values(epochsRun(done)).reduce((a, b) => a + b) * 10);
    expect(changes.length).toBeGreaterThan(10);
  });

  it('gives the same leaderboard with a pool of two executors', async () => {
    const clock = { t: 0 };
    const done = await new SearchController(newSearch(), executors(2, clock), {
      onChange: () => {},
      now: () => clock.t,
    }).run();
    expect(done.status).toBe('finished');
    expect(bestTrial(done.trials)!.config.id).toBe('c');
    expect(done.trials.filter((t) => t.status === 'running')).toHaveLength(0);
  });

  it('pauses between epochs and resumes', async () => {
    const clock = { t: 0 };
    let release: () => void = () => {};
    let held = 0;
    const hold = () =>
      new Promise<void>((r) => {
        held++;
        release = r;
      });
    const controller = new SearchController(newSearch(), executors(1, clock, hold), {
      onChange: () => {},
      now: () => clock.t,
    });
    const running = controller.run();
    await new Promise((r) => setTimeout(r, 10));
    expect(held).toBe(1); // the first epoch is in flight
    controller.pause();
    release(); // the epoch in flight finishes…
    await new Promise((r) => setTimeout(r, 10));
    expect(held).toBe(1); // …and no new one starts while paused
    expect(controller.state.status).toBe('paused');
    clock.t += 3_600_000; // an hour paused: not searching time
    // Let every later epoch through at once.
    const releaseAll = setInterval(() => release(), 1);
    controller.unpause();
    const done = await running;
    clearInterval(releaseAll);
    expect(done.status).toBe('finished');
    expect(done.elapsedSeconds).toBeLessThan(3600);
  });

  it('stops starting work when the time budget is spent, keeping what trials reached', async () => {
    const clock = { t: 0 };
    const done = await new SearchController(newSearch({ budgetSeconds: 35 }), executors(1, clock), {
      onChange: () => {},
      now: () => clock.t,
    }).run();
    expect(done.status).toBe('out-of-time');
    const ran = Object.values(epochsRun(done)).reduce((a, b) => a + b);
    expect(ran).toBe(4); // 4 epochs of 10 s: the fourth ends past 35 s
    expect(done.trials.some((t) => t.status === 'pending')).toBe(true);
  });

  it('cancels, and resumes a saved search from where it was', async () => {
    const clock = { t: 0 };
    let snapshot: SearchState | null = null;
    let changes = 0;
    const first = new SearchController(newSearch(), executors(1, clock), {
      onChange: (s) => {
        if (++changes === 6) snapshot = JSON.parse(JSON.stringify(s)) as SearchState;
      },
      now: () => clock.t,
    });
    const saved = () => snapshot as unknown as SearchState;
    await first.run();
    // A reload at change 6: one trial was running — it starts again from its first epoch.
    const resumed = new SearchController(saved(), executors(1, clock), { onChange: () => {}, now: () => clock.t });
    expect(resumed.state.trials.filter((t) => t.status === 'running')).toHaveLength(0);
    const done = await resumed.run();
    expect(done.status).toBe('finished');
    expect(bestTrial(done.trials)!.config.id).toBe('c');

    const cancelled = new SearchController(newSearch(), executors(1, clock), {
      onChange: (s) => {
        if (s.trials.some((t) => t.epochs.length === 2)) cancelled.cancel();
      },
      now: () => clock.t,
    });
    const end = await cancelled.run();
    expect(end.status).toBe('cancelled');
    expect(end.trials.filter((t) => t.status === 'running')).toHaveLength(0);
  });

  it('tunes learning rate × weight decay for the winner in a second stage', async () => {
    const clock = { t: 0 };
    const done = await new SearchController(
      newSearch({ tuning: { learningRates: [0.01, 0.001], weightDecays: [0, 1e-5] } }),
      executors(1, clock),
      { onChange: () => {}, now: () => clock.t },
    ).run();
    const stage2 = done.trials.filter((t) => t.stage === 2);
    expect(stage2.map((t) => t.config.id).sort()).toEqual([
      'c/lr0.001/wd0',
      'c/lr0.001/wd0.00001',
      'c/lr0.01/wd0',
      'c/lr0.01/wd0.00001',
    ]);
    const best = bestTrial(done.trials, 2)!;
    expect(best.learningRate).toBe(0.01);
  });
});

describe('SearchController resumed in stage 2', () => {
  it('keeps the tuning trials and their scheduler instead of adding them again', async () => {
    const clock = { t: 0 };
    let snapshot: SearchState | null = null;
    const tuning = { learningRates: [0.01, 0.001], weightDecays: [0] };
    await new SearchController(newSearch({ tuning }), executors(1, clock), {
      onChange: (s) => {
        if (!snapshot && s.trials.some((t) => t.stage === 2 && t.epochs.length === 1))
          snapshot = JSON.parse(JSON.stringify(s)) as SearchState;
      },
      now: () => clock.t,
    }).run();
    const saved = snapshot as unknown as SearchState;
    const recorded = JSON.stringify(saved.schedulers[2]);
    const resumed = new SearchController(saved, executors(1, clock), { onChange: () => {}, now: () => clock.t });
    const done = await resumed.run();
    expect(done.status).toBe('finished');
    expect(done.trials.filter((t) => t.stage === 2)).toHaveLength(2);
    // The rung results recorded before the reload are still there.
    expect(Object.keys(JSON.parse(recorded).recorded[0]).every((id) => id in done.schedulers[2]!.recorded[0]!)).toBe(
      true,
    );
    expect(bestTrial(done.trials, 2)!.learningRate).toBe(0.01);
  });
});
