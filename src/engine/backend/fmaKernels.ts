/**
 * Our own kernels for tfjs's wasm backend (kernels/kernels.c): Conv2D, FusedConv2D, BatchMatMul and
 * _FusedMatMul computed with relaxed SIMD's fused multiply-add and blocked for the caches (tfjs
 * 4.22's XNNPACK binary has 128-bit SIMD but no FMA), and the max-pool gradient routed to each
 * window's first maximum in one pass (which tfjs ops take six).
 *
 * The kernels run inside tfjs's own memory (the module imports it), so tensors are read and written
 * in place. They replace the stock kernels only where they are measured faster: a single-threaded
 * wasm backend (XNNPACK spreads one convolution over all its threads; ours uses one) in a runtime
 * that has relaxed SIMD. Every other case, and every attribute they do not cover (NCHW, sigmoid or
 * ELU fused in, a transposed left operand, non-float inputs), goes to the stock kernel.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { KERNELS_FMA_SHARED_WASM, KERNELS_FMA_WASM, KERNELS_PLAIN_WASM } from './kernels/kernelsWasm';

/** Output channels per packed weight panel (NR in kernels.c). */
const NR = 8;
/** tfjs's FusableActivation values that kernels.c applies itself. */
const ACTIVATIONS: Record<string, number> = { linear: 0, relu: 1, relu6: 2, prelu: 3, leakyrelu: 4 };

interface OurKernels {
  pack_weights(w: number, taps: number, k: number, n: number, tapStride: number, kStride: number, nStride: number, out: number): void;
  pad_input(x: number, batch: number, h: number, w: number, c: number, top: number, left: number, hp: number, wp: number, out: number): void;
  conv2d(...args: number[]): void;
  max_pool_first_max_grad(...args: number[]): void;
}

/** What the emscripten module of tfjs's wasm backend exposes beyond its typings. */
interface EmscriptenHeap {
  HEAPF32: Float32Array;
  _malloc(bytes: number): number;
  _free(ptr: number): void;
  asm?: { memory?: WebAssembly.Memory };
  wasmMemory?: WebAssembly.Memory;
}

const decode = (b64: string): Uint8Array<ArrayBuffer> => Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));

/** Whether this runtime validates relaxed SIMD (Chromium ≥ 114; Node needs --experimental-wasm-relaxed-simd). */
export function hasRelaxedSimd(): boolean {
  return WebAssembly.validate(decode(KERNELS_FMA_WASM));
}

export type FmaKernelStatus = { active: true } | { active: false; reason: string };

let installed: FmaKernelStatus | null = null;
let enabled = true;
/** The emscripten module whose memory our instance imported: only its tensors are ours to touch. */
let ownHeap: unknown = null;

/** Whether the kernels are installed and switched on, or why not. */
export function fmaKernelStatus(): FmaKernelStatus {
  if (!installed) return { active: false, reason: 'not installed' };
  return installed.active && !enabled ? { active: false, reason: 'switched off' } : installed;
}

/** Turns the installed kernels off (stock kernels) and on again: for the probe, benchmarks and tests. */
export function setFmaKernelsEnabled(on: boolean): void {
  enabled = on;
}

/**
 * Registers our kernels over the wasm backend's (and the max-pool gradient beside them) when they
 * can help. Call after the wasm backend is initialised. Returns whether they are active and, if
 * not, why. Once per process: the first answer stands.
 */
export async function installFmaKernels(threads: number, options: InstallOptions = {}): Promise<FmaKernelStatus> {
  if (installed) return installed;
  const status = await install(threads, options);
  installed = status;
  return status;
}

interface InstallOptions {
  /** false: the same kernels with multiply then add instead of FMA (the benchmark's comparison; unshared memory only). */
  fused?: boolean;
}

