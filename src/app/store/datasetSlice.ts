import type { DatasetSummary } from '../../worker/api/trainingApi';
import type { ImageFit, SplitPlan } from '../../worker/api/importApi';
import type { ImportProgress, ImportRefusal, ImportReport, ImportSource, StorageInfo, StoredDatasetInfo } from '../../core/import/types';
import { createImportClient } from '../../client/importClient';
import { engine } from '../engine';
import { errorMessage, type Slice } from './types';

export const BUILTIN_DATASETS = [
  { id: 'mnist', name: 'MNIST digits' },
  { id: 'fashion-mnist', name: 'Fashion-MNIST' },
];

export const isBuiltin = (id: string) => BUILTIN_DATASETS.some((d) => d.id === id);

/** Test share carved from datasets that bring no test split (until the user changes it). */
export const DEFAULT_TEST_FRACTION = 0.2;

const SAVED_DATASET_KEY = 'autovp.datasetId';

function savedDatasetId(): string {
  try {
    return localStorage.getItem(SAVED_DATASET_KEY) ?? BUILTIN_DATASETS[0]!.id;
  } catch {
    return BUILTIN_DATASETS[0]!.id;
  }
}

function saveDatasetId(id: string): void {
  try {
    localStorage.setItem(SAVED_DATASET_KEY, id);
  } catch {
    // storage disabled: the choice just is not remembered
  }
}

export type ImportOutcome =
  | { kind: 'imported'; datasetId: string; report: ImportReport }
  | { kind: 'refused'; refusal: ImportRefusal; report: ImportReport }
  | { kind: 'cancelled'; report: ImportReport | null }
  | { kind: 'failed'; source: string; message: string };

export interface ImportState {
  status: 'idle' | 'running' | 'cancelling';
  sourceName: string;
  progress: ImportProgress | null;
}

export interface DatasetSlice {
  datasetId: string;
  dataset: DatasetSummary | null;
  datasetError: string | null;
  /** Imported datasets stored in this browser, newest first (null until listed). */
  imported: StoredDatasetInfo[] | null;
  importedError: string | null;
  storage: StorageInfo | null;
  importState: ImportState;
  importOutcome: ImportOutcome | null;
  /** How non-square images become square on the next import. */
  importFit: ImageFit;
  splitPlan: SplitPlan | null;
  selectDataset(id: string): Promise<void>;
  refreshImported(): Promise<void>;
  importDataset(source: ImportSource): Promise<void>;
  cancelImport(): void;
  deleteDataset(id: string): Promise<void>;
  setImportFit(fit: ImageFit): void;
  /** Validation / test shares of the pool (test only applies to datasets without their own). */
  setSplit(patch: { val?: number; test?: number }): Promise<void>;
  dismissImportOutcome(): void;
}

const importer = createImportClient();
const idleImport: ImportState = { status: 'idle', sourceName: '', progress: null };

export const createDatasetSlice: Slice<DatasetSlice> = (set, get) => {
  const updateSplitPlan = async () => {
    const { dataset, data } = get();
    if (!dataset) return set({ splitPlan: null });
    try {
      const plan = await engine.api().planSplit(dataset.countsByClass, dataset.testCount, { val: data.valFraction, test: data.testFraction ?? 0 });
      if (get().dataset === dataset) set({ splitPlan: plan });
    } catch {
      set({ splitPlan: null });
    }
  };
  const refreshStorage = async () => {
    try {
      set({ storage: await engine.api().storageInfo() });
    } catch {
      set({ storage: null });
    }
  };

  return {
    datasetId: savedDatasetId(),
    dataset: null,
    datasetError: null,
    imported: null,
    importedError: null,
    storage: null,
    importState: idleImport,
    importOutcome: null,
    importFit: 'crop',
    splitPlan: null,

    async selectDataset(id) {
      set({ datasetId: id, dataset: null, datasetError: null, splitPlan: null });
      saveDatasetId(id);
      try {
        const summary = await engine.api().describeDataset(id);
        if (get().datasetId !== id) return;
        set({ dataset: summary });
        if (summary.testCount === 0 && get().data.testFraction === undefined) get().setData({ testFraction: DEFAULT_TEST_FRACTION });
        await updateSplitPlan();
      } catch (e) {
        if (get().datasetId !== id) return;
        if (!isBuiltin(id)) saveDatasetId(BUILTIN_DATASETS[0]!.id);
        set({ datasetError: errorMessage(e) });
      }
    },

    async refreshImported() {
      try {
        set({ imported: await engine.api().listDatasets(), importedError: null });
      } catch (e) {
        set({ imported: [], importedError: `Imported datasets could not be listed: ${errorMessage(e)}` });
      }
      await refreshStorage();
    },

    async importDataset(source) {
      if (get().importState.status !== 'idle') return;
      set({ importState: { status: 'running', sourceName: source.name, progress: null }, importOutcome: null });
      // Ask the browser not to evict imported datasets under storage pressure (best effort).
      void navigator.storage?.persisted?.().then((p) => p || navigator.storage.persist()).catch(() => false);
      const onProgress = (progress: ImportProgress) => set((s) => ({ importState: { ...s.importState, progress } }));
      try {
        const result = await importer.run(source, { fit: get().importFit }, onProgress);
        switch (result.status) {
          case 'imported': {
            const id = result.dataset.id;
            set({ importOutcome: { kind: 'imported', datasetId: id, report: result.dataset.report } });
            await get().refreshImported();
            if (!isTraining(get())) await get().selectDataset(id);
            break;
          }
          case 'refused':
            set({ importOutcome: { kind: 'refused', refusal: result.refusal, report: result.report } });
            break;
          case 'cancelled':
            set({ importOutcome: { kind: 'cancelled', report: result.report } });
            break;
          case 'terminated':
            if (result.datasetId) await engine.api().deleteDataset(result.datasetId).catch(() => undefined);
            set({ importOutcome: { kind: 'cancelled', report: null } });
            break;
        }
      } catch (e) {
        set({ importOutcome: { kind: 'failed', source: source.name, message: errorMessage(e) } });
      } finally {
        set({ importState: idleImport });
        await refreshStorage();
      }
    },

    cancelImport() {
      if (get().importState.status !== 'running') return;
      set((s) => ({ importState: { ...s.importState, status: 'cancelling' } }));
      importer.cancel();
    },

    async deleteDataset(id) {
      if (isBuiltin(id)) return;
      if (get().datasetId === id) await get().selectDataset(BUILTIN_DATASETS[0]!.id);
      try {
        await engine.api().deleteDataset(id);
      } catch (e) {
        set({ importedError: `Could not delete the dataset: ${errorMessage(e)}` });
      }
      const outcome = get().importOutcome;
      if (outcome?.kind === 'imported' && outcome.datasetId === id) set({ importOutcome: null });
      await get().refreshImported();
    },

    setImportFit(fit) {
      set({ importFit: fit });
    },

    async setSplit(patch) {
      const data = get().data;
      get().setData({
        ...(patch.val !== undefined ? { valFraction: patch.val } : {}),
        ...(patch.test !== undefined ? { testFraction: patch.test } : {}),
      });
      if (data !== get().data) await updateSplitPlan();
    },

    dismissImportOutcome() {
      set({ importOutcome: null });
    },
  };
};

const isTraining = (s: { run: { status: string } }) => s.run.status === 'running' || s.run.status === 'stopping';
