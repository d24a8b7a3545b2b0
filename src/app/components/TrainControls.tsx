import type { TrainPhase } from '../../worker/api';
import { bytes, duration } from '../format';
import { isBusy, useApp } from '../store';
import { useCapacityProblem } from './DesignPanel';
import { ProgressBar } from './ProgressBar';

const PHASES: Record<TrainPhase, string> = {
  'loading-data': 'Loading the dataset…',
  'loading-model': 'Loading the model…',
  training: 'Training',
  testing: 'Evaluating the prompt on the test images…',
  baseline: 'Training the linear-probing baseline (features of the same images, computed once)…',
};

export function TrainControls() {
  const run = useApp((s) => s.run);
  const dataset = useApp((s) => s.dataset);
  const backend = useApp((s) => s.backend);
  const train = useApp((s) => s.train);
  const stop = useApp((s) => s.stop);
  const capacity = useCapacityProblem();
  const last = run.batches[run.batches.length - 1];
  const fraction = last ? last.step / last.totalSteps : 0;
  const eta = last && last.step > 0 ? (last.elapsedSeconds / last.step) * (last.totalSteps - last.step) : NaN;
  const active = isBusy(run);
  const blocked = !dataset || !backend || Boolean(capacity);
  return (
    <section className="card controls" aria-label="Training controls">
      <div className="buttons">
        {!active ? (
          <button className="primary" onClick={() => void train()} disabled={blocked} data-testid="train">
            Train
          </button>
        ) : (
          <button className="danger" onClick={stop} disabled={run.status === 'stopping'} data-testid="stop">
            {run.status === 'stopping' ? 'Stopping…' : 'Stop'}
          </button>
        )}
        <div className="status" aria-live="polite" data-testid="run-status">
          {run.status === 'idle' && (blocked ? 'Waiting for the dataset and the compute engine…' : 'Ready to train.')}
          {active && run.phase && run.phase !== 'training' && PHASES[run.phase]}
          {active &&
            run.phase === 'loading-model' &&
            run.modelProgress &&
            run.modelProgress.totalBytes > 0 &&
            ` ${bytes(run.modelProgress.loadedBytes)} of ${bytes(run.modelProgress.totalBytes)}`}
          {active &&
            run.phase === 'training' &&
            last &&
            `Epoch ${last.epoch + 1}, batch ${last.batch + 1}/${last.batchesPerEpoch} · ${last.imagesPerSecond.toFixed(1)} images/s · about ${duration(eta)} left`}
          {active && run.phase === 'training' && !last && 'Training: the first batch is on its way…'}
          {run.status === 'done' && run.summary && `Done in ${duration(run.summary.seconds)}.`}
          {run.status === 'stopped' && 'Stopped. The prompt trained so far is kept and evaluated below.'}
          {run.status === 'error' && <span className="error">{run.error}</span>}
        </div>
      </div>
      <ProgressBar fraction={fraction} label="Training progress" />
    </section>
  );
}
