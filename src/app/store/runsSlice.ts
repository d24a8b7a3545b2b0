import { proxy } from 'comlink';
import type { EvaluateProgress, Prediction, RunEvaluation, RunExportKind, StoredRunInfo } from '../../worker/api/runsApi';
import type { VPDesign } from '../../worker/api/trainingApi';
import { engine } from '../engine';
import { isBuiltin } from './datasetSlice';
import { errorMessage, type Slice } from './types';
import { saveDownload } from './download';

/** Design fields that a stored prompt fixes (continuing it keeps them). */
const STRUCTURAL: (keyof VPDesign)[] = [
  'baseSize',
  'inputScale',
  'trainableResize',
  'prompt',
  'promptActivation',
  'patchSize',
  'labelMapping',
  'k',
  'interval',
  'identityInit',
];

/** Images sent to the worker per predict call (its limit is 64). */
const PREDICT_CHUNK = 16;

export type PromptImportOutcome =
  | { kind: 'imported'; fileName: string; runId: string; name: string }
  | { kind: 'refused'; fileName: string; message: string };

export interface PredictState {
  runId: string | null;
  status: 'idle' | 'running' | 'error';
  items: Prediction[];
  error: string | null;
}

export interface EvaluationState {
  runId: string | null;
  status: 'idle' | 'running' | 'done' | 'error';
  progress: EvaluateProgress | null;
  result: RunEvaluation | null;
  error: string | null;
}

export interface RunsSlice {
  /** Stored runs, newest first (null until listed). Keyed lookups: runById. */
  runs: StoredRunInfo[] | null;
  runsError: string | null;
  /** The run that predictions and evaluations use. */
  activeRunId: string | null;
  /** Outcomes of the latest prompt imports, one per file. */
  promptImports: PromptImportOutcome[];
  importingPrompts: boolean;
  predictions: PredictState;
  evaluation: EvaluationState;
  /** Read by train(): the next run continues this stored run. */
  resumeFrom: string | null;
  /** A download under way (run id and kind), so its button can say so. */
  downloading: { runId: string; kind: RunExportKind } | null;
  refreshRuns(): Promise<void>;
  selectRun(id: string | null): void;
  renameRun(id: string, name: string): Promise<void>;
  deleteRun(id: string): Promise<void>;
  downloadRun(id: string, kind: RunExportKind): Promise<void>;
  importPrompts(files: File[]): Promise<void>;
  dismissPromptImports(): void;
  predictImages(files: File[]): Promise<void>;
  clearPredictions(): void;
  /** Evaluates the active run on the selected dataset. */
  evaluateActiveRun(): Promise<void>;
  /** Sets up model, dataset and design from a stored run and trains on, from its prompt. */
  continueRun(id: string): Promise<void>;
}

export const runById = (runs: StoredRunInfo[] | null, id: string | null) =>
  (id && runs?.find((r) => r.id === id)) || null;

const idlePredict: PredictState = { runId: null, status: 'idle', items: [], error: null };
const idleEvaluation: EvaluationState = { runId: null, status: 'idle', progress: null, result: null, error: null };

