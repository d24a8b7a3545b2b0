import { createAsha } from '../../../core/search/asha';
import { DEFAULT_SEARCH } from '../../../core/search/searchDefaults';
import { defaultPoolSize, MAX_POOL_SIZE, WORKER_PEAK_MB } from '../../../core/search/poolSize';
import { useApp } from '../../store';
import { tuningGrid } from '../../../core/search/space';
import { Checkbox, NumberField } from '../fields';

/** The second stage's grid as the search runs it for image classifiers (CLIP-only searches use AutoVP's CLIP rates). */
const TUNING = tuningGrid(false);

/** Rung milestones of the ASHA settings, or why they are invalid. */
export function ashaRungs(asha: {
  maxEpochs: number;
  gracePeriod: number;
  reductionFactor: number;
}): { milestones: number[] } | { error: string } {
  try {
    return { milestones: createAsha(asha).milestones };
  } catch {
    return { error: 'ASHA needs 1 ≤ grace period ≤ maximum epochs and a reduction factor above 1.' };
  }
}

const list = (xs: number[]) =>
  xs.length <= 1 ? xs.join('') : `${xs.slice(0, -1).join(', ')} and ${xs[xs.length - 1]}`;

/** Scheduler, time budget, pool, second stage and the winner's final training. */
export function RunFields() {
  const form = useApp((s) => s.searchForm);
  const setForm = useApp((s) => s.setSearchForm);
  const data = useApp((s) => s.data);
  const design = useApp((s) => s.design);
  const asha = form.asha;
  const rungs = ashaRungs(asha);
  const setAsha = (patch: Partial<typeof asha>) => setForm({ asha: { ...asha, ...patch } });
  const nav = navigator as Navigator & { deviceMemory?: number };
  const cores = nav.hardwareConcurrency;
  const memory = nav.deviceMemory;
  const suggested = defaultPoolSize(cores, memory);
  return (
    <>
      <fieldset className="axis">
        <legend>Scheduler: ASHA</legend>
        <div className="row">
          <NumberField
            label="Maximum epochs"
            value={asha.maxEpochs}
            min={1}
            max={50}
            onChange={(maxEpochs) => setAsha({ maxEpochs })}
          />
          <NumberField
            label="Grace period (epochs)"
            value={asha.gracePeriod}
            min={1}
            max={50}
            onChange={(gracePeriod) => setAsha({ gracePeriod })}
          />
          <NumberField
            label="Reduction factor"
            value={asha.reductionFactor}
            min={1.5}
            max={8}
            step={0.5}
            onChange={(reductionFactor) => setAsha({ reductionFactor })}
          />
        </div>
        {'error' in rungs ? (
          <p className="warning" role="alert">
            {rungs.error}
          </p>
        ) : (
          <small className="hint" data-testid="asha-rungs">
            {rungs.milestones.length
              ? `Rungs after epoch ${list(rungs.milestones)}: at each, a trial stops if it is in the bottom ${Math.round(100 - 100 / asha.reductionFactor)}% of the trials recorded there so far. `
              : 'No rung below the maximum: every trial runs to the end. '}
            Every trial stops at {asha.maxEpochs} epochs. Defaults {DEFAULT_SEARCH.asha.maxEpochs} /{' '}
            {DEFAULT_SEARCH.asha.gracePeriod} / {DEFAULT_SEARCH.asha.reductionFactor}: AutoVP’s reference uses 2–5
            epochs with a grace period of 2–3 on full datasets, where an epoch is hundreds of steps; a browser search
            trains on a few hundred images, so an epoch is a few steps and the first cut can come after one.
          </small>
        )}
      </fieldset>
      <fieldset className="axis">
        <legend>Running</legend>
        <div className="row">
          <NumberField
            label="Training images per trial"
            value={form.trialTrainImages}
            min={1}
            max={100_000}
            onChange={(trialTrainImages) => setForm({ trialTrainImages })}
          />
          <NumberField
            label="Trials’ time budget (min, 0 = none)"
            value={form.budgetMinutes}
            min={0}
            max={10_000}
            onChange={(budgetMinutes) => setForm({ budgetMinutes })}
          />
          <NumberField
            label="Parallel workers"
            value={form.poolSize}
            min={1}
            max={MAX_POOL_SIZE}
            onChange={(poolSize) => setForm({ poolSize })}
          />
        </div>
        <small className="hint" data-testid="pool-hint">
          The budget stops new trials and epochs (the ones in flight finish; the winner still trains); pauses do not
          count. Each worker trains one trial at a time with its own copy of the model on one core, and was measured
          to peak at up to {(WORKER_PEAK_MB / 1000).toFixed(1)} GB. This device: {cores ?? '?'} cores,{' '}
          {memory ? `${memory} GB` : 'unknown'} memory → {suggested} suggested (one per core but one, within three
          quarters of the memory): {((suggested * WORKER_PEAK_MB) / 1000).toFixed(1)} GB at most. More workers than
          free cores make every trial slower.
        </small>
        <Checkbox checked={form.stage2} onChange={(stage2) => setForm({ stage2 })}>
          Then tune the winner’s learning rate ({TUNING.learningRates.join(', ')}) × weight decay (
          {TUNING.weightDecays.join(', ')}): {TUNING.learningRates.length * TUNING.weightDecays.length} more trials
        </Checkbox>
        <div className="row final-row">
          <NumberField
            label="Final epochs for the winner"
            value={form.finalEpochs}
            min={1}
            max={1000}
            onChange={(finalEpochs) => setForm({ finalEpochs })}
          />
        </div>
        <Checkbox checked={form.trainWinner} onChange={(trainWinner) => setForm({ trainWinner })}>
          Train the winner as soon as the search finishes: a normal run with its design (panels 2–3 take it), tested,
          beside linear probing, kept in Saved prompts
        </Checkbox>
        <small className="hint" data-testid="search-data">
          Every trial trains on the same {Math.min(form.trialTrainImages, data.trainImages)} training images and is
          ranked on the same {data.valImages} validation images (held out of the training data); the winner trains on
          all {data.trainImages}. Training settings of panel 3: {design.optimizer === 'adam' ? 'Adam' : 'SGD'}, learning
          rate {design.learningRate}, batch {design.batchSize}, seed {design.seed}. The test images are used once, by
          the final training.
        </small>
      </fieldset>
    </>
  );
}
