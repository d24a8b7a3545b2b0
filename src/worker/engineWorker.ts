/// <reference lib="webworker" />
import * as Comlink from 'comlink';
import * as tf from '@tensorflow/tfjs-core';
import { BackendFailure } from '../engine/backend/backendFailure';
import { destroyGpuDevice, renewLostGpuBackend, watchGpuDevice } from '../engine/backend/gpuDeviceFaults';
import {
  type BackendChoice,
  type BackendEnvironment,
  type BackendName,
  type BackendPreference,
  selectBackend,
  startBackend,
} from '../engine/backend/selectBackend';
import type { EngineApi } from './api/engineApi';
import { appUrl, setBaseUrl } from './context';
import { deleteDataset, describeDataset, listDatasets, planSplit } from './datasets/datasets';
import { storageInfo } from './datasets/datasetStore';
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
} from './models/models';
import { setHubMirror } from './models/modelCache';
import { reportDeviceFault, requestStop, RunFault, train } from './training/training';
import { forgetResumeState } from './runs/runsStore';
import { trialEnd, trialEpoch, trialStart, trialStop } from './training/trials';
import { deleteRun, importPrompt, listRuns, renameRun } from './runs/storedRuns';
import { exportRun } from './runs/runExport';
import { evaluateRun, predict, releaseActiveModel } from './runs/runPredict';
import { misclassified, runViews } from './views/storedViews';
import { forgetRunViews } from './views/viewsStore';

let backend: BackendChoice | null = null;
/** Backends that failed at first real use in this worker; not tried again automatically. */
const failedBackends: BackendName[] = [];

const environment = (): BackendEnvironment => ({
  wasmPath: appUrl('generated/wasm/'),
  crossOriginIsolated: self.crossOriginIsolated,
  // Threaded wasm survives minification thanks to a plugin in vite.config.ts.
  wasmThreadsSupported: true,
});

async function switchBackend(preference: BackendPreference): Promise<BackendChoice> {
  const previous = backend?.name;
  renewLostGpuBackend();
  backend = await selectBackend(preference, environment(), failedBackends);
  reportDeviceFault(null);
  // A lost WebGPU device or an error nobody caught: the run in progress moves on (see train).
  watchGpuDevice(reportDeviceFault);
  // Weights live on a backend: after a switch the model is loaded afresh.
  if (previous && previous !== backend.name) {
    releaseActiveModel();
    releaseSourceModel();
  }
  return backend;
}

/**
 * Calls wait while a backend is being chosen: a tensor op run meanwhile makes tfjs start its own
 * favourite backend, which silently cancels the one being initialised (setBackend returns false).
 */
let firstInitStarted: () => void = () => undefined;
let choosing: Promise<unknown> = new Promise<void>((started) => (firstInitStarted = started));

function afterBackendChosen<T extends object>(surface: T, except: (keyof T)[]): T {
  const wrapped = Object.entries(surface).map(([name, f]) => [
    name,
    except.includes(name as keyof T)
      ? f
      : async (...args: unknown[]) => {
          await choosing;
          return (f as (...a: unknown[]) => unknown)(...args);
        },
  ]);
  return Object.fromEntries(wrapped) as T;
}

const api: EngineApi = {
  async init(options) {
    setBaseUrl(options.baseUrl);
    // An explicit choice is tried even if it failed before: the user may know better.
    const retried = failedBackends.indexOf(options.backend as BackendName);
    if (retried >= 0) failedBackends.splice(retried, 1);
    const previous = choosing;
    const chosen = previous.then(() => switchBackend(options.backend));
    choosing = chosen.catch(() => undefined);
    firstInitStarted();
    return chosen;
  },
  describeDataset,
  async train(request, onEvent) {
    for (;;) {
      if (!backend) throw new Error('The engine has not started: call init first.');
      try {
        return await train(request, backend, onEvent);
      } catch (e) {
        // The device failed mid-run: the next backend goes on from the run's last checkpoint.
        if (e instanceof RunFault && backend.name !== 'cpu') {
          const failed = backend.name;
          failedBackends.push(failed);
          onEvent({ type: 'backend-fault', failed, failure: e.message, backend: await switchBackend('auto') });
          if (e.runId) request = { ...request, recoverRun: e.runId };
          continue;
        }
        // A backend that passed its probe but fails at first real use: the run moves on.
        if (!(e instanceof BackendFailure) || backend.name === 'cpu') throw e;
        const failed = backend.name;
        failedBackends.push(failed);
        onEvent({ type: 'backend-switched', failed, failure: e.message, backend: await switchBackend('auto') });
      }
    }
  },
  stop: requestStop,
  discardResume: forgetResumeState,
  async injectFault() {
    return destroyGpuDevice();
  },
  async checkBackendParity(artifacts, backends) {
    const previous = tf.getBackend();
    try {
      for (const name of backends) {
        const problem = await startBackend(name, environment());
        if (problem) return { unavailable: `${name}: ${problem}` };
      }
      const { networkParity } = await import('../engine/backend/backendParity');
      return await networkParity(artifacts as tf.io.ModelArtifacts, backends);
    } finally {
      if (previous) await tf.setBackend(previous);
    }
  },
  async holdLifeLock(name) {
    await new Promise<void>((held, refused) => {
      navigator.locks.request(name, () => {
        held();
        return new Promise<never>(() => undefined);
      }).catch(refused);
    });
  },
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
  // AutoVP search: this worker is one of the search pool (src/client/search/pool.ts), a trial at a time.
  async trialStart(spec, onEvent) {
    if (!backend) throw new Error('The engine has not started: call init first.');
    await trialStart(spec, onEvent);
  },
  trialEpoch,
  trialEnd,
  trialStop,
  // Views of a run (views/storedViews.ts): a stored run's prompt pictures and mapping, misclassified images.
  runViews,
  misclassified,
};

Comlink.expose(afterBackendChosen(api, ['init', 'stop', 'injectFault', 'holdLifeLock']));
