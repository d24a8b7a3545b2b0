import type { AshaOptions, SearchSpace, TrialEvent } from '../../worker/api/searchApi';
import type { BatchMetrics } from '../../worker/api/trainingApi';
import type { SearchFinal, SearchRecord, SearchSetup } from '../../core/search/records';
import { autovpSpace, enumerateTrials, tuningGrid } from '../../core/search/space';
import { bestTrial } from '../../core/search/searchState';
import { createSearch } from '../../core/search/searchController';
import { DEFAULT_SEARCH } from '../../core/search/searchDefaults';
import { defaultPoolSize } from '../../core/search/poolSize';
import { deleteSearch, isSearchRunning, listSearches, saveSearch } from '../../client/search/searchStore';
import { rayTuneScript } from '../../core/search/rayTune';
import { searchCsv, searchJson } from '../../core/search/searchReport';
import { startSearchRun, type SearchRun } from '../../client/search/searchRunner';
import { errorMessage, type Slice } from './types';
import { saveDownload } from './download';

/** What the next search will cover and how it runs. */
export interface SearchForm extends SearchSpace {
  asha: AshaOptions;
  /** 0 = no time limit. */
  budgetMinutes: number;
  poolSize: number;
  /** Second stage: learning rate × weight decay for the winner. */
  stage2: boolean;
  finalEpochs: number;
  /** Train the winner (with test and linear probing) as soon as the search finishes. */
  trainWinner: boolean;
  /** Training images of each trial (at most the run's own; the winner trains on all of those). */
  trialTrainImages: number;
}

/** The space a form describes over the given models (the padding prompt alone keeps AutoVP's trial ids). */
export function formSpace(form: SearchForm, models: string[]): SearchSpace {
  const prompts = form.prompts ?? ['pad'];
  return {
    ...autovpSpace(models),
    mappings: form.mappings,
    scales: form.scales,
    trainableResize: form.trainableResize,
    ks: form.ks,
    intervals: form.intervals,
    ...(prompts.length === 1 && prompts[0] === 'pad' ? {} : { prompts }),
  };
}

/** A point of a trial's live curve: fractional epoch, smoothed training accuracy and loss. */
export interface LivePoint {
  x: number;
  acc: number;
  loss: number;
}

export type TrialPhase = Extract<TrialEvent, { type: 'phase' }>['phase'];

export interface SearchLive {
  curves: Record<string, LivePoint[]>;
  phases: Record<string, TrialPhase>;
}

/** idle: nothing runs here; starting: the pool is being created; running: trials train; training-winner: the final run. */
export type SearchActivity = 'idle' | 'starting' | 'running' | 'training-winner';

export interface SearchSlice {
  searchForm: SearchForm;
  /** The search shown: running, or the latest saved one. */
  searchRecord: SearchRecord | null;
  searchActivity: SearchActivity;
  searchLive: SearchLive;
  searchError: string | null;
  /** The shown search is running in another tab of this browser. */
  searchElsewhere: boolean;
  setSearchForm(patch: Partial<SearchForm>): void;
  startSearch(): Promise<void>;
  pauseSearch(): void;
  /** Unpauses a paused search, or resumes a saved one (after a reload) where it was. */
  resumeSearch(): Promise<void>;
  /** Ends the search; during the winner's training, stops that run (what it trained is kept and tested). */
  cancelSearch(): void;
  /** Trains the best configuration as a normal run (test split, linear probing, saved prompt). */
  trainSearchWinner(): Promise<void>;
  loadSavedSearch(): Promise<void>;
  discardSearch(): Promise<void>;
  downloadSearch(kind: 'csv' | 'json' | 'ray'): void;
}

const MAX_LIVE_POINTS = 120;
const emptyLive: SearchLive = { curves: {}, phases: {} };

/** Statuses a saved search can be resumed from. */
export const isResumable = (r: SearchRecord | null) =>
  Boolean(r && ['ready', 'running', 'paused'].includes(r.state.status));

