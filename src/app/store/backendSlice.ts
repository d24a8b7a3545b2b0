import type { BackendChoice, BackendPreference } from '../../worker/api/trainingApi';
import { engine } from '../engine';
import { errorMessage, type Slice } from './types';

export interface BackendSlice {
  backendPreference: BackendPreference;
  backend: BackendChoice | null;
  engineError: string | null;
  setBackendPreference(p: BackendPreference): Promise<void>;
}

const baseUrl = () => new URL(import.meta.env.BASE_URL, window.location.href).toString();

export const createBackendSlice: Slice<BackendSlice> = (set) => ({
  backendPreference: 'auto',
  backend: null,
  engineError: null,
  async setBackendPreference(p) {
    set({ backendPreference: p, engineError: null });
    try {
      set({ backend: await engine.api().init({ backend: p, baseUrl: baseUrl() }) });
    } catch (e) {
      set({ engineError: errorMessage(e) });
    }
  },
});
