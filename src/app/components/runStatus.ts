import type { BatchMetrics, TrainPhase } from '../../worker/api/trainingApi';
import { bytes, duration } from '../format';

/** What the line reads of the run (RunState of store/runSlice.ts; not imported, to keep this file free of the store). */
export interface RunStatusInput {
  status: 'idle' | 'running' | 'stopping' | 'done' | 'stopped' | 'error';
  phase: TrainPhase | null;
  batches: readonly BatchMetrics[];
  modelProgress: { loadedBytes: number; totalBytes: number } | null;
  summary: { seconds: number; diverged?: unknown } | null;
}

const PHASES: Record<TrainPhase, string> = {
  'loading-data': 'Loading the dataset…',
  'loading-model': 'Loading the model…',
  training: 'Training',
  testing: 'Evaluating the prompt on the test images…',
  baseline: 'Training the linear-probing baseline (features of the same images, computed once)…',
};

/** Said from the moment Stop is pressed: the worker ends the run at its next batch boundary. */
export const STOPPING = 'Stopping after this batch…';

/** The one line under the Train / Stop button (errors are shown on their own). */
export function runStatusText(run: RunStatusInput, blocked: boolean): string {
  const last = run.batches[run.batches.length - 1];
  switch (run.status) {
    case 'idle':
      return blocked ? 'Waiting for the dataset and the compute engine…' : 'Ready to train.';
    case 'stopping':
      return STOPPING;
    case 'done':
      if (run.summary?.diverged) return `Stopped early after ${duration(run.summary.seconds)}: training diverged.`;
      return run.summary ? `Done in ${duration(run.summary.seconds)}.` : 'Done.';
    case 'stopped':
      return 'Stopped. The prompt trained so far is kept and evaluated below.';
    case 'error':
      return '';
    case 'running':
      break;
  }
  if (!run.phase) return 'Starting…';
  if (run.phase === 'loading-model' && run.modelProgress && run.modelProgress.totalBytes > 0) {
    return `${PHASES['loading-model']} ${bytes(run.modelProgress.loadedBytes)} of ${bytes(run.modelProgress.totalBytes)}`;
  }
  if (run.phase !== 'training') return PHASES[run.phase];
  if (!last) return 'Training: the first batch is on its way…';
  const eta = last.step > 0 ? (last.elapsedSeconds / last.step) * (last.totalSteps - last.step) : NaN;
  return `Epoch ${last.epoch + 1}, batch ${last.batch + 1}/${last.batchesPerEpoch} · ${last.imagesPerSecond.toFixed(1)} images/s · about ${duration(eta)} left`;
}