export const createRunsSlice: Slice<RunsSlice> = (set, get) => ({
  runs: null,
  runsError: null,
  activeRunId: null,
  promptImports: [],
  importingPrompts: false,
  predictions: idlePredict,
  evaluation: idleEvaluation,
  resumeFrom: null,
  downloading: null,

  async refreshRuns() {
    try {
      const runs = await engine.api().listRuns();
      const active = get().activeRunId;
      set({ runs, runsError: null, ...(active && !runs.some((r) => r.id === active) ? { activeRunId: null } : {}) });
      // Ask the browser not to evict stored prompts under storage pressure (best effort).
      if (runs.length > 0)
        void navigator.storage
          ?.persisted?.()
          .then((p) => p || navigator.storage.persist())
          .catch(() => false);
    } catch (e) {
      set({ runs: get().runs ?? [], runsError: `Saved prompts could not be listed: ${errorMessage(e)}` });
    }
  },

  selectRun(id) {
    if (get().activeRunId === id) return;
    set({ activeRunId: id, predictions: idlePredict, evaluation: idleEvaluation });
  },

  async renameRun(id, name) {
    try {
      await engine.api().renameRun(id, name);
    } catch (e) {
      set({ runsError: `Could not rename: ${errorMessage(e)}` });
    }
    await get().refreshRuns();
  },

  async deleteRun(id) {
    try {
      await engine.api().deleteRun(id);
      if (get().activeRunId === id) get().selectRun(null);
    } catch (e) {
      set({ runsError: `Could not delete: ${errorMessage(e)}` });
    }
    await get().refreshRuns();
  },

  async downloadRun(id, kind) {
    set({ downloading: { runId: id, kind } });
    try {
      const file = await engine.api().exportRun(id, kind, get().datasetId);
      saveDownload(file.name, file.mime, file.bytes);
      set({ runsError: null });
    } catch (e) {
      set({ runsError: `Could not export: ${errorMessage(e)}` });
    } finally {
      set({ downloading: null });
    }
  },

  async importPrompts(files) {
    if (files.length === 0 || get().importingPrompts) return;
    set({ importingPrompts: true, promptImports: [] });
    const outcomes: PromptImportOutcome[] = [];
    for (const file of files) {
      try {
        const r = await engine.api().importPrompt(file);
        outcomes.push(
          r.status === 'imported'
            ? { kind: 'imported', fileName: file.name, runId: r.run.id, name: r.run.name }
            : { kind: 'refused', fileName: r.fileName, message: r.message },
        );
      } catch (e) {
        outcomes.push({ kind: 'refused', fileName: file.name, message: errorMessage(e) });
      }
      set({ promptImports: [...outcomes] });
    }
    set({ importingPrompts: false });
    await get().refreshRuns();
    const last = outcomes.filter((o) => o.kind === 'imported').pop();
    if (last?.kind === 'imported') get().selectRun(last.runId);
  },

  dismissPromptImports() {
    set({ promptImports: [] });
  },

  async predictImages(files) {
    const runId = get().activeRunId;
    if (!runId || files.length === 0 || get().predictions.status === 'running') return;
    set({ predictions: { runId, status: 'running', items: [], error: null } });
    try {
      for (let i = 0; i < files.length; i += PREDICT_CHUNK) {
        const items = await engine.api().predict(runId, files.slice(i, i + PREDICT_CHUNK));
        if (get().activeRunId !== runId) return;
        set((s) => ({ predictions: { ...s.predictions, items: [...s.predictions.items, ...items] } }));
      }
      set((s) => ({ predictions: { ...s.predictions, status: 'idle' } }));
    } catch (e) {
      if (get().activeRunId === runId)
        set((s) => ({ predictions: { ...s.predictions, status: 'error', error: errorMessage(e) } }));
    }
  },

  clearPredictions() {
    set({ predictions: idlePredict });
  },

  async evaluateActiveRun() {
    const runId = get().activeRunId;
    const datasetId = get().datasetId;
    if (!runId || get().evaluation.status === 'running') return;
    set({ evaluation: { runId, status: 'running', progress: null, result: null, error: null } });
    const onProgress = (progress: EvaluateProgress) => {
      if (get().evaluation.runId === runId) set((s) => ({ evaluation: { ...s.evaluation, progress } }));
    };
    try {
      const result = await engine
        .api()
        .evaluateRun(runId, datasetId, { maxImages: get().data.testImages }, proxy(onProgress));
      if (get().evaluation.runId === runId) set((s) => ({ evaluation: { ...s.evaluation, status: 'done', result } }));
      await get().refreshRuns();
    } catch (e) {
      if (get().evaluation.runId === runId)
        set((s) => ({ evaluation: { ...s.evaluation, status: 'error', error: errorMessage(e) } }));
    }
  },

  async continueRun(id) {
    const run = runById(get().runs, id);
    if (!run) return;
    get().selectModel(run.modelId);
    const patch: Partial<VPDesign> = {};
    for (const k of STRUCTURAL) (patch as Record<string, unknown>)[k] = run.design[k];
    get().setDesign(patch);
    const local = run.dataset && (isBuiltin(run.dataset.id) || get().imported?.some((d) => d.id === run.dataset!.id));
    if (local && run.dataset && run.dataset.id !== get().datasetId) await get().selectDataset(run.dataset.id);
    set({ resumeFrom: id });
    const training = get().train();
    set({ resumeFrom: null });
    await training;
    await get().refreshRuns();
  },
});
