/// <reference lib="webworker" />
/**
 * A helper thread of the engine worker: the linear-probing baseline of a run, computed while the
 * prompt trains. WASM threads barely speed up a training step of these models (BENCHMARKS.md), so
 * on a 2-core machine the second core would otherwise idle; here it extracts the frozen features
 * and fits the probes, and the baseline is ready when the prompt is. Its own tfjs instance, its
 * own copy of the model and the images.
 */
import * as Comlink from 'comlink';
import { type BackendName, startBackend } from '../engine/backend/selectBackend';
import type { BaselineSummary, TrainRequest } from './api/trainingApi';
import { computeBaseline } from './training/baseline';
import { appUrl, setBaseUrl } from './context';
import { getDataset } from './datasets/datasets';
import type { HubMirror } from '../engine/models/hubCache';
import { setHubMirror } from './models/modelCache';
import { getSourceModel } from './models/models';

export interface BaselineSetup {
  baseUrl: string;
  /** The engine worker's backend; wasm runs single-threaded here, beside the training thread. */
  backend: BackendName;
  hubMirror: HubMirror | null;
}

let stopped = false;

const api = {
  async run(request: TrainRequest, setup: BaselineSetup): Promise<BaselineSummary | null> {
    setBaseUrl(setup.baseUrl);
    setHubMirror(setup.hubMirror);
    const problem = await startBackend(setup.backend, {
      wasmPath: appUrl('generated/wasm/'),
      crossOriginIsolated: self.crossOriginIsolated,
      wasmThreadsSupported: false,
    });
    if (problem) throw new Error(`The baseline thread could not start ${setup.backend}: ${problem}`);
    const dataset = await getDataset(request.datasetId);
    const source = await getSourceModel(request.modelId, () => undefined, dataset.meta.classes);
    return computeBaseline(source, dataset, request, () => stopped);
  },
  stop(): void {
    stopped = true;
  },
};

export type BaselineWorkerApi = typeof api;

Comlink.expose(api);
