import { duration } from '../../format';
import { useApp } from '../../store';
import { isResumable } from '../../store/searchSlice';
import { ProgressBar } from '../ProgressBar';

const PHASES = {
  'loading-data': 'loading data',
  'loading-model': 'loading the model',
  preparing: 'matching class names',
  training: 'training',
} as const;

/** Where the search stands, with Pause / Resume / Cancel / Discard. */
export function SearchProgress() {
  const record = useApp((s) => s.searchRecord);
  const activity = useApp((s) => s.searchActivity);
  const elsewhere = useApp((s) => s.searchElsewhere);
  const error = useApp((s) => s.searchError);
  const phases = useApp((s) => s.searchLive.phases);
  const run = useApp((s) => s.run);
  const pause = useApp((s) => s.pauseSearch);
  const resume = useApp((s) => s.resumeSearch);
  const cancel = useApp((s) => s.cancelSearch);
  const discard = useApp((s) => s.discardSearch);
  if (!record && !error) return null;
  const state = record?.state;
  const trials = state?.trials ?? [];
  const ended = trials.filter(
    (t) => t.status === 'completed' || t.status === 'stopped' || t.status === 'failed',
  ).length;
  const inFlight = trials.filter((t) => t.status === 'running');
  const fraction = trials.length ? ended / trials.length : 0;
  const live = activity === 'running' || activity === 'starting';
  const status = state?.status;
  const budget = state?.budgetSeconds ? ` of a ${duration(state.budgetSeconds)} budget` : '';
  const elapsed = state ? `${duration(state.elapsedSeconds)} searched${budget}` : '';
  const lastBatch = run.batches[run.batches.length - 1];

  let text: string;
  if (activity === 'starting') text = `Starting ${record?.setup.poolSize ?? 1} search worker(s)…`;
  else if (activity === 'training-winner')
    text = `Training the winner for ${record?.setup.finalEpochs ?? 1} epoch${record?.setup.finalEpochs === 1 ? '' : 's'}${lastBatch ? `: epoch ${lastBatch.epoch + 1}, batch ${lastBatch.batch + 1}/${lastBatch.batchesPerEpoch}` : '…'}${run.phase && run.phase !== 'training' ? ` (${run.phase.replace('-', ' ')})` : ''}.`;
  else if (elsewhere) text = 'This search is running in another tab of this browser.';
  else if (live && status === 'paused')
    text = `Paused after ${ended} of ${trials.length} trials: trials in flight finish their epoch, then wait. ${elapsed}.`;
  else if (live)
    text =
      `Running: ${ended} of ${trials.length} trials ended` +
      (inFlight.length
        ? `; in flight: ${inFlight.map((t) => `${t.config.id} (${phases[t.config.id] ? PHASES[phases[t.config.id]!] : 'starting'}, epoch ${t.epochs.length + 1})`).join(', ')}`
        : '') +
      `. ${elapsed}.`;
  else if (record && isResumable(record))
    text = `This search was interrupted (the page was closed or reloaded) after ${ended} of ${trials.length} trials, ${elapsed}. Resume it where it was: trials that were training start again from their first epoch.`;
  else if (status === 'finished') text = `Finished: ${trials.length} trials in ${elapsed}.`;
  else if (status === 'out-of-time') text = `Out of time: ${ended} of ${trials.length} trials ended in ${elapsed}.`;
  else if (status === 'cancelled') text = `Cancelled after ${ended} of ${trials.length} trials, ${elapsed}.`;
  else text = '';

  return (
    <section className="card controls search-progress" aria-label="Search progress">
      <div className="buttons">
        {live && status !== 'paused' && (
          <button
            type="button"
            className="secondary"
            onClick={pause}
            disabled={activity === 'starting'}
            data-testid="search-pause"
          >
            Pause
          </button>
        )}
        {((live && status === 'paused') || (!live && activity === 'idle' && isResumable(record) && !elsewhere)) && (
          <button type="button" className="primary" onClick={() => void resume()} data-testid="search-resume">
            Resume
          </button>
        )}
        {live && (
          <button type="button" className="danger" onClick={cancel} data-testid="search-cancel">
            Cancel
          </button>
        )}
        {activity === 'idle' && record && !elsewhere && (
          <button type="button" className="link-button" onClick={() => void discard()} data-testid="search-discard">
            Discard this search
          </button>
        )}
        <div
          className="status"
          aria-live="polite"
          data-testid="search-status"
          data-status={status ?? ''}
          data-activity={activity}
        >
          {text}
        </div>
      </div>
      {error && (
        <p className="error" role="alert" data-testid="search-error">
          {error}
        </p>
      )}
      {record && <ProgressBar fraction={fraction} label="Search progress" />}
    </section>
  );
}
