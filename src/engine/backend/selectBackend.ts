import * as tf from '@tensorflow/tfjs-core';
import { fmaKernelStatus, installFmaKernels, setFmaKernelsEnabled } from './fmaKernels';
import { probeBackend } from './probeBackend';

export type BackendName = 'webgpu' | 'wasm' | 'webgl' | 'cpu';
export type BackendPreference = 'auto' | BackendName;

/** One backend tried while choosing: whether it passed its probe, and why not. */
export interface BackendAttempt {
  name: BackendName;
  ok: boolean;
  /** Why it was passed over or rejected; empty for the one chosen. */
  detail: string;
}

export interface BackendChoice {
  name: BackendName;
  /** Why this backend runs, in words for the UI. */
  reason: string;
  /** Every backend considered, in order, with the outcome of each. */
  attempts: BackendAttempt[];
  /** wasm: whether multi-threading is on. */
  threads?: boolean;
  /** webgpu: the adapter found. */
  adapter?: { vendor: string; architecture: string; isFallback: boolean };
}

/** The bits of WebGPU we look at (TypeScript's libs do not declare navigator.gpu yet). */
interface GpuAdapterLike {
  isFallbackAdapter?: boolean;
  info?: { vendor?: string; architecture?: string };
}
interface NavigatorWithGpu {
  gpu?: { requestAdapter(options?: { powerPreference?: string }): Promise<GpuAdapterLike | null> };
}

export interface BackendEnvironment {
  /** URL prefix the wasm binaries are served from (the app serves them itself, no CDN). */
  wasmPath: string;
  /** Whether SharedArrayBuffer threads are allowed (cross-origin isolation). */
  crossOriginIsolated: boolean;
  /** Whether threaded wasm is allowed in this build (see vite.config.ts). */
  wasmThreadsSupported: boolean;
}

async function probeGpuAdapter(): Promise<BackendChoice['adapter'] | null> {
  const gpu = (globalThis.navigator as NavigatorWithGpu | undefined)?.gpu;
  if (!gpu) return null;
  try {
    const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
    if (!adapter) return null;
    const architecture = adapter.info?.architecture ?? '';
    return {
      vendor: adapter.info?.vendor ?? 'unknown',
      architecture: architecture || 'unknown',
      // SwiftShader is a CPU emulation of a GPU even where the flag is not set.
      isFallback: Boolean(adapter.isFallbackAdapter) || /swiftshader/i.test(architecture),
    };
  } catch {
    return null;
  }
}

const firstLine = (e: unknown) => (e instanceof Error ? e.message : String(e)).split('\n')[0]!.slice(0, 240);

/**
 * Runs `work`, collecting what it logs with console.warn: tfjs reports why a backend failed to
 * initialise only there (setBackend itself just returns false).
 */
async function collectWarnings<T>(work: () => Promise<T>): Promise<{ result: T; warnings: string[] }> {
  const warnings: string[] = [];
  const warn = console.warn;
  console.warn = (...args: unknown[]) => {
    warnings.push(firstLine(args.find((a) => a instanceof Error) ?? args.join(' ')));
    warn(...args);
  };
  try {
    return { result: await work(), warnings };
  } finally {
    console.warn = warn;
  }
}

/** Registers `name`'s module (each is loaded only when tried). */
async function register(name: BackendName, env: BackendEnvironment): Promise<void> {
  switch (name) {
    case 'webgpu':
      await import('@tensorflow/tfjs-backend-webgpu');
      return;
    case 'wasm': {
      const wasm = await import('@tensorflow/tfjs-backend-wasm');
      wasm.setWasmPaths(env.wasmPath);
      tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', env.crossOriginIsolated && env.wasmThreadsSupported);
      return;
    }
    case 'webgl':
      await import('@tensorflow/tfjs-backend-webgl');
      return;
    case 'cpu':
      await import('@tensorflow/tfjs-backend-cpu');
      return;
  }
}

/**
 * Starts `name` and runs the probe on it (real kernels compiled and run, results checked), so a
 * backend that registers but cannot compute (a WebGL whose shaders do not compile, a wasm binary
 * that does not load) is rejected here rather than at the first training step. Returns null when
 * it works, else why not.
 */