const baseUrl = () => new URL(import.meta.env.BASE_URL, window.location.href).toString();

const slug = (s: string) =>
  s
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '') || 'dataset';

function addLivePoint(points: LivePoint[] | undefined, m: BatchMetrics): LivePoint[] {
  const prev = points?.[points.length - 1];
  const x = m.epoch + (m.batch + 1) / m.batchesPerEpoch;
  const p = prev
    ? { x, acc: 0.7 * prev.acc + 0.3 * m.accuracy, loss: 0.7 * prev.loss + 0.3 * m.loss }
    : { x, acc: m.accuracy, loss: m.loss };
  const next = [...(points ?? []), p];
  // Thin old points (every other one) to keep long trials cheap to draw.
  return next.length > MAX_LIVE_POINTS ? next.filter((_, i) => i % 2 === 1 || i === next.length - 1) : next;
}

/** The search in progress on this page (not plain data: kept out of the store). */
let active: SearchRun | null = null;

export const createSearchSlice: Slice<SearchSlice> = (set, get) => {
  const nav = typeof navigator === 'undefined' ? undefined : (navigator as Navigator & { deviceMemory?: number });

  /** Runs (or resumes) `record` on a fresh pool; trains the winner afterwards if asked. */
  const run = async (record: SearchRecord) => {
    set({
      searchRecord: structuredClone(record),
      searchActivity: 'starting',
      searchError: null,
      searchElsewhere: false,
      searchLive: emptyLive,
    });
    const handle = startSearchRun(
      record,
      { backend: get().backendPreference, baseUrl: baseUrl() },
      {
        onRecord: (r) => set({ searchRecord: r, searchActivity: 'running' }),
        onPhase: (id, phase) =>
          set((s) => ({
            searchLive: {
              phases: { ...s.searchLive.phases, [id]: phase },
              curves: phase === 'training' ? { ...s.searchLive.curves, [id]: [] } : s.searchLive.curves,
            },
          })),
        onBatch: (id, m) =>
          set((s) => ({
            searchLive: {
              ...s.searchLive,
              curves: { ...s.searchLive.curves, [id]: addLivePoint(s.searchLive.curves[id], m) },
            },
          })),
        onSaveError: (e) => set({ searchError: `The search could not be saved in this browser: ${errorMessage(e)}` }),
      },
    );
    active = handle;
    try {
      const done = await handle.done;
      set({ searchRecord: done, searchActivity: 'idle' });
      if (done.state.status === 'finished' && done.setup.trainWinner && bestTrial(done.state.trials))
        await get().trainSearchWinner();
    } catch (e) {
      set({ searchActivity: 'idle', searchError: `The search stopped: ${errorMessage(e)}` });
    } finally {
      if (active === handle) active = null;
    }
  };

  return {
    searchForm: {
      ...autovpSpace([]),
      mappings: [...DEFAULT_SEARCH.mappings],
      scales: [...DEFAULT_SEARCH.scales],
      trainableResize: [...DEFAULT_SEARCH.trainableResize],
      ks: [...DEFAULT_SEARCH.ks],
      intervals: [...DEFAULT_SEARCH.intervals],
      prompts: ['pad'],
      asha: { ...DEFAULT_SEARCH.asha },
      budgetMinutes: DEFAULT_SEARCH.budgetMinutes,
      poolSize: defaultPoolSize(nav?.hardwareConcurrency, nav?.deviceMemory),
      stage2: false,
      finalEpochs: DEFAULT_SEARCH.finalEpochs,
      trainWinner: true,
      trialTrainImages: DEFAULT_SEARCH.trialTrainImages,
    },
    searchRecord: null,
    searchActivity: 'idle',
    searchLive: emptyLive,
    searchError: null,
    searchElsewhere: false,

    setSearchForm(patch) {
      set({ searchForm: { ...get().searchForm, ...patch } });
    },

    async startSearch() {
      const s = get();
      if (active || s.searchActivity !== 'idle') return;
      const dataset = s.dataset;
      if (!dataset) return set({ searchError: 'Wait for the dataset to load.' });
      const form = s.searchForm;
      const models = form.models.length ? form.models : [s.modelId];
      const entries = models.map((id) => s.models.find((m) => m.manifest.id === id)).filter((m) => m !== undefined);
      const infos = entries.map((m) => ({
        id: m.manifest.id,
        numSource: m.sourceClassCount,
        textImage: m.manifest.textImage === true,
      }));
      const space = formSpace(
        form,
        entries.map((m) => m.manifest.id),
      );
      let enumerated: ReturnType<typeof enumerateTrials>;
      try {
        enumerated = enumerateTrials(space, infos, dataset.classes.length);
        if (enumerated.trials.length === 0)
          throw new Error('No configuration of this space can run: widen an axis or tick another model.');
      } catch (e) {
        return set({ searchError: errorMessage(e) });
      }
      const clipOnly = infos.every((m) => m.textImage);
      const now = Date.now();
      const id = `search-${now.toString(36)}-${Math.random().toString(36).slice(2, 6)}`;
      const setup: SearchSetup = {
        datasetId: dataset.id,
        datasetName: dataset.name,
        classes: dataset.classes,
        data: { ...s.data },
        baseDesign: { ...s.design, epochs: form.asha.maxEpochs },
        models: Object.fromEntries(
          entries.map((m) => [
            m.manifest.id,
            { name: m.manifest.name, inputSize: m.manifest.inputSize, textImage: m.manifest.textImage === true },
          ]),
        ),
        poolSize: form.poolSize,
        finalEpochs: form.finalEpochs,
        trainWinner: form.trainWinner,
        trialTrainImages: Math.min(form.trialTrainImages, s.data.trainImages),
      };
      let state;
      try {
        state = createSearch({
          id,
          seed: s.design.seed,
          space,
          trials: enumerated.trials,
          asha: { ...form.asha },
          budgetSeconds: form.budgetMinutes > 0 ? form.budgetMinutes * 60 : null,
          tuning: form.stage2
            ? tuningGrid(clipOnly)
            : { learningRates: [], weightDecays: [] },
          now,
        });
      } catch (e) {
        return set({ searchError: errorMessage(e) });
      }
      const record: SearchRecord = {
        id,
        createdAt: now,
        updatedAt: now,
        setup,
        state,
        excluded: enumerated.excluded,
        learntScales: {},
        final: null,
      };
      try {
        await saveSearch(record);
      } catch (e) {
        set({ searchError: `The search will not survive a reload (it could not be saved: ${errorMessage(e)}).` });
      }
      await run(record);
    },

    pauseSearch() {
      active?.pause();
    },

    async resumeSearch() {
      if (active) return active.unpause();
      const record = get().searchRecord;
      if (!record || !isResumable(record) || get().searchActivity !== 'idle') return;
      if (await isSearchRunning(record.id)) return set({ searchElsewhere: true });
      await run(structuredClone(record));
    },

    cancelSearch() {
      if (get().searchActivity === 'training-winner') get().stop();
      else active?.cancel();
    },

    async trainSearchWinner() {
      const record = get().searchRecord;
      const winner = record && bestTrial(record.state.trials);
      if (!record || !winner) return;
      const activity = get().searchActivity;
      if (activity === 'running' || activity === 'starting' || activity === 'training-winner') return;
      if (get().run.status === 'running' || get().run.status === 'stopping') {
        return set({ searchError: 'A run is training: train the winner when it has finished.' });
      }
      const { setup } = record;
      set({ searchActivity: 'training-winner', searchError: null });
      try {
        if (get().datasetId !== setup.datasetId) await get().selectDataset(setup.datasetId);
        get().selectModel(winner.config.modelId);
        get().setDesign({
          ...setup.baseDesign,
          ...winner.config.design,
          learningRate: winner.learningRate ?? setup.baseDesign.learningRate,
          weightDecay: winner.weightDecay ?? setup.baseDesign.weightDecay,
          epochs: setup.finalEpochs,
        });
        get().setData({ ...setup.data });
        get().setBaseline(true);
        await get().train();
        const r = get().run;
        const summary = r.summary;
        if (!summary || r.status === 'error') throw new Error(r.error ?? 'the run did not finish');
        const final: SearchFinal = {
          trialId: winner.config.id,
          runId: summary.runId ?? null,
          epochs: summary.epochs.length,
          vp: {
            validation: summary.validation?.accuracy ?? null,
            test: summary.test?.accuracy ?? null,
            parameters: summary.parameters,
          },
          lp: summary.baseline
            ? {
                validation: summary.baseline.validation.accuracy,
                test: summary.baseline.test?.accuracy ?? null,
                parameters: summary.baseline.parameters,
              }
            : null,
          valCount: summary.valCount,
          testCount: summary.testCount,
          seconds: summary.seconds,
        };
        // The search may have changed meanwhile (a second stage, a reload): attach to the latest copy.
        const latest = get().searchRecord;
        if (latest?.id === record.id) {
          const updated = { ...latest, final, updatedAt: Date.now() };
          set({ searchRecord: updated });
          await saveSearch(updated).catch((e) =>
            set({ searchError: `The result could not be saved: ${errorMessage(e)}` }),
          );
        }
        await get().refreshRuns();
      } catch (e) {
        set({ searchError: `Training the winner failed: ${errorMessage(e)}` });
      } finally {
        if (get().searchActivity === 'training-winner') set({ searchActivity: 'idle' });
      }
    },

    async loadSavedSearch() {
      if (active) return;
      try {
        const [latest] = await listSearches();
        if (!latest || active) return;
        set({ searchRecord: latest, searchElsewhere: isResumable(latest) && (await isSearchRunning(latest.id)) });
      } catch (e) {
        set({ searchError: `Saved searches could not be read: ${errorMessage(e)}` });
      }
    },

    async discardSearch() {
      const record = get().searchRecord;
      if (!record || active) return;
      set({ searchRecord: null, searchLive: emptyLive, searchError: null, searchElsewhere: false });
      await deleteSearch(record.id).catch((e) =>
        set({ searchError: `The search could not be deleted (it may come back after a reload): ${errorMessage(e)}` }),
      );
    },

    downloadSearch(kind) {
      const record = get().searchRecord;
      if (!record) return;
      const base = `autovp-search-${slug(record.setup.datasetName)}-${new Date(record.createdAt).toISOString().slice(0, 10)}`;
      try {
        if (kind === 'csv') saveDownload(`${base}.csv`, 'text/csv', searchCsv(record));
        else if (kind === 'json') saveDownload(`${base}.json`, 'application/json', searchJson(record));
        else {
          const script = rayTuneScript({
            state: record.state,
            dataset: { id: record.setup.datasetId, name: record.setup.datasetName, classes: record.setup.classes },
            models: Object.entries(record.setup.models).map(([id, m]) => ({
              id,
              name: m.name,
              textImage: m.textImage,
            })),
            data: record.setup.data,
            baseDesign: record.setup.baseDesign,
            finalEpochs: record.setup.finalEpochs,
            ...(record.setup.trialTrainImages !== undefined ? { trialTrainImages: record.setup.trialTrainImages } : {}),
            createdAt: new Date(record.createdAt).toISOString().slice(0, 10),
          });
          saveDownload(`autovp_search_${record.setup.datasetId.replace(/[^\w-]+/g, '_')}.py`, 'text/x-python', script);
        }
      } catch (e) {
        set({ searchError: `Could not export: ${errorMessage(e)}` });
      }
    },
  };
};