async function install(threads: number, { fused = true }: InstallOptions): Promise<FmaKernelStatus> {
  if (threads > 1) return { active: false, reason: `tfjs runs ${threads} threads; these kernels use one` };
  if (!hasRelaxedSimd()) return { active: false, reason: 'this runtime has no relaxed SIMD' };
  const backend = tf.findBackend('wasm') as BackendWasm | null;
  if (!backend) return { active: false, reason: 'the wasm backend is not initialised' };
  const heap = backend.wasm as unknown as EmscriptenHeap;
  const memory = heap.wasmMemory ?? heap.asm?.memory;
  if (!memory) return { active: false, reason: "tfjs's wasm memory is not reachable" };
  const shared = typeof SharedArrayBuffer !== 'undefined' && memory.buffer instanceof SharedArrayBuffer;
  if (shared && !fused) return { active: false, reason: 'the multiply-then-add build is for unshared memory only' };
  const binary = !fused ? KERNELS_PLAIN_WASM : shared ? KERNELS_FMA_SHARED_WASM : KERNELS_FMA_WASM;
  const module = await WebAssembly.compile(decode(binary));
  const instance = await WebAssembly.instantiate(module, { env: { memory } });
  const lib = instance.exports as unknown as OurKernels;
  ownHeap = backend.wasm;
  const kernels: Record<string, (args: KernelArgs) => tf.TensorInfo | null> = {
    [tf.Conv2D]: (args) => convolve(lib, heap, args),
    [tf.FusedConv2D]: (args) => convolve(lib, heap, args),
    [tf.BatchMatMul]: (args) => multiply(lib, heap, args),
    [tf._FusedMatMul]: (args) => multiply(lib, heap, args),
  };
  tf.registerKernel({
    kernelName: FIRST_MAX_POOL_GRAD,
    backendName: 'wasm',
    kernelFunc: (args) => maxPoolGrad(lib, args),
  });
  for (const [name, kernel] of Object.entries(kernels)) {
    const stock = tf.getKernel(name, 'wasm');
    if (!stock) return { active: false, reason: `tfjs has no wasm ${name} to stand in for` };
    tf.unregisterKernel(name, 'wasm');
    // A wasm backend started afresh has a new memory that this instance does not see: stock kernels there.
    const ours = (args: KernelArgs) => enabled && (args.backend as BackendWasm).wasm === ownHeap && kernel(args);
    tf.registerKernel({ ...stock, kernelFunc: (args) => ours(args) || stock.kernelFunc(args) });
  }
  return { active: true };
}

type KernelArgs = Parameters<tf.KernelFunc>[0];

/** Our kernel for the max-pool gradient (tfjs has no first-maximum rule; see maxPoolFirstMax.ts). */
const FIRST_MAX_POOL_GRAD = 'AutovpFirstMaxPoolGrad';

interface PoolGradAttrs {
  size: readonly [number, number];
  strides: readonly [number, number];
  top: number;
  left: number;
}

/**
 * dx of y = maxPool(x) from dy, each window's gradient to its first maximum, on our wasm kernel;
 * null where it is not running (other backends, kernels off): the caller composes it from tfjs ops.
 */
export function firstMaxPoolGrad(
  dy: tf.Tensor4D,
  x: tf.Tensor4D,
  y: tf.Tensor4D,
  size: readonly [number, number],
  strides: readonly [number, number],
  padding: { top: number; left: number },
): tf.Tensor4D | null {
  if (!enabled || !installed?.active || tf.getBackend() !== 'wasm' || x.dtype !== 'float32') return null;
  if ((tf.backend() as BackendWasm).wasm !== ownHeap) return null;
  const attrs: PoolGradAttrs = { size, strides, top: padding.top, left: padding.left };
  return tf.engine().runKernel(FIRST_MAX_POOL_GRAD, { dy, x, y }, attrs as unknown as tf.NamedAttrMap) as tf.Tensor4D;
}

