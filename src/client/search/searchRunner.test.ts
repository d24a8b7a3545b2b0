import { describe, expect, it } from 'vitest';
import { DEFAULT_DESIGN } from '../../core/design/schema';
import { createSearch } from '../../core/search/searchController';
import { TRIAL_STOPPED } from '../../core/search/searchState';
import { enumerateTrials } from '../../core/search/space';
import type { SearchRecord } from '../../core/search/records';
import type { TrialRecord } from '../../worker/api/searchApi';
import type { PoolMember, TrialPoolHooks } from './pool';
import { type SearchRunDeps, startSearchRun } from './searchRunner';

const space = {
  models: ['m'],
  mappings: ['fully' as const],
  scales: [0.5, 1, 1.5],
  trainableResize: [false, true],
  ks: [1],
  intervals: [1],
};

function newRecord(): SearchRecord {
  const { trials, excluded } = enumerateTrials(space, [{ id: 'm', numSource: 5, textImage: false }], 10);
  const state = createSearch({
    id: 's',
    seed: 1,
    space,
    trials,
    asha: { maxEpochs: 3, gracePeriod: 1, reductionFactor: 2 },
    budgetSeconds: null,
    tuning: { learningRates: [], weightDecays: [] },
    now: 0,
  });
  return {
    id: 's',
    createdAt: 0,
    updatedAt: 0,
    setup: {
      datasetId: 'mnist',
      datasetName: 'MNIST',
      classes: Array.from({ length: 10 }, (_, i) => String(i)),
      data: { valFraction: 0.1, trainImages: 20, valImages: 20, testImages: 20, fraction: 1 },
      baseDesign: DEFAULT_DESIGN,
      models: { m: { name: 'M', inputSize: 224, textImage: false } },
      poolSize: 2,
      finalEpochs: 1,
      trainWinner: false,
    },
    state,
    excluded,
    learntScales: {},
    final: null,
  };
}

const tick = () => new Promise((r) => setTimeout(r, 1));

/**
 * A pool of fake workers: epochs take a tick (or wait for `gate`), accuracy grows with the scale
 * and with resize; stop() makes the epoch in flight throw as the engine worker does.
 */
function fakeDeps(options: { gate?: () => Promise<void> } = {}) {
  const saved: SearchRecord[] = [];
  let disposed = 0;
  let started = 0;
  const deps: SearchRunDeps = {
    async createPool(size, _engine, _spec, hooks: TrialPoolHooks): Promise<PoolMember[]> {
      return Array.from({ length: size }, () => {
        let trial: TrialRecord | null = null;
        let epoch = 0;
        let stopped = false;
        return {
          executor: {
            async start(t) {
              trial = t;
              epoch = 0;
              stopped = false;
              started++;
              hooks.onPhase(t.config.id, 'training');
            },
            async epoch() {
              const t = trial as TrialRecord;
              await (options.gate?.() ?? tick());
              if (stopped) throw new Error(TRIAL_STOPPED);
              epoch++;
              const d = t.config.design;
              hooks.onBatch(t.config.id, {
                epoch: epoch - 1,
                batch: 0,
                batchesPerEpoch: 1,
                step: epoch,
                totalSteps: 3,
                loss: 1,
                accuracy: 0.5,
                learningRate: 0.01,
                ...(d.trainableResize ? { scale: d.inputScale + 0.1 } : {}),
                imagesPerSecond: 10,
                elapsedSeconds: epoch,
              });
              const acc = 0.2 + d.inputScale * 0.1 + (d.trainableResize ? 0.05 : 0) + epoch * 0.01;
              return { epoch, valAcc: acc, valLoss: 1 - acc, trainAcc: acc, trainLoss: 1 - acc, seconds: 1 };
            },
            async end() {},
          },
          stop() {
            stopped = true;
          },
          dispose() {
            disposed++;
          },
        };
      });
    },
    async save(r) {
      saved.push(r);
    },
    holdLock() {},
  };
  return { deps, saved, disposed: () => disposed, started: () => started };
}

