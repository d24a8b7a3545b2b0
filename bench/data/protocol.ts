/** What bench/dataScale.ts asks the data-scale page for, and what it gets back. */
export interface DataCase {
  /** The zip to import (ImageFolder layout) was put into the page's file input (a disk-backed File, as a user's pick). */
  name: string;
  /** Steps timed in the epoch (0 = the whole epoch). */
  maxSteps: number;
  batchSize: number;
}

export interface MemorySample {
  /** performance.memory.usedJSHeapSize of the page (bytes), null where absent. */
  pageHeap: number | null;
  /** measureUserAgentSpecificMemory: bytes attributed to the page (Window) and to workers. */
  uaPage: number | null;
  uaWorkers: number | null;
}

export interface PhaseResult {
  seconds: number;
  /** Peaks over the phase's samples. */
  peakPageHeap: number | null;
  peakUaPage: number | null;
  peakUaWorkers: number | null;
  /** performance.memory of the worker itself, where the browser has it there. */
  peakWorkerHeap: number | null;
}

export interface DataCaseResult {
  images: number;
  trainCount: number;
  channels: number;
  storedRawBytes: number;
  /** navigator.storage.estimate().usage after the import (the compressed images as IndexedDB stores them). */
  storageUsage: number | null;
  import: PhaseResult;
  load: { seconds: number };
  epoch: PhaseResult & { steps: number; stepsPerEpoch: number; epochSeconds: number; secondsPerStep: number; imagesFetched: number; dataEpochSeconds: number };
  /** Long tasks on the page's main thread from the case's start (import, load, epoch). */
  longTasks: {
    count: number;
    maxMs: number;
    api: boolean;
    starts: number[];
    /** The same, leaving out those that overlap the bench's own memory measurements. */
    outsideMeasurement: { count: number; maxMs: number };
  };
}

/** Messages of the bench worker. */
export type WorkerReply =
  | { type: 'heap'; bytes: number | null }
  | { type: 'done'; trainCount: number; channels: number; loadSeconds: number; steps: number; stepsPerEpoch: number; seconds: number; dataSeconds: number; imagesFetched: number }
  | { type: 'error'; message: string };
