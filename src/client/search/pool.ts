/**
 * The search's pool of engine workers: each is a separate module worker with its own tfjs backend
 * and its own copy of the source model, so trials train side by side on several cores. The main
 * engine worker (normal runs) is never part of it.
 */
import { proxy } from 'comlink';
import type { TrialExecutor } from '../../core/search/searchController';
import type { BackendPreference, BatchMetrics } from '../../worker/api/trainingApi';
import type { TrialEvent, TrialSpec } from '../../worker/api/searchApi';
import { createEngineClient } from '../engineClient';

export interface PoolMember {
  executor: TrialExecutor;
  /** Ends the epoch in flight after its current batch. */
  stop(): void;
  /** Terminates the worker (its memory goes back). */
  dispose(): void;
}

export interface TrialPoolHooks {
  /** What the trial in flight is doing (loading, training). */
  onPhase(trialId: string, phase: Extract<TrialEvent, { type: 'phase' }>['phase']): void;
  onBatch(trialId: string, metrics: BatchMetrics): void;
}

/** `size` fresh engine workers, started on `backend`, as trial executors of one search. */
export async function createTrialPool(
  size: number,
  engine: { backend: BackendPreference; baseUrl: string },
  spec: Omit<TrialSpec, 'trial'>,
  hooks: TrialPoolHooks,
): Promise<PoolMember[]> {
  const members = Array.from({ length: size }, () => createEngineClient());
  try {
    await Promise.all(members.map((c) => c.api().init(engine)));
  } catch (e) {
    for (const c of members) c.restart();
    throw e;
  }
  return members.map((client) => {
    const api = client.api();
    const executor: TrialExecutor = {
      async start(trial) {
        const id = trial.config.id;
        const onEvent = (e: TrialEvent) => {
          if (e.type === 'phase') hooks.onPhase(id, e.phase);
          else hooks.onBatch(id, e.metrics);
        };
        await api.trialStart({ ...spec, trial }, proxy(onEvent));
      },
      epoch: () => api.trialEpoch(),
      end: () => api.trialEnd(),
    };
    return { executor, stop: () => void api.trialStop(), dispose: () => client.restart() };
  });
}
