/**
 * Frozen-network speed on the wasm backend in Node, on darknet-tiny (../shared/models/darknet-tiny),
 * 224×224: forward vs forward + input gradient (the bulk of a visual-prompting step).
 *
 *   npx tsx bench/network-node.ts [--batch 32] [--runs 5] [--profile] [--compare-backprop]
 *
 * --profile           where the step's time goes, per tfjs kernel
 * --compare-backprop  each conv layer's input gradient as this executor computes it (a forward
 *                     convolution with the flipped kernel) against tfjs's Conv2DBackpropInput,
 *                     at batch 8
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
// Registers tfjs's gradient functions (tfjs-core's Node bundle does not).
import '@tensorflow/tfjs-layers';
import { buildFrozenNetwork } from '../src/engine/network';
import { conv2dInputGrad, phaseBackwardKernel } from '../src/engine/network/ops/convInputGrad';
import { artifactsFromFolder, darknetTinyDir, hasDarknetTiny } from '../test/support/network/sharedModels';
import type { FrozenNetwork } from '../src/engine/network';

const LOGITS = 'global_average_pooling2d_1';

function flag(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
}

function msOf(f: () => tf.Tensor): number {
  const t0 = performance.now();
  const y = f();
  y.dataSync();
  y.dispose();
  return performance.now() - t0;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

function workload(
  network: FrozenNetwork,
  batch: number,
): { forward: () => tf.Tensor; step: () => tf.Tensor; dispose: () => void } {
  const x = tf.randomUniform([batch, 224, 224, 3], 0, 1, 'float32', 1) as tf.Tensor4D;
  const w = tf.randomNormal([batch, 1000], 0, 1, 'float32', 2);
  const grad = tf.grad((input: tf.Tensor) =>
    tf.sum(tf.mul(network.apply(input as tf.Tensor4D, [LOGITS])[0] as tf.Tensor, w)),
  );
  return {
    forward: () => network.apply(x, [LOGITS])[0] as tf.Tensor,
    step: () => grad(x),
    dispose: () => tf.dispose([x, w]),
  };
}

async function perKernel(f: () => tf.Tensor): Promise<[string, number][]> {
  const info = await tf.profile(() => {
    const y = f();
    y.dataSync();
    return y;
  });
  tf.dispose(info.result);
  const total = new Map<string, number>();
  // Custom-gradient ops show up as unnamed scopes that contain their own kernels.
  for (const k of info.kernels)
    if (k.name !== 'unnamed scope') total.set(k.name, (total.get(k.name) ?? 0) + (k.kernelTimeMs as number));
  return [...total].sort((a, b) => b[1] - a[1]);
}

/** The step's backward conv2d calls, replayed both ways with the same shapes. */
async function compareBackprop(network: FrozenNetwork): Promise<void> {
  const { step, dispose } = workload(network, 8);
  const info = await tf.profile(() => {
    const y = step();
    y.dataSync();
    return y;
  });
  tf.dispose(info.result);
  dispose();
  console.log('\nconv input gradients at batch 8 (ms): forward conv with flipped kernel | Conv2DBackpropInput');
  let [ours, theirs] = [0, 0];
  for (const k of info.kernels.filter((k) => k.name === 'Conv2D')) {
    const [dyShape, flipped] = k.inputShapes as [[number, number, number, number], [number, number, number, number]];
    const [kh, kw, outC, inC] = flipped;
    const dy = tf.randomNormal(dyShape) as tf.Tensor4D;
    const kernel = tf.randomNormal([kh, kw, inC, outC]) as tf.Tensor4D;
    const backward = phaseBackwardKernel(kernel, [0, 0], [1, 1], false) as tf.Tensor4D;
    const xShape: [number, number, number, number] = [dyShape[0], dyShape[1], dyShape[2], inC];
    const geometry = tf.backend_util.computeConv2DInfo(xShape, [kh, kw, inC, outC], 1, 1, 'same');
    const mine = Math.min(...[0, 1, 2].map(() => msOf(() => conv2dInputGrad(dy, () => backward, geometry))));
    const tfjs = Math.min(...[0, 1].map(() => msOf(() => tf.conv2dTranspose(dy, kernel, xShape, 1, 'same'))));
    console.log(
      `  ${kh}×${kw} ${outC}→${inC} on ${dyShape[1]}×${dyShape[2]}: ${mine.toFixed(0).padStart(5)} | ${tfjs.toFixed(0).padStart(6)}`,
    );
    ours += mine;
    theirs += tfjs;
    tf.dispose([dy, kernel, backward]);
  }
  console.log(`  total: ${ours.toFixed(0)} | ${theirs.toFixed(0)} (${(theirs / ours).toFixed(1)}× slower)`);
}

async function main(): Promise<void> {
  if (!hasDarknetTiny()) {
    console.log(`darknet-tiny not found in ${darknetTinyDir()}; nothing to benchmark.`);
    return;
  }
  await tf.setBackend('wasm');
  const batch = flag('batch', 32);
  const runs = flag('runs', 5);
  const network = buildFrozenNetwork(artifactsFromFolder(darknetTinyDir()));
  const { forward, step, dispose } = workload(network, batch);
  msOf(forward);
  msOf(step);
  // Interleaved, so load from other processes hits both alike.
  const [forwardMs, stepMs]: [number[], number[]] = [[], []];
  for (let i = 0; i < runs; i++) {
    forwardMs.push(msOf(forward));
    stepMs.push(msOf(step));
  }
  console.log(
    `darknet-tiny, wasm (${tf.env().getBool('WASM_HAS_SIMD_SUPPORT') ? 'SIMD' : 'no SIMD'}), batch ${batch}, 224×224, ${runs} runs`,
  );
  console.log(
    `forward            median ${median(forwardMs).toFixed(0)} ms, best ${Math.min(...forwardMs).toFixed(0)} ms`,
  );
  console.log(`forward + grad(x)  median ${median(stepMs).toFixed(0)} ms, best ${Math.min(...stepMs).toFixed(0)} ms`);
  console.log(
    `ratio              median ${(median(stepMs) / median(forwardMs)).toFixed(2)}, best ${(Math.min(...stepMs) / Math.min(...forwardMs)).toFixed(2)}`,
  );

  if (process.argv.includes('--profile')) {
    const total = (rows: [string, number][]): number => rows.reduce((sum, [, ms]) => sum + ms, 0);
    const forwardKernels = await perKernel(forward);
    const stepKernels = await perKernel(step);
    console.log(
      `\nkernel time: forward ${total(forwardKernels).toFixed(0)} ms, step ${total(stepKernels).toFixed(0)} ms, ratio ${(total(stepKernels) / total(forwardKernels)).toFixed(2)}`,
    );
    console.log('step time per kernel (ms):');
    for (const [name, ms] of stepKernels.slice(0, 12)) console.log(`  ${name.padEnd(20)} ${ms.toFixed(0)}`);
  }
  dispose();
  if (process.argv.includes('--compare-backprop')) await compareBackprop(network);
  network.dispose();
}

void main();