const engine = { backend: 'cpu' as const, baseUrl: 'http://localhost/' };
const noHooks = { onRecord() {}, onPhase() {}, onBatch() {} };

describe('a search run on a pool of workers', () => {
  it('runs every trial on two workers, saves as it goes, records learnt scales and frees the workers', async () => {
    const fake = fakeDeps();
    const records: SearchRecord[] = [];
    const run = startSearchRun(newRecord(), engine, { ...noHooks, onRecord: (r) => records.push(r) }, fake.deps);
    const done = await run.done;
    expect(done.state.status).toBe('finished');
    expect(done.state.trials.every((t) => t.status === 'completed' || t.status === 'stopped')).toBe(true);
    expect(done.state.trials.find((t) => t.config.id === 'm/fully/s1.5/resize')!.status).toBe('completed');
    expect(done.learntScales['m/fully/s1.5/resize']).toBeCloseTo(1.6);
    expect(fake.disposed()).toBe(2);
    // Every change reached the page; the last save is the finished search.
    expect(records.length).toBeGreaterThan(12);
    expect(fake.saved[fake.saved.length - 1]!.state.status).toBe('finished');
    // Copies, not the live object.
    expect(records[0]).not.toBe(records[1]);
  });

  it('cancels mid-epoch: the epochs in flight end, interrupted trials are stopped or waiting, not failed', async () => {
    const release: (() => void)[] = [];
    const fake = fakeDeps({ gate: () => new Promise<void>((r) => release.push(r)) });
    const record = newRecord();
    const run = startSearchRun(record, engine, noHooks, fake.deps);
    // Let the first epochs of both workers through, then cancel while the next ones run.
    while (release.length < 2) await tick();
    for (const r of release.splice(0)) r();
    while (release.length < 2) await tick();
    run.cancel();
    for (const r of release.splice(0)) r();
    const timer = setInterval(() => release.splice(0).forEach((r) => r()), 1);
    const done = await run.done;
    clearInterval(timer);
    expect(done.state.status).toBe('cancelled');
    expect(done.state.trials.some((t) => t.status === 'failed')).toBe(false);
    expect(done.state.trials.filter((t) => t.status === 'stopped').length).toBe(2);
    expect(done.state.trials.filter((t) => t.status === 'pending').length).toBe(4);
    expect(fake.saved[fake.saved.length - 1]!.state.status).toBe('cancelled');
    expect(fake.disposed()).toBe(2);
  });

  it('pauses before the pool is up, and resumes a saved search where it was', async () => {
    const fake = fakeDeps();
    let snapshot: SearchRecord | null = null;
    let last: SearchRecord | null = null;
    const run = startSearchRun(
      newRecord(),
      engine,
      {
        ...noHooks,
        onRecord: (r) => {
          last = r;
          // A reload after three epochs: the record as last saved.
          if (!snapshot && r.state.trials.reduce((n, t) => n + t.epochs.length, 0) === 3) snapshot = r;
        },
      },
      fake.deps,
    );
    run.pause();
    await new Promise((r) => setTimeout(r, 20));
    expect(fake.started()).toBe(0);
    // The page is told it is paused (so that it offers Resume).
    expect((last as SearchRecord | null)?.state.status).toBe('paused');
    run.unpause();
    await run.done;
    const saved = snapshot as unknown as SearchRecord;
    expect(saved.state.trials.some((t) => t.status === 'running')).toBe(true);
    const again = fakeDeps();
    const resumed = await startSearchRun(structuredClone(saved), engine, noHooks, again.deps).done;
    expect(resumed.state.status).toBe('finished');
    // Reported epochs of trials that had ended are kept; the ones in flight ran again.
    const before = saved.state.trials.filter((t) => t.status === 'completed' || t.status === 'stopped');
    for (const t of before)
      expect(resumed.state.trials.find((r) => r.config.id === t.config.id)!.epochs).toEqual(t.epochs);
    expect(again.started()).toBe(6 - before.length);
  });
});
