import { proxy } from 'comlink';
import type { BatchMetrics, EpochMetrics, MappingState, RunSummary, TrainEvent, TrainPhase } from '../../worker/api/trainingApi';
import type { PromptSnapshot } from '../../worker/api/viewsApi';
import { engine } from '../engine';
import { frameBatcher } from './frameBatcher';
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
  /** Said when the backend failed at first use and the run started again on another one. */
  notice: string | null;
}

export interface RunSlice {
  run: RunState;
  train(): Promise<void>;
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
};

export const isBusy = (run: RunState) => run.status === 'running' || run.status === 'stopping';

export const createRunSlice: Slice<RunSlice> = (set, get) => ({
  run: idleRun,
  async train() {
    const { datasetId, modelId, design, data, baseline, resumeFrom } = get();
    set({ run: { ...idleRun, status: 'running' } });
    // Events reach the store once per frame, all that came since: one render per frame at most.
    const events = frameBatcher<TrainEvent>((batch) =>
      set((s) => {
        let run = s.run;
        let backend = s.backend;
        for (const event of batch) {
          run = applyEvent(run, event);
          if (event.type === 'backend-switched') backend = event.backend;
        }
        return { run, backend };
      }),
    );
    const onEvent = (event: TrainEvent) => {
      if (stopAgainAfter(event, get().run.status)) void engine.api().stop();
      events.push(event);
    };
    try {
      const summary = await engine
        .api()
        .train({ datasetId, modelId, design, data, baseline, ...(resumeFrom ? { resumeFrom } : {}) }, proxy(onEvent));
      events.flush();
      set((s) => ({ run: { ...s.run, summary, status: summary.stopped ? 'stopped' : 'done', phase: null } }));
    } catch (e) {
      events.flush();
      set((s) => ({ run: { ...s.run, status: 'error', error: errorMessage(e), phase: null } }));
    }
  },
  stop() {
    if (get().run.status !== 'running') return;
    set((s) => ({ run: { ...s.run, status: 'stopping' } }));
    void engine.api().stop();
  },
});

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
