import { isBusy, useApp } from '../store';

/**
 * A run that was training when its page closed (or its tab crashed) is offered for resumption:
 * it goes on in place from its last epoch checkpoint. Discarding keeps the run and that
 * checkpoint; only the offer goes.
 */
export function ResumeBanner() {
  const runs = useApp((s) => s.runs);
  const busy = useApp((s) => isBusy(s.run));
  const resumeRun = useApp((s) => s.resumeRun);
  const discardResume = useApp((s) => s.discardResume);
  const run = runs?.find((r) => r.resumable && r.status === 'interrupted');
  if (!run || busy) return null;
  const saved = run.checkpoint?.epochs ?? 0;
  return (
    <section className="card resume-banner" role="alert" aria-label="Interrupted run" data-testid="resume-banner">
      <p>
        <strong>{run.name}</strong> was still training when its page closed. {saved} of {run.design.epochs} epochs
        are saved; resuming goes on from there and ends as the run would have.
      </p>
      <div className="buttons">
        <button className="primary" onClick={() => void resumeRun(run.id, run.name)} data-testid="resume-run">
          Resume
        </button>
        <button onClick={() => void discardResume(run.id)} data-testid="discard-resume">
          Discard
        </button>
        <span className="muted">Discard keeps the run and its last checkpoint in your list.</span>
      </div>
    </section>
  );
}
