import { proxy } from 'comlink';
import { MODELS, sourceClassCount } from '../../../models';
import type { ImportFile } from '../../core/import/types';
import type { ModelDownloadProgress, ModelListEntry, UserModelChoices, UserModelDraft, UserModelSource } from '../../worker/api/modelsApi';
import { engine } from '../engine';
import { errorMessage, type Slice } from './types';

/** The flow of adding one's own model: read and inspect, then confirm (or a refusal). */
export type UserModelFlow =
  | { status: 'idle' }
  | { status: 'inspecting'; source: string; progress: ModelDownloadProgress | null }
  | { status: 'review'; draft: UserModelDraft; saving: boolean; error: string | null }
  | { status: 'refused'; source: string; message: string };

export interface ModelsSlice {
  /** Every model the picker offers, with what is cached; built-ins before the worker answers. */
  models: ModelListEntry[];
  modelsError: string | null;
  /** A hub model being downloaded outside a run. */
  /** The download in progress or failed; `seconds` since it started, at the last progress report. */
  modelDownload: { id: string; progress: ModelDownloadProgress | null; error: string | null; seconds: number } | null;
  userModel: UserModelFlow;
  refreshModels(): Promise<void>;
  downloadModel(id: string): Promise<void>;
  removeModelFromCache(id: string): Promise<void>;
  addUserModelFiles(files: ImportFile[]): Promise<void>;
  addUserModelUrl(url: string): Promise<void>;
  saveUserModel(choices: UserModelChoices): Promise<void>;
  cancelUserModel(): void;
  deleteUserModel(id: string): Promise<void>;
}

/** Built-in models as the picker shows them before the worker has said what is cached. */
const initialEntries = (): ModelListEntry[] =>
  MODELS.map((manifest) => ({
    manifest,
    origin: manifest.weights.kind,
    cached: manifest.weights.kind !== 'hub',
    sourceClassCount: sourceClassCount(manifest),
    loaded: false,
  }));

export const isUserModelFile = (path: string) => /(^|\/)model\.json$/i.test(path);

export const createModelsSlice: Slice<ModelsSlice> = (set, get) => {
  const replaceEntry = (entry: ModelListEntry) =>
    set((s) => ({ models: s.models.map((m) => (m.manifest.id === entry.manifest.id ? entry : m)) }));

  const inspect = async (source: UserModelSource, label: string) => {
    const current = get().userModel;
    if (current.status === 'review') void engine.api().discardUserModel(current.draft.draftId);
    set({ userModel: { status: 'inspecting', source: label, progress: null } });
    const onProgress = (progress: ModelDownloadProgress) =>
      set((s) => (s.userModel.status === 'inspecting' ? { userModel: { ...s.userModel, progress } } : {}));
    try {
      const result = await engine.api().inspectUserModel(source, proxy(onProgress));
      set({
        userModel:
          result.status === 'inspected'
            ? { status: 'review', draft: result.draft, saving: false, error: null }
            : { status: 'refused', source: label, message: result.message },
      });
    } catch (e) {
      set({ userModel: { status: 'refused', source: label, message: errorMessage(e) } });
    }
  };

  return {
    models: initialEntries(),
    modelsError: null,
    modelDownload: null,
    userModel: { status: 'idle' },
    async refreshModels() {
      try {
        const models = await engine.api().listModels();
        set({ models, modelsError: null });
        // A deleted model cannot stay selected.
        if (!models.some((m) => m.manifest.id === get().modelId)) get().selectModel(models[0]?.manifest.id ?? MODELS[0]!.id);
      } catch (e) {
        set({ modelsError: errorMessage(e) });
      }
    },
    async downloadModel(id) {
      const started = performance.now();
      set({ modelDownload: { id, progress: null, error: null, seconds: 0 } });
      const onProgress = (progress: ModelDownloadProgress) =>
        set((s) =>
          s.modelDownload?.id === id
            ? { modelDownload: { ...s.modelDownload, progress, seconds: (performance.now() - started) / 1000 } }
            : {},
        );
      try {
        replaceEntry(await engine.api().downloadModel(id, proxy(onProgress)));
        set({ modelDownload: null });
      } catch (e) {
        set({ modelDownload: { id, progress: null, error: errorMessage(e), seconds: 0 } });
      }
    },
    async removeModelFromCache(id) {
      try {
        replaceEntry(await engine.api().removeModelFromCache(id));
      } catch (e) {
        set({ modelsError: errorMessage(e) });
      }
    },
    async addUserModelFiles(files) {
      const label = files.find((f) => isUserModelFile(f.path))?.path ?? files[0]?.path ?? 'files';
      await inspect({ kind: 'files', files }, label);
    },
    async addUserModelUrl(url) {
      await inspect({ kind: 'url', url }, url);
    },
    async saveUserModel(choices) {
      const flow = get().userModel;
      if (flow.status !== 'review') return;
      set({ userModel: { ...flow, saving: true, error: null } });
      try {
        const result = await engine.api().saveUserModel(flow.draft.draftId, choices);
        if (result.status === 'refused') {
          set({ userModel: { ...flow, saving: false, error: result.message } });
          return;
        }
        set({ userModel: { status: 'idle' } });
        await get().refreshModels();
        get().selectModel(result.entry.manifest.id);
      } catch (e) {
        set({ userModel: { ...flow, saving: false, error: errorMessage(e) } });
      }
    },
    cancelUserModel() {
      const flow = get().userModel;
      if (flow.status === 'review') void engine.api().discardUserModel(flow.draft.draftId);
      set({ userModel: { status: 'idle' } });
    },
    async deleteUserModel(id) {
      try {
        await engine.api().deleteUserModel(id);
        await get().refreshModels();
      } catch (e) {
        set({ modelsError: errorMessage(e) });
      }
    },
  };
};