function maxPoolGrad(lib: OurKernels, { inputs, attrs, backend }: KernelArgs): tf.TensorInfo {
  const wasm = backend as BackendWasm;
  const { dy, x, y } = inputs as Record<'dy' | 'x' | 'y', tf.TensorInfo>;
  const { size, strides, top, left } = attrs as unknown as PoolGradAttrs;
  const [b, h, w, c] = x.shape as [number, number, number, number];
  const [, oh, ow] = y.shape as [number, number, number, number];
  const out = wasm.makeOutput(x.shape, 'float32');
  const [dyAt, xAt, yAt, outAt] = [dy, x, y, out].map((t) => offsetOf(wasm, t)) as [number, number, number, number];
  lib.max_pool_first_max_grad(xAt, yAt, dyAt, b, h, w, c, size[0], size[1], strides[0], strides[1], top, left, oh, ow, outAt);
  return out;
}

const offsetOf = (backend: BackendWasm, t: tf.TensorInfo): number => backend.dataIdMap.get(t.dataId)!.memoryOffset;

/** The convolution on kernels.c, or null when its attributes are not covered (stock kernel then). */
function convolve(lib: OurKernels, heap: EmscriptenHeap, { inputs, attrs, backend }: KernelArgs): tf.TensorInfo | null {
  const wasm = backend as BackendWasm;
  const { x, filter, bias, preluActivationWeights: slopes } = inputs as Partial<Record<string, tf.TensorInfo>> & {
    x: tf.TensorInfo;
    filter: tf.TensorInfo;
  };
  const a = attrs as unknown as tf.FusedConv2DAttrs;
  const act = ACTIVATIONS[a.activation ?? 'linear'];
  if (act === undefined || a.dataFormat === 'NCHW' || !floats(x, filter, bias, slopes)) return null;
  const info = tf.backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number],
    filter.shape as [number, number, number, number],
    a.strides,
    a.dilations,
    a.pad,
    a.dimRoundingMode,
  );
  const { filterHeight: fh, filterWidth: fw, inChannels: inC, outChannels: outC, batchSize: batch } = info;
  if (!perChannel(bias, outC) || !perChannel(slopes, outC) || (act === PRELU) !== Boolean(slopes)) return null;
  const out = wasm.makeOutput(info.outShape, 'float32');
  if (info.outShape.some((d) => d === 0)) return out;
  // The input as the kernel reads it: zero-padded so that every tap of every output pixel is inside.
  const { top, left } = info.padInfo;
  const hp = Math.max(info.inHeight + top, (info.outHeight - 1) * info.strideHeight + (fh - 1) * info.dilationHeight + 1);
  const wp = Math.max(info.inWidth + left, (info.outWidth - 1) * info.strideWidth + (fw - 1) * info.dilationWidth + 1);
  const padInput = top > 0 || left > 0 || hp > info.inHeight || wp > info.inWidth;
  const panels = Math.ceil(outC / NR);
  const packedBytes = panels * fh * fw * inC * NR * 4;
  const vectorBytes = panels * NR * 4;
  const spansBytes = 3 * fh * fw * 4;
  const scratch = heap._malloc(packedBytes + 2 * vectorBytes + spansBytes + (padInput ? batch * hp * wp * inC * 4 : 0));
  try {
    lib.pack_weights(offsetOf(wasm, filter), fh * fw, inC, outC, inC * outC, outC, 1, scratch);
    const biasPtr = bias ? padded(heap, offsetOf(wasm, bias), outC, scratch + packedBytes) : 0;
    const slopesPtr = slopes ? padded(heap, offsetOf(wasm, slopes), outC, scratch + packedBytes + vectorBytes) : 0;
    let input = offsetOf(wasm, x);
    if (padInput) {
      const to = scratch + packedBytes + 2 * vectorBytes + spansBytes;
      lib.pad_input(input, batch, info.inHeight, info.inWidth, inC, top, left, hp, wp, to);
      input = to;
    }
    lib.conv2d(
      input,
      batch,
      padInput ? hp : info.inHeight,
      padInput ? wp : info.inWidth,
      inC,
      scratch,
      biasPtr,
      slopesPtr,
      outC,
      fh,
      fw,
      info.strideHeight,
      info.strideWidth,
      info.dilationHeight,
      info.dilationWidth,
      info.outHeight,
      info.outWidth,
      act,
      a.leakyreluAlpha ?? 0,
      scratch + packedBytes + 2 * vectorBytes,
      offsetOf(wasm, out),
    );
  } finally {
    heap._free(scratch);
  }
  return out;
}

