import type { MisclassifiedResult } from '../../worker/api/viewsApi';
import type { StoredRunInfo } from '../../worker/api/runsApi';
import { engine } from '../engine';
import { isBuiltin } from './datasetSlice';
import { idleRun, isBusy, type RunState } from './runSlice';
import { runById } from './runsSlice';
import { curveToBatches } from './storedCurve';
import { type AppState, errorMessage, type Slice } from './types';

/** The images of one confusion-matrix cell. */
export interface MisclassifiedView {
  /** The run the cell belongs to (viewRunKey). */
  runKey: string;
  trueClass: number;
  predicted: number;
  status: 'loading' | 'done' | 'error';
  result: MisclassifiedResult | null;
  error: string | null;
}

export interface ViewsSlice {
  /** Stored runs ticked for the compare chart, in the order ticked. */
  compareIds: string[];
  toggleCompare(id: string): void;
  misclassifiedView: MisclassifiedView | null;
  /** Shows the validation images of class `trueClass` predicted as `predicted`. */
  showMisclassified(trueClass: number, predicted: number): Promise<void>;
  closeMisclassified(): void;
  /** Why a reopened run's views could not be shown. */
  viewsError: string | null;
  /** Brings a stored run back into the main view: its configuration, curves, result, prompt and mapping. */
  reopenRun(id: string): Promise<void>;
}

/** The run the views show: a reopened stored run, the run just trained (its stored id), or 'live'. */
export function viewRunKey(run: RunState): string {
  return run.reopened ?? run.summary?.runId ?? 'live';
}

/** The stored run behind the views, if any (misclassified images of 'live' come from the worker's last run). */
export const viewRunId = (run: RunState): string | null => run.reopened ?? run.summary?.runId ?? null;

const NO_CLASSES: string[] = [];

/** Target class names of what the views show (a stable array: usable as a store selector). */
export function viewClasses(s: AppState): string[] {
  // A finished run's own classes: the dataset picked since may be another.
  const stored = runById(s.runs, viewRunId(s.run));
  return stored?.classes ?? s.dataset?.classes ?? NO_CLASSES;
}

function reopenedState(info: StoredRunInfo): RunState {
  return {
    ...idleRun,
    status: info.status === 'stopped' ? 'stopped' : 'done',
    batches: curveToBatches(info.curve),
    epochs: info.epochs,
    summary: info.summary,
    reopened: info.id,
  };
}

export const createViewsSlice: Slice<ViewsSlice> = (set, get) => ({
  compareIds: [],
  misclassifiedView: null,
  viewsError: null,

  toggleCompare(id) {
    const ids = get().compareIds;
    set({ compareIds: ids.includes(id) ? ids.filter((x) => x !== id) : [...ids, id] });
  },

  async showMisclassified(trueClass, predicted) {
    const run = get().run;
    const runKey = viewRunKey(run);
    set({ misclassifiedView: { runKey, trueClass, predicted, status: 'loading', result: null, error: null } });
    const current = () => {
      const v = get().misclassifiedView;
      return v !== null && v.runKey === runKey && v.trueClass === trueClass && v.predicted === predicted;
    };
    try {
      const result = await engine.api().misclassified({ runId: viewRunId(run), trueClass, predicted });
      if (current()) set((s) => ({ misclassifiedView: { ...s.misclassifiedView!, status: 'done', result } }));
    } catch (e) {
      if (current())
        set((s) => ({ misclassifiedView: { ...s.misclassifiedView!, status: 'error', error: errorMessage(e) } }));
    }
  },

  closeMisclassified() {
    set({ misclassifiedView: null });
  },

  async reopenRun(id) {
    const info = runById(get().runs, id);
    if (!info || isBusy(get().run)) return;
    // The run's configuration comes back too, so that "Train" repeats it and the link shares it.
    if (get().models.some((m) => m.manifest.id === info.modelId)) get().selectModel(info.modelId);
    get().setDesign({ ...info.design });
    if (info.data) get().setData({ ...info.data });
    get().setBaseline(info.baseline);
    const dataset = info.dataset;
    const local = dataset && (isBuiltin(dataset.id) || get().imported?.some((d) => d.id === dataset.id));
    if (local && dataset.id !== get().datasetId) await get().selectDataset(dataset.id);
    set({ run: reopenedState(info), misclassifiedView: null, viewsError: null });
    if (!info.checkpoint) return;
    try {
      const snapshot = await engine.api().runViews(id);
      if (get().run.reopened === id) set((s) => ({ run: { ...s.run, snapshot, snapshots: s.run.snapshots + 1 } }));
    } catch (e) {
      if (get().run.reopened === id)
        set({ viewsError: `The prompt of “${info.name}” could not be shown: ${errorMessage(e)}` });
    }
  },
});
