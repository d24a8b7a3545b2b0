import { useMemo, useState } from 'react';
import { autovpSpace, enumerateTrials } from '../../../core/search/space';
import { excludedSummary, trialCountText } from '../../../core/search/searchReport';
import { useApp } from '../../store';
import { isResumable } from '../../store/searchSlice';
import { ashaRungs, RunFields } from './RunFields';
import { SpaceFields, useSearchModels } from './SpaceFields';

/** The configurations the form describes, for the dataset and models loaded now. */
function useTrialCount() {
  const form = useApp((s) => s.searchForm);
  const models = useApp((s) => s.models);
  const dataset = useApp((s) => s.dataset);
  const ticked = useSearchModels();
  return useMemo(() => {
    if (!dataset) return null;
    const infos = ticked.flatMap((id) => {
      const m = models.find((e) => e.manifest.id === id);
      return m ? [{ id, numSource: m.sourceClassCount, textImage: m.manifest.textImage === true }] : [];
    });
    const space = {
      ...autovpSpace(infos.map((m) => m.id)),
      mappings: form.mappings,
      scales: form.scales,
      trainableResize: form.trainableResize,
      ks: form.ks,
      intervals: form.intervals,
    };
    return enumerateTrials(space, infos, dataset.classes.length);
  }, [dataset, form, models, ticked]);
}

/** The search space and settings, the trial count, and Start. */
export function SearchSetup() {
  const activity = useApp((s) => s.searchActivity);
  const record = useApp((s) => s.searchRecord);
  const start = useApp((s) => s.startSearch);
  const backend = useApp((s) => s.backend);
  const dataset = useApp((s) => s.dataset);
  const asha = useApp((s) => s.searchForm.asha);
  const count = useTrialCount();
  const busy = activity !== 'idle';
  const resumable = isResumable(record);
  const invalid = 'error' in ashaRungs(asha);
  const canStart = !busy && !resumable && backend && dataset && count && count.trials.length > 0 && !invalid;
  const trials = count?.trials.length ?? 0;
  // Open for a new search; folded away while one is shown (SearchPanel remounts it per search).
  const [open, setOpen] = useState(!record);
  return (
    <section className="card search-setup" aria-labelledby="search-setup-title">
      <details open={open} onToggle={(e) => setOpen(e.currentTarget.open)}>
        <summary>
          <h2 id="search-setup-title">
            {record ? 'Search space and settings' : 'AutoVP search: find the best design for your data'}
          </h2>
        </summary>
        <p className="hint">
          Trains many visual-prompt designs for a few epochs each, stops the weak ones early (ASHA) and names the best
          on held-out validation images. {dataset ? `Dataset: ${dataset.name}, ${dataset.classes.length} classes.` : ''}
        </p>
        <fieldset disabled={busy} className="search-fields">
          <SpaceFields />
          <RunFields />
        </fieldset>
        <div className="search-start">
          <p className="trial-count" data-testid="trial-count" data-trials={trials} aria-live="polite">
            {count ? trialCountText(trials, count.excluded) : 'Waiting for the dataset…'}
          </p>
          {count && count.excluded.length > 0 && (
            <details className="excluded">
              <summary>Which configurations are left out, and why</summary>
              {excludedSummary(count.excluded).map((g) => (
                <p key={g.kind} className="hint">
                  <strong>{g.count}</strong> — {g.example}
                </p>
              ))}
              <ul className="excluded-list">
                {count.excluded.map((e) => (
                  <li key={e.id} className="path">
                    {e.id}
                  </li>
                ))}
              </ul>
            </details>
          )}
          <button
            type="button"
            className="primary"
            disabled={!canStart}
            onClick={() => void start()}
            data-testid="search-start"
          >
            Start the search ({trials} trial{trials === 1 ? '' : 's'})
          </button>
          {resumable && !busy && <small className="hint">Resume or discard the saved search below first.</small>}
        </div>
      </details>
    </section>
  );
}
