/**
 * Our wasm convolution kernels (src/engine/backend/fmaKernels.ts) against tfjs's stock XNNPACK
 * kernels, in one Node process, run by bench/run.ts (or alone):
 *
 *   node --import tsx --import ./bench/lib/nodeHooks.mjs bench/kernels.ts [--model darknet-tiny] [--batch 32] [--runs 5]
 *
 * 1. peak: the multiply-add throughput a wasm SIMD loop reaches here, with relaxed SIMD's FMA and
 *    with multiply then add (12 independent accumulators; kernels/kernels.c `peak`).
 * 2. ops: every convolution and matrix product of the model's forward pass and VP step, at their
 *    real shapes, stock then ours, interleaved; GFLOP/s and the largest difference relative to the
 *    stock result's largest magnitude.
 * 3. step: the model's forward and VP step, stock and ours interleaved (medians).
 *
 * Prints progress on stderr and one line "RESULT <json>" on stdout.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
import { setFlagsFromString } from 'node:v8';
import { installFmaKernels, setFmaKernelsEnabled } from '../src/engine/backend/fmaKernels';
import { KERNELS_FMA_WASM, KERNELS_PLAIN_WASM } from '../src/engine/backend/kernels/kernelsWasm';
import { createSourceModel } from '../src/engine/models/sourceModel';
import { artifactsFromFolder } from '../test/support/network/sharedModels';
import { BENCH_MODELS } from './lib/models';
import { nodeModelDir } from './lib/nodeModels';
import { vpWorkload } from './lib/vpStep';
import { timing } from './lib/stats';

setFlagsFromString('--experimental-wasm-relaxed-simd');

const arg = (name: string, fallback: string): string => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? (process.argv[i + 1] as string) : fallback;
};
const log = (s: string) => process.stderr.write(`  [kernels] ${s}\n`);

/** GFLOP/s of `peak(n)` in a build (best of 5). */
async function peak(b64: string): Promise<number> {
  const memory = new WebAssembly.Memory({ initial: 1 });
  const { instance } = await WebAssembly.instantiate(Buffer.from(b64, 'base64'), { env: { memory } });
  const run = instance.exports.peak as (n: number) => number;
  const n = 20_000_000;
  run(1000);
  let best = 0;
  for (let r = 0; r < 5; r++) {
    const t0 = performance.now();
    run(n);
    best = Math.max(best, (n * 96) / (performance.now() - t0) / 1e6);
  }
  return best;
}

/** One kernel call as the model makes it, rebuilt with random inputs of the same shapes. */
interface OpCase {
  kernel: string;
  shapes: number[][];
  flops: number;
  run: () => tf.Tensor;
}

/** The convolutions and matrix products of one forward pass and one VP step, by shape (once each). */
async function modelOps(f: () => tf.Tensor, g: () => tf.Tensor): Promise<{ kernel: string; inputShapes: number[][] }[]> {
  const seen = new Map<string, { kernel: string; inputShapes: number[][] }>();
  for (const work of [f, g]) {
    const info = await tf.profile(() => {
      const y = work();
      y.dataSync();
      return y;
    });
    tf.dispose(info.result);
    for (const k of info.kernels) {
      if (![tf.Conv2D, tf.FusedConv2D, tf.BatchMatMul, tf._FusedMatMul].includes(k.name)) continue;
      const inputShapes = k.inputShapes as number[][];
      seen.set(`${k.name} ${JSON.stringify(inputShapes)}`, { kernel: k.name, inputShapes });
    }
  }
  return [...seen.values()];
}

/** A random-input rebuild of a profiled call (the attributes profiling drops: same padding, stride 1, PReLU as the model's). */
function rebuild({ kernel, inputShapes }: { kernel: string; inputShapes: number[][] }): OpCase | null {
  const [xs, ws] = inputShapes as [number[], number[]];
  const x = tf.randomNormal(xs, 0, 1, 'float32', 1);
  const w = tf.randomNormal(ws, 0, 0.1, 'float32', 2);
  if (kernel === tf.Conv2D || kernel === tf.FusedConv2D) {
    const [b, h, wd] = xs as [number, number, number, number];
    const [kh, kw, ci, co] = ws as [number, number, number, number];
    const fused = kernel === tf.FusedConv2D;
    const bias = tf.randomNormal([co], 0, 0.1, 'float32', 3) as tf.Tensor1D;
    const slopes = tf.fill([co], 0.1) as tf.Tensor1D;
    const run = fused
      ? () => tf.fused.conv2d({ x: x as tf.Tensor4D, filter: w as tf.Tensor4D, bias, pad: 'same', strides: 1, activation: 'prelu', preluActivationWeights: slopes })
      : () => tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, 1, 'same');
    return { kernel, shapes: inputShapes, flops: 2 * b * h * wd * kh * kw * ci * co, run };
  }
  if (xs.length !== 3 || ws.length !== 3 || xs[2] !== ws[1]) return null;
  const [b, m, k] = xs as [number, number, number];
  const n = ws[2] as number;
  return { kernel, shapes: inputShapes, flops: 2 * b * m * k * n, run: () => tf.matMul(x, w) };
}