export async function startBackend(name: BackendName, env: BackendEnvironment): Promise<string | null> {
  try {
    await register(name, env);
    const { result: ok, warnings } = await collectWarnings(() => tf.setBackend(name));
    if (!ok) return `it did not initialise in this browser${warnings.length ? `: ${warnings.at(-1)}` : ''}`;
    await tf.ready();
    if (tf.getBackend() !== name) return `TensorFlow.js fell back to ${tf.getBackend()}`;
    const problem = await probeBackend();
    if (problem || name !== 'wasm') return problem;
    await startFmaKernels();
    return null;
  } catch (e) {
    return firstLine(e);
  }
}

/**
 * Our FMA convolution kernels over tfjs's, where they help (see fmaKernels.ts), probed like the
 * backend itself: if they compute wrongly here, the stock kernels stay.
 */
async function startFmaKernels(): Promise<void> {
  const { getThreadsCount } = await import('@tensorflow/tfjs-backend-wasm');
  const status = await installFmaKernels(getThreadsCount());
  if (status.active && (await probeBackend()) !== null) setFmaKernelsEnabled(false);
}

function wasmThreads(env: BackendEnvironment): boolean {
  return Boolean(tf.env().getBool('WASM_HAS_MULTITHREAD_SUPPORT')) && env.crossOriginIsolated;
}

/**
 * Pick the backend by capability and speed: WebGPU on a real GPU adapter; on a software adapter
 * or none, WASM (about 30× faster than emulated WebGPU on a CPU); then WebGL; then plain JS.
 * Each candidate must pass a real probe before it is taken. A user preference is honoured when it
 * passes, otherwise the automatic order takes over and the reason says so. `exclude` names
 * backends that already failed in this session (at first real use) and are not tried again.
 */
export async function selectBackend(
  preference: BackendPreference,
  env: BackendEnvironment,
  exclude: readonly BackendName[] = [],
): Promise<BackendChoice> {
  const adapter = await probeGpuAdapter();
  const attempts: BackendAttempt[] = exclude.map((name) => ({
    name,
    ok: false,
    detail: 'failed earlier in this session at first real use',
  }));
  const choose = (name: BackendName, reason: string): BackendChoice => {
    attempts.push({ name, ok: true, detail: '' });
    const threads = name === 'wasm' ? wasmThreads(env) : undefined;
    const fma = fmaKernelStatus().active ? ', convolutions on our FMA kernels' : '';
    const detail = name === 'wasm' ? ` WASM ${threads ? 'with threads' : 'single-threaded'} + SIMD${fma}.` : '';
    return {
      name,
      reason: reason + detail,
      attempts,
      ...(threads !== undefined ? { threads } : {}),
      ...(adapter ? { adapter } : {}),
    };
  };
  const tryStart = async (name: BackendName): Promise<boolean> => {
    if (exclude.includes(name)) return false;
    const problem = await startBackend(name, env);
    if (problem) attempts.push({ name, ok: false, detail: problem });
    return problem === null;
  };

  if (preference !== 'auto' && (await tryStart(preference))) return choose(preference, 'Chosen by you.');
  const prefix = preference !== 'auto' ? `${preference} could not start here. ` : '';

  if (adapter && !adapter.isFallback) {
    if (await tryStart('webgpu')) {
      return choose('webgpu', `${prefix}A hardware GPU adapter is available (${adapter.vendor} ${adapter.architecture}).`);
    }
  } else if (preference !== 'webgpu') {
    attempts.push({
      name: 'webgpu',
      ok: false,
      detail: adapter
        ? `only a software adapter (${adapter.architecture}), far slower than WASM on this CPU`
        : 'no WebGPU adapter in this browser',
    });
  }
  const why = adapter?.isFallback
    ? `The only WebGPU adapter is a software one (${adapter.architecture}), which is far slower than WASM on this CPU.`
    : adapter
      ? 'WebGPU could not start.'
      : 'No WebGPU adapter is available.';
  if (preference !== 'wasm' && (await tryStart('wasm'))) return choose('wasm', `${prefix}${why}`);
  const failure = (name: BackendName) => attempts.find((a) => a.name === name && !a.ok)?.detail ?? 'not tried';
  if (preference !== 'webgl' && (await tryStart('webgl'))) {
    return choose('webgl', `${prefix}${why} WASM could not start (${failure('wasm')}); WebGL is the next fastest.`);
  }
  if (preference !== 'cpu' && (await tryStart('cpu'))) {
    return choose(
      'cpu',
      `${prefix}${why} Neither WASM (${failure('wasm')}) nor WebGL (${failure('webgl')}) could start; plain JavaScript is slow.`,
    );
  }
  throw new Error(
    `No TensorFlow.js backend could start in this browser: ${attempts.map((a) => `${a.name}: ${a.detail}`).join('; ')}.`,
  );
}
