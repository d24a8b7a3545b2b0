/**
 * One browser measurement in a module worker, as the app's engine worker runs: the backend is
 * started by the engine's selectBackend, the model built by createSourceModel, and the step is
 * bench/lib/vpStep.ts.
 */
import * as tf from '@tensorflow/tfjs-core';
import { getThreadsCount, setThreadsCount } from '@tensorflow/tfjs-backend-wasm';
import { fmaKernelStatus, setFmaKernelsEnabled } from '../../src/engine/backend/fmaKernels';
import { selectBackend } from '../../src/engine/backend/selectBackend';
import { createSourceModel } from '../../src/engine/models/sourceModel';
import { BENCH_MODELS } from '../lib/models';
import { measureVpStep } from '../lib/vpStep';
import type { BrowserCase, WorkerMessage } from './protocol';

const post = (m: WorkerMessage): void => (self as unknown as Worker).postMessage(m);

async function artifacts(folder: string): Promise<tf.io.ModelArtifacts> {
  const base = new URL(`./${folder}/`, self.location.href.replace(/[^/]*$/, '../'));
  const json = (await (await fetch(new URL('model.json', base))).json()) as {
    modelTopology: object;
    format?: string;
    weightsManifest: tf.io.WeightsManifestConfig;
  };
  const shards = await Promise.all(
    json.weightsManifest.flatMap((g) => g.paths).map(async (p) => (await fetch(new URL(p, base))).arrayBuffer()),
  );
  const total = shards.reduce((n, s) => n + s.byteLength, 0);
  const weightData = new Uint8Array(total);
  shards.reduce((offset, s) => (weightData.set(new Uint8Array(s), offset), offset + s.byteLength), 0);
  return {
    modelTopology: json.modelTopology,
    format: json.format,
    weightSpecs: json.weightsManifest.flatMap((g) => g.weights),
    weightData: weightData.buffer,
  };
}

self.onmessage = async (e: MessageEvent<BrowserCase>) => {
  const c = e.data;
  try {
    const model = BENCH_MODELS[c.model];
    if (!model) throw new Error(`unknown model ${c.model}`);
    if (c.backend === 'wasm' && c.threads > 0) {
      // tfjs caps its pool at hardwareConcurrency / 2 (it assumes two hyperthreads per core), so
      // on a 2-vCPU machine threads run as 1. To measure n threads, the worker reports 2n.
      if (c.threads > Math.floor(navigator.hardwareConcurrency / 2)) {
        Object.defineProperty(navigator, 'hardwareConcurrency', { value: c.threads * 2, configurable: true });
      }
      setThreadsCount(c.threads);
    }
    const choice = await selectBackend(c.backend, {
      wasmPath: new URL('../wasm/', self.location.href.replace(/[^/]*$/, '')).href,
      crossOriginIsolated: self.crossOriginIsolated,
      wasmThreadsSupported: c.threads !== 0,
    });
    if (choice.name !== c.backend)
      throw new Error(`asked for ${c.backend}, selectBackend started ${choice.name}: ${choice.reason}`);
    const threads = choice.name === 'wasm' ? getThreadsCount() : 0;
    if (c.stockKernels) setFmaKernelsEnabled(false);
    const kernels = choice.name === 'wasm' ? (fmaKernelStatus().active ? 'fma' : 'stock') : undefined;
    post({
      kind: 'progress',
      text: `backend ${choice.name}${choice.name === 'wasm' ? ` (${threads} threads)` : ''}: ${choice.reason}`,
    });
    const t0 = performance.now();
    const source = createSourceModel(model.manifest, await artifacts(model.folder));
    const loadMs = performance.now() - t0;
    try {
      const result = await measureVpStep(source, {
        batch: c.batch,
        runs: c.runs,
        warmup: c.warmup,
        onProgress: (text) => post({ kind: 'progress', text }),
      });
      post({
        kind: 'result',
        result: {
          ...result,
          backend: choice.name,
          reason: choice.reason,
          threads,
          ...(kernels ? { kernels } : {}),
          simd: choice.name === 'wasm' ? Boolean(await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT')) : undefined,
          crossOriginIsolated: self.crossOriginIsolated,
          ...(choice.adapter ? { adapter: choice.adapter } : {}),
          loadMs,
        },
      });
    } finally {
      source.network.dispose();
    }
  } catch (err) {
    post({ kind: 'error', message: err instanceof Error ? `${err.message}\n${err.stack ?? ''}` : String(err) });
  }
};
