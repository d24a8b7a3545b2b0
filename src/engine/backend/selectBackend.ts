import * as tf from '@tensorflow/tfjs-core';

export type BackendName = 'webgpu' | 'wasm' | 'webgl' | 'cpu';
export type BackendPreference = 'auto' | BackendName;

export interface BackendChoice {
  name: BackendName;
  /** Why this backend runs, in words for the UI. */
  reason: string;
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
  /**
   * Whether threaded wasm is allowed in this build. The pthread worker of tfjs's threaded wasm
   * breaks under minification, so a minified build passes false (see vite.config.ts).
   */
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

async function activate(name: BackendName, env: BackendEnvironment): Promise<boolean> {
  try {
    switch (name) {
      case 'webgpu':
        await import('@tensorflow/tfjs-backend-webgpu');
        break;
      case 'wasm': {
        const wasm = await import('@tensorflow/tfjs-backend-wasm');
        wasm.setWasmPaths(env.wasmPath);
        tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', env.crossOriginIsolated && env.wasmThreadsSupported);
        break;
      }
      case 'webgl':
        await import('@tensorflow/tfjs-backend-webgl');
        break;
      case 'cpu':
        await import('@tensorflow/tfjs-backend-cpu');
        break;
    }
    const ok = await tf.setBackend(name);
    if (ok) await tf.ready();
    return ok && tf.getBackend() === name;
  } catch {
    return false;
  }
}

function wasmThreads(env: BackendEnvironment): boolean {
  return Boolean(tf.env().getBool('WASM_HAS_MULTITHREAD_SUPPORT')) && env.crossOriginIsolated;
}

/**
 * Pick the backend by capability and speed: WebGPU on a real GPU adapter; on a software adapter
 * or none, WASM (about 30× faster than emulated WebGPU on a CPU); then WebGL; then plain JS.
 * A user preference is honoured when it can start, otherwise the automatic order takes over and
 * the reason says so.
 */
export async function selectBackend(preference: BackendPreference, env: BackendEnvironment): Promise<BackendChoice> {
  const adapter = await probeGpuAdapter();
  const withWasmDetail = (reason: string): BackendChoice => ({
    name: 'wasm',
    reason: `${reason} WASM ${wasmThreads(env) ? 'with threads' : 'single-threaded'} + SIMD.`,
    threads: wasmThreads(env),
    ...(adapter ? { adapter } : {}),
  });

  if (preference !== 'auto' && (await activate(preference, env))) {
    if (preference === 'wasm') return withWasmDetail('Chosen by you.');
    return { name: preference, reason: 'Chosen by you.', ...(adapter ? { adapter } : {}) };
  }
  const prefix = preference !== 'auto' ? `${preference} could not start here. ` : '';

  if (adapter && !adapter.isFallback && (await activate('webgpu', env))) {
    return {
      name: 'webgpu',
      reason: `${prefix}A hardware GPU adapter is available (${adapter.vendor} ${adapter.architecture}).`,
      adapter,
    };
  }
  const why = adapter
    ? `The only WebGPU adapter is a software one (${adapter.architecture}), which is far slower than WASM on this CPU.`
    : 'No WebGPU adapter is available.';
  if (await activate('wasm', env)) return withWasmDetail(`${prefix}${why}`);
  if (await activate('webgl', env)) {
    return { name: 'webgl', reason: `${prefix}${why} WASM could not start; WebGL is the next fastest.` };
  }
  if (await activate('cpu', env)) {
    return { name: 'cpu', reason: `${prefix}${why} Neither WASM nor WebGL could start; plain JavaScript is slow.` };
  }
  throw new Error('No TensorFlow.js backend could start in this browser.');
}
