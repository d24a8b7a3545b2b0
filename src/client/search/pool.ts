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

export const MAX_POOL_SIZE = 8;

/**
 * Workers a search runs by default: half the logical cores (one stays for the page and the main
 * engine worker), at most one per 2 GB of device memory (a worker holds a model copy and its
 * activations, about 0.5–1 GB at batch 32, 224²), between 1 and MAX_POOL_SIZE.
 * `memoryGB` is navigator.deviceMemory (Chromium only, capped at 8); unknown counts as 8.
 */
export function defaultPoolSize(cores: number | undefined, memoryGB: number | undefined): number {
  const byCores = Math.floor((cores && cores > 0 ? cores : 2) / 2);
  const byMemory = Math.floor((memoryGB && memoryGB > 0 ? memoryGB : 8) / 2);
  return Math.max(1, Math.min(byCores, byMemory, MAX_POOL_SIZE));
}

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
