/**
 * Runs an AutoVP search from the page: the engine's SearchController (pure scheduling, no tfjs)
 * on the main thread, driving a pool of engine workers an epoch at a time. The record is saved to
 * IndexedDB after every change (throttled) so that a reload resumes it; the pool's workers are
 * terminated when the search ends, to give their memory back.
 */
import { SearchController } from '../../core/search/searchController';
import { type SearchState, TRIAL_STOPPED } from '../../core/search/searchState';
import type { BackendPreference, BatchMetrics } from '../../worker/api/trainingApi';
import type { TrialEvent } from '../../worker/api/searchApi';
import { type SearchRecord, trialData } from '../../core/search/records';
import { createTrialPool, type PoolMember } from './pool';
import { holdSearchLock, saveSearch, throttledSaver } from './searchStore';

export interface SearchRunHooks {
  /** A copy of the record after every change (trial started, epoch reported, trial ended, status). */
  onRecord(record: SearchRecord): void;
  onPhase(trialId: string, phase: Extract<TrialEvent, { type: 'phase' }>['phase']): void;
  onBatch(trialId: string, metrics: BatchMetrics): void;
  onSaveError?(e: unknown): void;
}

export interface SearchRun {
  /** Holds every trial after its current epoch. */
  pause(): void;
  unpause(): void;
  /** Ends the search: trials in flight stop after their current batch and keep the epochs they reached. */
  cancel(): void;
  /** The record when the search has ended (finished, cancelled, out of time). */
  readonly done: Promise<SearchRecord>;
}

/** Milliseconds between two saves of a running search. */
const SAVE_INTERVAL_MS = 1000;

/** Trials whose epoch in flight a cancel interrupted ended as stopped (or not started), not failed. */
function settleInterrupted(state: SearchState): void {
  for (const t of state.trials) {
    if (t.status !== 'failed' || t.error !== TRIAL_STOPPED) continue;
    t.status = t.epochs.length ? 'stopped' : 'pending';
    if (t.epochs.length) t.stoppedBy = 'cancel';
    delete t.error;
  }
}

/** What a search run is built on (tests replace the worker pool and IndexedDB). */
export interface SearchRunDeps {
  createPool: typeof createTrialPool;
  save: (record: SearchRecord) => Promise<void>;
  holdLock: (id: string, done: Promise<unknown>) => void;
}

const browserDeps: SearchRunDeps = { createPool: createTrialPool, save: saveSearch, holdLock: holdSearchLock };

/** Starts (or resumes: trials that were running start again) the search of `record`, which it updates in place. */
export function startSearchRun(
  record: SearchRecord,
  engine: { backend: BackendPreference; baseUrl: string },
  hooks: SearchRunHooks,
  deps: SearchRunDeps = browserDeps,
): SearchRun {
  let controller: SearchController | null = null;
  let pool: PoolMember[] = [];
  let paused = false;
  let cancelled = false;
  const saver = throttledSaver(SAVE_INTERVAL_MS, hooks.onSaveError, deps.save);
  const publish = () => {
    record.updatedAt = Date.now();
    const copy = structuredClone(record);
    hooks.onRecord(copy);
    saver.save(copy);
  };
  const { setup, state } = record;

  const done = (async () => {
    try {
      pool = await deps.createPool(
        Math.max(1, setup.poolSize),
        engine,
        {
          datasetId: setup.datasetId,
          data: trialData(setup),
          baseDesign: setup.baseDesign,
          plannedEpochs: state.asha.maxEpochs,
        },
        {
          onPhase: hooks.onPhase,
          onBatch(trialId, metrics) {
            if (metrics.scale !== undefined) record.learntScales[trialId] = metrics.scale;
            hooks.onBatch(trialId, metrics);
          },
        },
      );
      controller = new SearchController(
        state,
        pool.map((m) => m.executor),
        { onChange: publish },
      );
      if (cancelled) {
        state.status = 'cancelled';
      } else {
        if (paused) controller.pause();
        await controller.run();
        if (cancelled) settleInterrupted(state);
      }
    } finally {
      for (const m of pool) m.dispose();
      pool = [];
      publish();
      await saver.flush();
    }
    return structuredClone(record);
  })();
  deps.holdLock(record.id, done);

  return {
    pause() {
      paused = true;
      controller?.pause();
    },
    unpause() {
      paused = false;
      controller?.unpause();
    },
    cancel() {
      cancelled = true;
      controller?.cancel();
      for (const m of pool) m.stop();
    },
    done,
  };
}
