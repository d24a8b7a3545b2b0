import type { StepResult } from '../lib/vpStep';

/** One browser measurement: a model on a backend, in a fresh module worker. */
export interface BrowserCase {
  model: string;
  backend: 'wasm' | 'webgl' | 'webgpu' | 'cpu';
  /**
   * wasm: 0 = no threads (the single-threaded binary); -1 = threads, as many as tfjs picks by
   * default (tfjs caps it at hardwareConcurrency / 2: 1 on 2 vCPUs); n > 0 = threads,
   * setThreadsCount(n), lifting that cap for the worker if needed. Threads also need
   * cross-origin isolation.
   */
  threads: number;
  /** wasm: keep tfjs's own convolution kernels even where the app would run ours (FMA). */
  stockKernels?: boolean;
  batch: number;
  runs: number;
  warmup: number;
}

export interface BrowserCaseResult extends StepResult {
  /** What selectBackend (the app's own code) said and chose. */
  backend: string;
  reason: string;
  threads: number;
  simd: boolean | undefined;
  /** wasm: whose convolution kernels ran. */
  kernels?: 'stock' | 'fma';
  crossOriginIsolated: boolean;
  adapter?: { vendor: string; architecture: string; isFallback: boolean };
  /** Main-thread long tasks (ms) observed while this case ran. */
  longTasksMs: number[];
  /** The slowest main-thread frame gap while this case ran (requestAnimationFrame), ms. */
  worstFrameGapMs: number;
  loadMs: number;
}

export type WorkerMessage =
  | { kind: 'progress'; text: string }
  | { kind: 'result'; result: Omit<BrowserCaseResult, 'longTasksMs' | 'worstFrameGapMs'> }
  | { kind: 'error'; message: string };
