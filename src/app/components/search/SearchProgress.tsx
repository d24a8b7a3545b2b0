import { useEffect, useState } from 'react';
import type { SearchRecord } from '../../../core/search/records';
import {
  measuredSecondsPerImage,
  REFERENCE_SPEED,
  type SearchClock,
  searchClock,
  winnerClock,
} from '../../../core/search/searchEstimate';
import { bestTrial } from '../../../core/search/searchState';
import { trialName } from '../../../core/search/trialName';
import type { BatchMetrics } from '../../../worker/api/trainingApi';
import { duration } from '../../format';
import { useApp } from '../../store';
import { isResumable } from '../../store/searchSlice';
import { ProgressBar } from '../ProgressBar';
import { searchSpeed, workOfRecord } from './searchWork';

const PHASES = {
  'loading-data': 'loading data',
  'loading-model': 'loading the model',
  preparing: 'matching class names',
  training: 'training',
} as const;

/** Seconds since the record last changed, once a second while something runs (the clock between epochs). */
function useDrift(record: SearchRecord | null, ticking: boolean): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!ticking) return;
    const id = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(id);
  }, [ticking]);
  return ticking && record ? Math.max(0, (now - record.updatedAt) / 1000) : 0;
}

/** One clock over the trials and the winner's training: what is spent, what is left. */
function overallClock(
  record: SearchRecord,
  training: boolean,
  lastBatch: BatchMetrics | undefined,
  fallbackSpi: number,
): SearchClock {
  const work = workOfRecord(record);
  if (!training) return searchClock(record.state, work, fallbackSpi);
  const spi = measuredSecondsPerImage(record.state, work) ?? fallbackSpi;
  return winnerClock(record.state.elapsedSeconds, lastBatch ?? null, work, spi);
}

/** Where the search stands, with Pause / Resume / Cancel / Stop / Discard; kept in view while it runs. */
export function SearchProgress() {
  const record = useApp((s) => s.searchRecord);
  const activity = useApp((s) => s.searchActivity);
  const elsewhere = useApp((s) => s.searchElsewhere);
  const error = useApp((s) => s.searchError);
  const phases = useApp((s) => s.searchLive.phases);
  const run = useApp((s) => s.run);
  const runs = useApp((s) => s.runs);
  const pause = useApp((s) => s.pauseSearch);
  const resume = useApp((s) => s.resumeSearch);
  const cancel = useApp((s) => s.cancelSearch);
  const discard = useApp((s) => s.discardSearch);
  const live = activity === 'running' || activity === 'starting';
  const training = activity === 'training-winner';
  const status = record?.state.status;
  const drift = useDrift(record, (live && status !== 'paused') || training);
  if (!record && !error) return null;
  const state = record?.state;
  const trials = state?.trials ?? [];
  const ended = trials.filter(
    (t) => t.status === 'completed' || t.status === 'stopped' || t.status === 'failed',
  ).length;
  const inFlight = trials.filter((t) => t.status === 'running');
  const several = record ? Object.keys(record.setup.models).length > 1 : false;
  const name = (t: (typeof trials)[number]) =>
    trialName(t, several ? record?.setup.models[t.config.modelId]?.name : undefined);
  const budget = state?.budgetSeconds ? ` of a ${duration(state.budgetSeconds)} budget` : '';
  const elapsed = state ? `${duration(state.elapsedSeconds)} searched${budget}` : '';
  const lastBatch = run.batches[run.batches.length - 1];

  let clock: SearchClock | null = null;
  if (record && (live || training)) {
    const fallback =
      searchSpeed(Object.keys(record.setup.models), runs, (id) => id).speed?.secondsPerImage ??
      REFERENCE_SPEED.secondsPerImage;
    const c = overallClock(record, training, training ? lastBatch : undefined, fallback);
    // Between two reports the time spent grows and the time left shrinks.
    const d = training ? 0 : drift;
    const remaining = Math.max(0, c.remainingSeconds - d);
    const spent = c.elapsedSeconds + d;
    clock = { elapsedSeconds: spent, remainingSeconds: remaining, fraction: spent / Math.max(1e-9, spent + remaining) };
  }
  const eta = clock ? ` About ${duration(clock.remainingSeconds)} left in all (trials and the winner’s training).` : '';

  let text: string;
  if (activity === 'starting') text = `Starting ${record?.setup.poolSize ?? 1} search worker(s)…`;
  else if (training)
    text = `Training the winner for ${record?.setup.finalEpochs ?? 1} epoch${record?.setup.finalEpochs === 1 ? '' : 's'}${record ? ` (${trialsWinnerName(record)})` : ''}${lastBatch ? `: epoch ${lastBatch.epoch + 1}, batch ${lastBatch.batch + 1}/${lastBatch.batchesPerEpoch}` : ''}${run.phase && run.phase !== 'training' ? ` (${run.phase.replace('-', ' ')})` : ''}${lastBatch ? '.' : '…'}`;
  else if (elsewhere) text = 'This search is running in another tab of this browser.';
  else if (live && status === 'paused')
    text = `Paused after ${ended} of ${trials.length} trials: trials in flight finish their epoch, then wait. ${elapsed}.`;
  else if (live)
    text =
      `Running: ${ended} of ${trials.length} trials ended` +
      (inFlight.length
        ? `; now ${inFlight.map((t) => `${name(t)} (${phases[t.config.id] ? PHASES[phases[t.config.id]!] : 'starting'}, epoch ${t.epochs.length + 1})`).join(', ')}`
        : '') +
      `. ${elapsed}.`;
  else if (record && isResumable(record))
    text = `This search was interrupted (the page was closed or reloaded) after ${ended} of ${trials.length} trials, ${elapsed}. Resume it where it was: trials that were training start again from their first epoch.`;
  else if (status === 'finished')
    text = `Finished: ${trials.length} trial${trials.length === 1 ? '' : 's'} in ${elapsed}.`;
  else if (status === 'out-of-time') text = `Out of time: ${ended} of ${trials.length} trials ended in ${elapsed}.`;
  else if (status === 'cancelled') text = `Cancelled after ${ended} of ${trials.length} trials, ${elapsed}.`;
  else text = '';

  const stopping = training && run.status === 'stopping';
  return (
    <section
      className={`card controls search-progress${live || training ? ' in-flight' : ''}`}
      aria-label="Search progress"
      data-testid="search-progress"
    >
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
        {training && (
          <button
            type="button"
            className="danger"
            onClick={cancel}
            disabled={stopping}
            data-testid="search-stop-winner"
            title="Stops the winner’s training after this batch; what it learnt is kept and tested"
          >
            {stopping ? 'Stopping…' : 'Stop'}
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
          {eta && <span data-testid="search-eta">{eta}</span>}
        </div>
      </div>
      {error && (
        <p className="error" role="alert" data-testid="search-error">
          {error}
        </p>
      )}
      {record && (
        <ProgressBar
          fraction={clock ? clock.fraction : ended === trials.length && trials.length ? 1 : 0}
          label="Search progress, the winner’s training included"
        />
      )}
    </section>
  );
}

/** The winner the final run trains, by name. */
function trialsWinnerName(record: SearchRecord): string {
  const best = bestTrial(record.state.trials);
  return best ? trialName(best) : '';
}
