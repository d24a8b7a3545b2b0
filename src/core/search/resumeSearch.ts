import { type SearchState, TRIAL_STOPPED, type TrialRecord } from './searchState';

/** A trial that an interruption cut short (it had not ended on its own). */
const cutShort = (t: TrialRecord) =>
  t.status === 'running' ||
  (t.status === 'stopped' && t.stoppedBy === 'cancel') ||
  (t.status === 'failed' && t.error === TRIAL_STOPPED);

/**
 * A saved search made ready to go on (`autovp search --resume`). Trials that ended on their own
 * (the maximum epochs, ASHA's cut, the budget, a real failure) are kept with their epochs and their
 * records in the scheduler's rungs. Those an interruption cut short go back to pending with their
 * rung records dropped: they run again from their first epoch, and with one worker reach the
 * rungs in the same order as in a search never interrupted, so ASHA decides the same.
 */
export function resumableSearch(saved: SearchState): { state: SearchState; kept: number; rerun: number } {
  // Plain data, as search.json holds it.
  const state = JSON.parse(JSON.stringify(saved)) as SearchState;
  let rerun = 0;
  for (const t of state.trials) {
    if (!cutShort(t)) continue;
    rerun++;
    t.status = 'pending';
    t.epochs = [];
    delete t.stoppedBy;
    delete t.error;
    for (const scheduler of [state.schedulers[1], state.schedulers[2]]) {
      for (const rung of scheduler?.recorded ?? []) delete rung[t.config.id];
    }
  }
  state.status = 'ready';
  const kept = state.trials.filter((t) => t.status !== 'pending').length;
  return { state, kept, rerun };
}
