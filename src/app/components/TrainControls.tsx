import { isBusy, useApp } from '../store';
import { useCapacityProblem } from './DesignPanel';
import { ProgressBar } from './ProgressBar';
import { DivergenceNotice } from './DivergenceNotice';
import { RunNotice } from './RunNotice';
import { runStatusText } from './runStatus';

export function TrainControls() {
  const run = useApp((s) => s.run);
  const dataset = useApp((s) => s.dataset);
  const backend = useApp((s) => s.backend);
  const train = useApp((s) => s.train);
  const stop = useApp((s) => s.stop);
  const formRate = useApp((s) => s.design.learningRate);
  const setDesign = useApp((s) => s.setDesign);
  const capacity = useCapacityProblem();
  const last = run.batches[run.batches.length - 1];
  const fraction = last ? last.step / last.totalSteps : 0;
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
          {run.status === 'error' ? <span className="error">{run.error}</span> : runStatusText(run, blocked)}
        </div>
      </div>
      <RunNotice notice={run.notice && run.resumed ? `${run.notice} ${run.resumed}` : (run.notice ?? run.resumed)} />
      <DivergenceNotice diverged={run.summary?.diverged} formRate={formRate} onApply={(learningRate) => setDesign({ learningRate })} />
      {run.storageProblem && (
        <p className="notice warning" role="alert" data-testid="storage-problem">
          {run.storageProblem}
        </p>
      )}
      <ProgressBar fraction={fraction} label="Training progress" />
    </section>
  );
}
