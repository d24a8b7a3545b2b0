import { create } from 'zustand';
import { createBackendSlice } from './backendSlice';
import { createDatasetSlice } from './datasetSlice';
import { createDesignSlice } from './designSlice';
import { createModelsSlice } from './modelsSlice';
import { createRunSlice, isBusy } from './runSlice';
import { engine } from '../engine';
import { createRunsSlice } from './runsSlice';
import { createSearchSlice } from './searchSlice';
import { createLinkSlice } from './linkSlice';
import { createViewsSlice } from './viewsSlice';
import type { AppState } from './types';

export const useApp = create<AppState>()((...a) => ({
  ...createBackendSlice(...a),
  ...createDatasetSlice(...a),
  ...createDesignSlice(...a),
  ...createRunSlice(...a),
  ...createRunsSlice(...a),
  ...createModelsSlice(...a),
  ...createSearchSlice(...a),
  ...createViewsSlice(...a),
  ...createLinkSlice(...a),
  async start() {
    const [, get] = a;
    // An engine worker that dies while no run trains is replaced at once (a run replaces its own).
    engine.onCrash(() => {
      if (!isBusy(get().run)) void get().setBackendPreference(get().backendPreference);
    });
    await get().setBackendPreference(get().backendPreference);
    // The configuration in the URL hash (a shared link) wins over the remembered one.
    const datasetId = await get().applyLinkAtStart();
    void get().refreshModels();
    void get().loadSavedSearch();
    await get().selectDataset(datasetId);
  },
}));

export { BUILTIN_DATASETS } from './datasetSlice';
export { isBusy } from './runSlice';
export type { AppState } from './types';
