import { useMemo, useState } from 'react';
import { LABEL_MAPPINGS } from '../../../core/design/kinds';
import { leftOutByDefault } from '../../../core/search/searchDefaults';
import { estimateSearch, type SearchEstimate, type SearchWork } from '../../../core/search/searchEstimate';
import { planSearch } from '../../../core/search/searchPlan';
import { excludedSummary, trialCountText } from '../../../core/search/searchReport';
import { duration } from '../../format';
import { useApp } from '../../store';
import { formSpace, isResumable } from '../../store/searchSlice';
import { ashaRungs, RunFields } from './RunFields';
import { searchSpeed, type Speed } from './searchWork';
import { SpaceFields, useSearchModels } from './SpaceFields';

/** The configurations the form describes, for the dataset and models loaded now, and the better model if some cannot run. */
function usePlan() {
  const form = useApp((s) => s.searchForm);
  const models = useApp((s) => s.models);
  const dataset = useApp((s) => s.dataset);
  const ticked = useSearchModels();
  return useMemo(() => {
    if (!dataset) return null;
    const infos = models.map((m) => ({
      id: m.manifest.id,
      numSource: m.sourceClassCount,
      textImage: m.manifest.textImage === true,
    }));
    const space = formSpace(
      form,
      ticked.filter((id) => infos.some((m) => m.id === id)),
    );
    return planSearch(space, infos, dataset.classes.length);
  }, [dataset, form, models, ticked]);
}

/** The worst case is worth saying when it is a minute or more beyond the expectation. */
const longer = (e: SearchEstimate) => e.longestSeconds - e.totalSeconds >= 60;

/** How long the search will take, from a measured speed. */
function useEstimate(trials: number): { estimate: SearchEstimate | null; speed: Speed | null; missing: string[] } {
  const form = useApp((s) => s.searchForm);
  const data = useApp((s) => s.data);
  const runs = useApp((s) => s.runs);
  const models = useApp((s) => s.models);
  const ticked = useSearchModels();
  return useMemo(() => {
    const nameOf = (id: string) => models.find((m) => m.manifest.id === id)?.manifest.name ?? id;
    const { speed, missing } = searchSpeed(ticked, runs, nameOf);
    const work: SearchWork = {
      trials,
      asha: form.asha,
      workers: form.poolSize,
      budgetSeconds: form.budgetMinutes > 0 ? form.budgetMinutes * 60 : null,
      trialImages: { train: Math.min(form.trialTrainImages, data.trainImages), validation: data.valImages },
      final: form.trainWinner
        ? {
            epochs: form.finalEpochs,
            train: data.trainImages,
            validation: data.valImages,
            test: data.testImages,
            baseline: true,
          }
        : null,
    };
    const ok = speed && missing.length === 0 && trials > 0 && !('error' in ashaRungs(form.asha));
    return { estimate: ok ? estimateSearch(work, speed.secondsPerImage) : null, speed, missing };
  }, [form, data, runs, models, ticked, trials]);
}

const minutes = (s: number) => (s < 90 ? duration(s) : `${Math.round(s / 60)} min`);
const familyLabel = (id: string) => LABEL_MAPPINGS.find((m) => m.id === id)?.name ?? id;

/** The search space and settings, the trial count, what is left out and why, the estimate, and Start. */
export function SearchSetup() {
  const activity = useApp((s) => s.searchActivity);
  const record = useApp((s) => s.searchRecord);
  const start = useApp((s) => s.startSearch);
  const backend = useApp((s) => s.backend);
  const dataset = useApp((s) => s.dataset);
  const form = useApp((s) => s.searchForm);
  const setForm = useApp((s) => s.setSearchForm);
  const models = useApp((s) => s.models);
  const data = useApp((s) => s.data);
  const plan = usePlan();
  const trials = plan?.trials.length ?? 0;
  const { estimate, speed, missing } = useEstimate(trials);
  const busy = activity !== 'idle';
  const resumable = isResumable(record);
  const invalid = 'error' in ashaRungs(form.asha);
  const canStart = !busy && !resumable && backend && dataset && plan && trials > 0 && !invalid;
  const switchTo = plan?.modelSwitch ? models.find((m) => m.manifest.id === plan.modelSwitch?.modelId) : undefined;
  const notSearched = leftOutByDefault().families.filter((f) => !form.mappings.includes(f));
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
            {plan ? trialCountText(trials, plan.excluded) : 'Waiting for the dataset…'}
          </p>
          {switchTo && plan?.modelSwitch && (
            <p className="hint">
              {switchTo.manifest.name} has {switchTo.sourceClassCount} outputs: with it, {plan.modelSwitch.trials}{' '}
              configurations of this space run.{' '}
              <button
                type="button"
                className="secondary small"
                disabled={busy}
                onClick={() => setForm({ models: [switchTo.manifest.id] })}
                data-testid="search-switch-model"
              >
                Search {switchTo.manifest.name} instead
              </button>
            </p>
          )}
          {plan && plan.excluded.length > 0 && (
            <details className="excluded">
              <summary>Which configurations are left out, and why</summary>
              {excludedSummary(plan.excluded).map((g) => (
                <p key={g.kind} className="hint">
                  <strong>{g.count}</strong> — {g.example}
                </p>
              ))}
              <ul className="excluded-list">
                {plan.excluded.map((e) => (
                  <li key={e.id} className="path">
                    {e.id}
                  </li>
                ))}
              </ul>
            </details>
          )}
          {notSearched.length > 0 && (
            <p className="hint" data-testid="search-not-searched">
              Not searched: {notSearched.map(familyLabel).join(', ')}. {leftOutByDefault().reason}{' '}
              <button
                type="button"
                className="secondary small"
                disabled={busy}
                onClick={() => setForm({ mappings: [...form.mappings, ...notSearched] })}
                data-testid="search-add-mappings"
              >
                Search them too
              </button>
            </p>
          )}
          <p className="search-estimate" data-testid="search-estimate">
            {estimate && speed
              ? `About ${minutes(estimate.totalSeconds)} in all${longer(estimate) ? ` (at most ${minutes(estimate.longestSeconds)} if ASHA stops no trial)` : ''}: the trials ${minutes(estimate.searchSeconds)}` +
                `${estimate.budgetBinds ? ` (the ${form.budgetMinutes}-min budget ends them; without it ${minutes(estimate.uncappedSearchSeconds)})` : ` (about ${estimate.trialEpochs} epochs of ${Math.min(form.trialTrainImages, data.trainImages)} images)`}` +
                `${estimate.finalSeconds > 0 ? `, then the winner ${minutes(estimate.finalSeconds)} (${form.finalEpochs} epochs, test, linear probing)` : ''}` +
                ` — at ${(1 / speed.secondsPerImage).toFixed(1)} training images/s, ${speed.source}.`
              : missing.length
                ? `No time estimate: no speed measured for ${missing.join(', ')} yet (train it once on the other tab).`
                : ''}
          </p>
          <button
            type="button"
            className="primary"
            disabled={!canStart}
            onClick={() => void start()}
            data-testid="search-start"
          >
            Start the search ({trials} trial{trials === 1 ? '' : 's'}
            {estimate ? `, about ${minutes(estimate.totalSeconds)}` : ''})
          </button>
          {resumable && !busy && <small className="hint">Resume or discard the saved search below first.</small>}
        </div>
      </details>
    </section>
  );
}
