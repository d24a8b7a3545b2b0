/**
 * The data-scale bench page (bench/dataScale.ts drives it): imports a zip through the app's own
 * import worker, then has a bench worker train one epoch on the stored dataset, while this thread
 * samples memory and watches itself for long tasks.
 */
import * as Comlink from 'comlink';
import type { ImportApi } from '../../src/worker/api/importApi';
import type { DataCase, DataCaseResult, MemorySample, PhaseResult, WorkerReply } from './protocol';

declare global {
  interface Window {
    dataScaleCase(c: DataCase): Promise<DataCaseResult>;
    dataScaleReady: boolean;
  }
}

const longTasks: { start: number; duration: number }[] = [];
let longTaskApi = true;
try {
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) longTasks.push({ start: e.startTime, duration: e.duration });
  }).observe({ type: 'longtask', buffered: true });
} catch {
  longTaskApi = false;
}

const log = document.getElementById('log') as HTMLElement;
const say = (text: string) => {
  console.log(text);
  log.textContent = `${text}\n${(log.textContent ?? '').slice(0, 2000)}`;
};

/** When this page ran measureUserAgentSpecificMemory (it collects garbage on this thread: a long task of the bench's own). */
const measuring: [number, number][] = [];

type UaMemory = { bytes: number; breakdown: { bytes: number; attribution: { scope?: string }[] }[] };

async function sample(): Promise<MemorySample> {
  const pageHeap = (performance as unknown as { memory?: { usedJSHeapSize: number } }).memory?.usedJSHeapSize ?? null;
  let uaPage: number | null = null;
  let uaWorkers: number | null = null;
  const measure = (performance as unknown as { measureUserAgentSpecificMemory?: () => Promise<UaMemory> }).measureUserAgentSpecificMemory;
  if (measure && crossOriginIsolated) {
    try {
      const from = performance.now();
      const m = await measure.call(performance);
      measuring.push([from, performance.now()]);
      uaPage = 0;
      uaWorkers = 0;
      for (const b of m.breakdown) {
        const scope = b.attribution[0]?.scope;
        if (scope === 'DedicatedWorkerGlobalScope') uaWorkers += b.bytes;
        else if (scope === 'Window') uaPage += b.bytes;
      }
    } catch {
      // not available: null
    }
  }
  return { pageHeap, uaPage, uaWorkers };
}

/** Samples memory every `ms` until stopped; returns the peaks. */
function sampler(ms: number) {
  const peaks = { pageHeap: null as number | null, uaPage: null as number | null, uaWorkers: null as number | null };
  const max = (a: number | null, b: number | null) => (b === null ? a : a === null ? b : Math.max(a, b));
  let on = true;
  const loop = (async () => {
    while (on) {
      const s = await sample();
      peaks.pageHeap = max(peaks.pageHeap, s.pageHeap);
      peaks.uaPage = max(peaks.uaPage, s.uaPage);
      peaks.uaWorkers = max(peaks.uaWorkers, s.uaWorkers);
      await new Promise((r) => setTimeout(r, ms));
    }
  })();
  return async () => {
    on = false;
    await loop;
    const s = await sample();
    return {
      peakPageHeap: max(peaks.pageHeap, s.pageHeap),
      peakUaPage: max(peaks.uaPage, s.uaPage),
      peakUaWorkers: max(peaks.uaWorkers, s.uaWorkers),
    };
  };
}

window.dataScaleCase = async (c: DataCase): Promise<DataCaseResult> => {
  const caseStart = performance.now();
  const file = (document.getElementById('zip') as HTMLInputElement).files?.[0];
  if (!file) throw new Error('no zip in the file input');

  // Import, through the app's import worker.
  const importWorker = new Worker(new URL('../../src/worker/importWorker.ts', import.meta.url), { type: 'module' });
  const api = Comlink.wrap<ImportApi>(importWorker);
  await api.cancel(); // the worker's modules loaded (and, on the dev server, compiled) before the clock starts
  let stop = sampler(1000);
  const t0 = performance.now();
  let lastSay = 0;
  const result = await api.importDataset(
    { kind: 'zip', name: c.name, file },
    { fit: 'stretch' },
    Comlink.proxy((p) => {
      if (performance.now() - lastSay > 5000) {
        lastSay = performance.now();
        say(`import ${p.phase} ${p.done}/${p.total}`);
      }
    }),
  );
  const importSeconds = (performance.now() - t0) / 1000;
  const importPeaks = await stop();
  importWorker.terminate();
  if (result.status !== 'imported') throw new Error(`import ${result.status}: ${JSON.stringify(result).slice(0, 500)}`);
  const info = result.dataset;
  const storageUsage = (await navigator.storage.estimate().catch(() => null))?.usage ?? null;
  say(`imported ${info.trainCount} + ${info.testCount} images in ${importSeconds.toFixed(1)} s`);

  // One epoch in a bench worker, on the stored dataset (read per batch).
  const worker = new Worker(new URL('./worker.ts', import.meta.url), { type: 'module' });
  let workerHeap: number | null = null;
  stop = sampler(2000);
  const done = await new Promise<Extract<WorkerReply, { type: 'done' }>>((resolve, reject) => {
    worker.onmessage = (e: MessageEvent<WorkerReply>) => {
      const m = e.data;
      if (m.type === 'heap') workerHeap = m.bytes === null ? workerHeap : Math.max(workerHeap ?? 0, m.bytes);
      else if (m.type === 'done') resolve(m);
      else reject(new Error(m.message));
    };
    worker.onerror = (e) => reject(new Error(e.message));
    worker.postMessage({ datasetId: info.id, maxSteps: c.maxSteps, batchSize: c.batchSize });
  });
  const epochPeaks = await stop();
  worker.terminate();
  await new Promise((r) => setTimeout(r, 100)); // long-task entries arrive a little late
  const tasks = longTasks.filter((t) => t.start >= caseStart);
  const phase = (seconds: number, p: Omit<PhaseResult, 'seconds' | 'peakWorkerHeap'>, w: number | null): PhaseResult => ({ seconds, ...p, peakWorkerHeap: w });
  return {
    images: info.trainCount + info.testCount,
    trainCount: done.trainCount,
    channels: done.channels,
    storedRawBytes: info.bytes,
    storageUsage,
    import: phase(importSeconds, importPeaks, null),
    load: { seconds: done.loadSeconds },
    epoch: {
      ...phase(done.seconds, epochPeaks, workerHeap),
      steps: done.steps,
      stepsPerEpoch: done.stepsPerEpoch,
      secondsPerStep: done.seconds / Math.max(1, done.steps),
      epochSeconds: (done.seconds / Math.max(1, done.steps)) * done.stepsPerEpoch,
      imagesFetched: done.imagesFetched,
      dataEpochSeconds: done.dataSeconds,
    },
    longTasks: {
      count: tasks.length,
      maxMs: tasks.reduce((a, t) => Math.max(a, t.duration), 0),
      api: longTaskApi,
      starts: tasks.map((t) => Math.round(t.start - caseStart)),
      ...(() => {
        const own = tasks.filter((t) => !measuring.some(([a, b]) => t.start < b && t.start + t.duration > a));
        return { outsideMeasurement: { count: own.length, maxMs: own.reduce((a, t) => Math.max(a, t.duration), 0) } };
      })(),
    },
  };
};
window.dataScaleReady = true;
say('ready');
