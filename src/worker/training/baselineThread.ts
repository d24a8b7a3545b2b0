import * as Comlink from 'comlink';
import type { BackendName } from '../../engine/backend/selectBackend';
import type { BaselineSummary, TrainRequest } from '../api/trainingApi';
import type { BaselineWorkerApi } from '../baselineWorker';
import { appUrl } from '../context';
import { hubMirror } from '../models/modelCache';

/** The linear-probing baseline of a run, under way in a helper thread (baselineWorker.ts). */
export interface BaselineThread {
  /** The baseline; rejects if the thread failed (the caller then computes it in its own thread). */
  result: Promise<BaselineSummary | null>;
  stop(): void;
}

/** Starts the baseline of `request` in a helper thread; null where threads cannot be made. */
export function startBaselineThread(request: TrainRequest, backend: BackendName): BaselineThread | null {
  if (typeof Worker === 'undefined') return null;
  const worker = new Worker(new URL('../baselineWorker.ts', import.meta.url), {
    type: 'module',
    name: 'autovp-baseline',
  });
  const remote = Comlink.wrap<BaselineWorkerApi>(worker);
  const crashed = new Promise<never>((_, reject) => {
    worker.onerror = (e) => reject(new Error(`the baseline thread failed: ${e.message}`));
  });
  const result = Promise.race([
    remote.run(request, { baseUrl: appUrl('./'), backend, hubMirror: hubMirror() }),
    crashed,
  ]);
  void result.finally(() => worker.terminate()).catch(() => undefined);
  return { result, stop: () => void remote.stop() };
}
