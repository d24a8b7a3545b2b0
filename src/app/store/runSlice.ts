import { proxy } from 'comlink';
import type { BatchMetrics, EpochMetrics, MappingState, RunSummary, TrainEvent, TrainPhase, TrainRequest } from '../../worker/api/trainingApi';
import type { PromptSnapshot } from '../../worker/api/viewsApi';
import { engine } from '../engine';
import { frameBatcher } from './frameBatcher';
import {
  backendFaultNotice,
  crashNotice,
  crashSignal,
  EngineCrashed,
  MAX_CRASH_RECOVERIES,
  microBatchNotice,
  preferenceAfterMove,
  resumedText,
} from './runFaults';
import { stopAgainAfter } from './stopAgain';
import { errorMessage, type Slice } from './types';

export type RunStatus = 'idle' | 'running' | 'stopping' | 'done' | 'stopped' | 'error';

export interface RunState {
  status: RunStatus;
  phase: TrainPhase | null;
  batches: BatchMetrics[];
  epochs: EpochMetrics[];
  mapping: MappingState | null;
  modelProgress: { loadedBytes: number; totalBytes: number } | null;
  summary: RunSummary | null;
  error: string | null;
  /** The latest picture of the prompt and mapping (views), and how many arrived. */
  snapshot: PromptSnapshot | null;
  snapshots: number;
  /** A stored run reopened into this view (viewsSlice.reopenRun), not a run trained now. */
  reopened: string | null;
  /** Said when the backend failed (at first use, or mid-run) or the engine crashed, and the run went on. */
  notice: string | null;
  /** The stored run this one is recorded as (known before its first step). */
  runId: string | null;
  /** A recovered run: where it went on from, in words. */
  resumed: string | null;
  /** Something of the run did not fit in the browser's storage (the latest such message). */
  storageProblem: string | null;
}

export interface RunSlice {
  run: RunState;
  train(): Promise<void>;
  /** Goes on with an interrupted run (its tab closed mid-training) from its last checkpoint. */
  resumeRun(id: string, name: string): Promise<void>;
  /** The interrupted run is not to be resumed; its record and last checkpoint stay. */
  discardResume(id: string): Promise<void>;
  stop(): void;
}

export const idleRun: RunState = {
  status: 'idle',
  phase: null,
  batches: [],
  epochs: [],
  mapping: null,
  modelProgress: null,
  summary: null,
  error: null,
  snapshot: null,
  snapshots: 0,
  reopened: null,
  notice: null,
  runId: null,
  resumed: null,
  storageProblem: null,
};

export const isBusy = (run: RunState) => run.status === 'running' || run.status === 'stopping';

export const createRunSlice: Slice<RunSlice> = (set, get) => {
  /**
   * Trains `request` to its end. When the engine worker dies meanwhile (killed, out of memory),
   * a new one is started on the same backend preference and the run goes on in place from its
   * last epoch checkpoint (the worker recovers it from IndexedDB).
   */
  const execute = async (first: TrainRequest, run: RunState) => {
    set({ run });
    // Events reach the store once per frame, all that came since: one render per frame at most.
    const events = frameBatcher<TrainEvent>((batch) =>
      set((s) => {
        let next = s.run;
        let backend = s.backend;
        let backendPreference = s.backendPreference;
        for (const event of batch) {
          next = applyEvent(next, event);
          if (event.type === 'backend-switched' || event.type === 'backend-fault') {
            backend = event.backend;
            backendPreference = preferenceAfterMove(backendPreference, event);
          }
        }
        return { run: next, backend, backendPreference };
      }),
    );
    const onEvent = (event: TrainEvent) => {
      if (stopAgainAfter(event, get().run.status)) void engine.api().stop();
      events.push(event);
    };
    let request = first;
    for (let crashes = 0; ; ) {
      const signal = crashSignal(engine);
      try {
        const summary = await Promise.race([engine.api().train(request, proxy(onEvent)), signal.crashed]);
        events.flush();
        set((s) => ({ run: { ...s.run, summary, status: summary.stopped ? 'stopped' : 'done', phase: null } }));
        return;
      } catch (e) {
        events.flush();
        const stopping = get().run.status === 'stopping';
        if (e instanceof EngineCrashed && !stopping && crashes < MAX_CRASH_RECOVERIES) {
          crashes++;
          const runId = get().run.runId;
          set((s) => ({ run: { ...s.run, notice: crashNotice(e.message, crashes), resumed: null } }));
          // A new worker, on the backend the user chose.
          await get().setBackendPreference(get().backendPreference);
          if (runId) request = { ...request, recoverRun: runId };
          continue;
        }
        const error = e instanceof EngineCrashed && stopping ? `${e.message} The run had been asked to stop; its last checkpoint is kept.` : errorMessage(e);
        set((s) => ({ run: { ...s.run, status: 'error', error, phase: null } }));
        if (e instanceof EngineCrashed) await get().setBackendPreference(get().backendPreference);
        return;
      } finally {
        signal.dispose();
      }
    }
  };
  return {
    run: idleRun,
    async train() {
      const { datasetId, modelId, design, data, baseline, resumeFrom } = get();
      await execute(
        { datasetId, modelId, design, data, baseline, ...(resumeFrom ? { resumeFrom } : {}) },
        { ...idleRun, status: 'running' },
      );
    },
    async resumeRun(id, name) {
      const { datasetId, modelId, design, data, baseline } = get();
      // The worker takes dataset, model, design and data from the stored run.
      await execute(
        { datasetId, modelId, design, data, baseline, recoverRun: id },
        { ...idleRun, status: 'running', notice: `Resuming "${name}", which was interrupted when its page closed.` },
      );
      await get().refreshRuns();
    },
    async discardResume(id) {
      try {
        await engine.api().discardResume(id);
      } catch (e) {
        set({ runsError: `Could not let the run go: ${errorMessage(e)}` });
      }
      await get().refreshRuns();
    },
    stop() {
      if (get().run.status !== 'running') return;
      set((s) => ({ run: { ...s.run, status: 'stopping' } }));
      void engine.api().stop();
    },
  };
};

function applyEvent(run: RunState, event: TrainEvent): RunState {
  switch (event.type) {
    case 'phase':
      return { ...run, phase: event.phase };
    case 'model-progress':
      return { ...run, modelProgress: { loadedBytes: event.loadedBytes, totalBytes: event.totalBytes } };
    case 'batch':
      return { ...run, batches: [...run.batches, event.metrics] };
    case 'epoch':
      return { ...run, epochs: [...run.epochs, event.metrics] };
    case 'mapping':
      return { ...run, mapping: event.state };
    case 'prompt-snapshot':
      return { ...run, snapshot: event.snapshot, snapshots: run.snapshots + 1 };
    case 'recording':
      return { ...run, runId: event.runId };
    case 'resumed':
      return { ...run, epochs: event.epochs, batches: [], resumed: resumedText(event.epochs.length, event.of) };
    case 'backend-fault':
      return { ...run, notice: backendFaultNotice(event), resumed: null };
    case 'storage':
      return { ...run, storageProblem: event.message };
    case 'micro-batch':
      return { ...run, notice: microBatchNotice(event.images, event.batch) };
    case 'backend-switched':
      // The run starts again from its first batch on the new backend.
      return {
        ...idleRun,
        status: run.status,
        notice:
          `${event.failed.toUpperCase()} failed at its first use (${event.failure}); ` +
          `the run started again on ${event.backend.name.toUpperCase()}.`,
      };
  }
}