const PRELU = ACTIVATIONS.prelu;

/** Absent, or one value per output channel. */
const perChannel = (t: tf.TensorInfo | undefined, n: number): boolean => !t || (t.shape.length === 1 && t.shape[0] === n);

const floats = (...ts: (tf.TensorInfo | undefined)[]): boolean => ts.every((t) => !t || t.dtype === 'float32');

/**
 * a·b (+ bias, activation) as a 1×1 convolution over the rows of a, when b is one matrix shared by
 * every batch of a and a is not transposed (the engine's Dense layers, 1×1 convolutions and their
 * input gradients); otherwise null.
 */
function multiply(lib: OurKernels, heap: EmscriptenHeap, { inputs, attrs, backend }: KernelArgs): tf.TensorInfo | null {
  const wasm = backend as BackendWasm;
  const { a, b, bias, preluActivationWeights: slopes } = inputs as Partial<Record<string, tf.TensorInfo>> & {
    a: tf.TensorInfo;
    b: tf.TensorInfo;
  };
  const { transposeA, transposeB, activation, leakyreluAlpha } = attrs as unknown as tf._FusedMatMulAttrs;
  const act = ACTIVATIONS[activation ?? 'linear'];
  const shared = b.shape.length === 2 || (b.shape.length === 3 && b.shape[0] === 1);
  if (act === undefined || transposeA || !shared || a.shape.length < 2 || !floats(a, b, bias, slopes)) return null;
  const k = a.shape.at(-1)!;
  const n = transposeB ? b.shape.at(-2)! : b.shape.at(-1)!;
  if ((transposeB ? b.shape.at(-1) : b.shape.at(-2)) !== k) return null;
  if (!perChannel(bias, n) || !perChannel(slopes, n) || (act === PRELU) !== Boolean(slopes)) return null;
  const rows = a.shape.slice(0, -1).reduce((p, d) => p * d, 1);
  const out = wasm.makeOutput([...a.shape.slice(0, -1), n], 'float32');
  if (rows === 0 || n === 0) return out;
  const panels = Math.ceil(n / NR);
  const packedBytes = panels * k * NR * 4;
  const vectorBytes = panels * NR * 4;
  const scratch = heap._malloc(packedBytes + 2 * vectorBytes + 3 * 4);
  try {
    lib.pack_weights(offsetOf(wasm, b), 1, k, n, 0, transposeB ? 1 : n, transposeB ? k : 1, scratch);
    const biasPtr = bias ? padded(heap, offsetOf(wasm, bias), n, scratch + packedBytes) : 0;
    const slopesPtr = slopes ? padded(heap, offsetOf(wasm, slopes), n, scratch + packedBytes + vectorBytes) : 0;
    const [alpha, spans, outPtr] = [leakyreluAlpha ?? 0, scratch + packedBytes + 2 * vectorBytes, offsetOf(wasm, out)];
    lib.conv2d(offsetOf(wasm, a), 1, 1, rows, k, scratch, biasPtr, slopesPtr, n, 1, 1, 1, 1, 1, 1, 1, rows, act, alpha, spans, outPtr);
  } finally {
    heap._free(scratch);
  }
  return out;
}

/** A per-channel vector (bias, PReLU slopes) copied to `to`, zero-padded to whole panels; returns `to`. */
function padded(heap: EmscriptenHeap, from: number, n: number, to: number): number {
  // HEAPF32 is read after malloc, which may have grown (and so replaced) the heap.
  const f32 = heap.HEAPF32;
  f32.fill(0, to / 4, to / 4 + Math.ceil(n / NR) * NR);
  f32.copyWithin(to / 4, from / 4, from / 4 + n);
  return to;
}