function timed(f: () => tf.Tensor): { ms: number; data: Float32Array } {
  const t0 = performance.now();
  const y = f();
  const data = y.dataSync() as Float32Array;
  const ms = performance.now() - t0;
  y.dispose();
  return { ms, data };
}

function relativeDifference(got: Float32Array, ref: Float32Array): number {
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < ref.length; i++) {
    diff = Math.max(diff, Math.abs((got[i] as number) - (ref[i] as number)));
    scale = Math.max(scale, Math.abs(ref[i] as number));
  }
  return scale > 0 ? diff / scale : diff;
}

/** Stock and ours, interleaved `runs` times after one warm-up each; medians. */
function abTimes(f: () => tf.Tensor, runs: number) {
  const stock: number[] = [];
  const ours: number[] = [];
  for (let r = -1; r < runs; r++) {
    setFmaKernelsEnabled(false);
    const s = timed(f).ms;
    setFmaKernelsEnabled(true);
    const o = timed(f).ms;
    if (r < 0) continue;
    stock.push(s);
    ours.push(o);
  }
  return { stock: timing(stock), ours: timing(ours) };
}

async function main(): Promise<void> {
  const id = arg('model', 'darknet-tiny');
  const batch = Number(arg('batch', '32'));
  const runs = Number(arg('runs', '5'));
  await tf.setBackend('wasm');
  await tf.ready();
  const status = await installFmaKernels(1);
  if (!status.active) throw new Error(`our kernels did not start: ${status.reason}`);

  const peakFma = await peak(KERNELS_FMA_WASM);
  const peakMulAdd = await peak(KERNELS_PLAIN_WASM);
  log(`peak: FMA ${peakFma.toFixed(1)} GFLOP/s, multiply then add ${peakMulAdd.toFixed(1)} GFLOP/s`);

  const source = createSourceModel(BENCH_MODELS[id]!.manifest, artifactsFromFolder(nodeModelDir(id)));
  // Learning rate 0: every timed step sees the same prompt.
  const { forward, step, dispose } = vpWorkload(source, batch, 0);

  const ops = [];
  for (const call of await modelOps(forward, step)) {
    const c = rebuild(call);
    if (!c) continue;
    setFmaKernelsEnabled(false);
    const ref = timed(c.run).data.slice();
    setFmaKernelsEnabled(true);
    const difference = relativeDifference(timed(c.run).data, ref);
    const t = abTimes(c.run, runs);
    const row = {
      kernel: c.kernel,
      shapes: c.shapes,
      flops: c.flops,
      stockMs: t.stock.median,
      oursMs: t.ours.median,
      stockGflops: c.flops / t.stock.median / 1e6,
      oursGflops: c.flops / t.ours.median / 1e6,
      relativeDifference: difference,
    };
    log(`${c.kernel} ${JSON.stringify(c.shapes)}: stock ${row.stockMs.toFixed(1)} ms, ours ${row.oursMs.toFixed(1)} ms, rel. diff ${difference.toExponential(1)}`);
    ops.push(row);
  }

  setFmaKernelsEnabled(false);
  const lossStock = timed(step).data[0] as number;
  setFmaKernelsEnabled(true);
  const lossOurs = timed(step).data[0] as number;
  const fw = abTimes(forward, runs);
  const st = abTimes(step, runs);
  log(`forward: stock ${fw.stock.median.toFixed(0)} ms, ours ${fw.ours.median.toFixed(0)} ms`);
  log(`VP step: stock ${st.stock.median.toFixed(0)} ms, ours ${st.ours.median.toFixed(0)} ms`);
  const result = {
    model: id,
    batch,
    runs,
    peakGflops: { fma: peakFma, mulAdd: peakMulAdd },
    ops,
    forward: fw,
    vpStep: st,
    loss: { stock: lossStock, ours: lossOurs },
  };
  process.stdout.write(`RESULT ${JSON.stringify(result)}\n`);
  dispose();
  source.network.dispose();
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(1);
});
