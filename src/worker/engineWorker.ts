/// <reference lib="webworker" />
import * as Comlink from 'comlink';
import { type BackendChoice, selectBackend } from '../engine/backend/selectBackend';
import type { EngineApi } from './api';
import { appUrl, setBaseUrl } from './context';
import { deleteDataset, describeDataset, listDatasets, planSplit } from './datasets';
import { storageInfo } from './datasetStore';
import {
  deleteUserModel,
  discardUserModel,
  downloadModel,
  inspectUserModel,
  listModels,
  modelClassNames,
  modelMemory,
  releaseSourceModel,
  removeModelFromCache,
  saveUserModel,
} from './models';
import { setHubMirror } from './modelCache';
import { requestStop, train } from './training';
import { trialEnd, trialEpoch, trialStart, trialStop } from './trials';
import { deleteRun, importPrompt, listRuns, renameRun } from './runs';
import { exportRun } from './runsExport';
import { evaluateRun, predict, releaseActiveModel } from './runsPredict';
import { forgetRunViews, misclassified, runViews } from './views';

let backend: BackendChoice | null = null;

const api: EngineApi = {
  async init(options) {
    setBaseUrl(options.baseUrl);
    const previous = backend?.name;
    backend = await selectBackend(options.backend, {
      wasmPath: appUrl('generated/wasm/'),
      crossOriginIsolated: self.crossOriginIsolated,
      // Threaded wasm survives minification thanks to a plugin in vite.config.ts.
      wasmThreadsSupported: true,
    });
    // Weights live on a backend: after a switch the model is loaded afresh.
    if (previous && previous !== backend.name) {
      releaseActiveModel();
      releaseSourceModel();
    }
    return backend;
  },
  describeDataset,
  async train(request, onEvent) {
    if (!backend) throw new Error('The engine has not started: call init first.');
    return train(request, backend, onEvent);
  },
  stop: requestStop,
  listDatasets,
  deleteDataset,
  planSplit,
  storageInfo,
  listRuns,
  async deleteRun(id) {
    releaseActiveModel();
    await deleteRun(id);
    await forgetRunViews(id);
  },
  renameRun,
  exportRun,
  importPrompt,
  evaluateRun,
  async predict(runId, files) {
    const results = await predict(runId, files);
    return Comlink.transfer(
      results,
      results.flatMap((p) => (p.ok ? [p.seen.rgba.buffer as ArrayBuffer] : [])),
    );
  },
  listModels,
  downloadModel,
  removeModelFromCache,
  modelClassNames,
  inspectUserModel,
  saveUserModel,
  discardUserModel,
  async deleteUserModel(id) {
    releaseActiveModel();
    await deleteUserModel(id);
  },
  async setHubMirror(mirror) {
    setHubMirror(mirror);
  },
  async releaseModel() {
    releaseActiveModel();
    releaseSourceModel();
    return modelMemory();
  },
  async modelMemory() {
    return modelMemory();
  },
  // AutoVP search: this worker is one of the search pool (worker/search/), a trial at a time.
  async trialStart(spec, onEvent) {
    if (!backend) throw new Error('The engine has not started: call init first.');
    await trialStart(spec, onEvent);
  },
  trialEpoch,
  trialEnd,
  trialStop,
  // Views of a run (views.ts): a stored run's prompt pictures and mapping, misclassified images.
  runViews,
  misclassified,
};

Comlink.expose(api);
