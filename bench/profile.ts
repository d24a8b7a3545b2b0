/**
 * Where the VP step's time goes, per tfjs kernel, next to the forward pass (Node, wasm):
 *
 *   node --import tsx --import ./bench/lib/nodeHooks.mjs bench/profile.ts [--model darknet-tiny] [--batch 32] [--backend wasm]
 *       [--top 25] [--detail [--min-ms 5]]
 *
 * --kernels stock | fma (our convolution kernels, see bench/node.ts)
 * --top     kernels listed (by step time)
 * --detail  every kernel call of at least --min-ms ms, with its shapes
 *
 * Kernel times are summed over one step after a warm-up; the step is the trainer's (see lib/vpStep.ts).
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { setFlagsFromString } from 'node:v8';
import { installFmaKernels } from '../src/engine/backend/fmaKernels';
import { createSourceModel } from '../src/engine/models/sourceModel';
import { artifactsFromFolder } from '../test/support/network/sharedModels';
import { BENCH_MODELS } from './lib/models';
import { vpWorkload } from './lib/vpStep';
import { nodeModelDir } from './lib/nodeModels';

const arg = (name: string, fallback: string): string => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? (process.argv[i + 1] as string) : fallback;
};

const detail = process.argv.includes('--detail');

async function kernels(f: () => tf.Tensor): Promise<{ rows: [string, number, number][]; total: number; wall: number }> {
  const t0 = performance.now();
  const info = await tf.profile(() => {
    const y = f();
    y.dataSync();
    return y;
  });
  const wall = performance.now() - t0;
  tf.dispose(info.result);
  if (detail) {
    for (const k of info.kernels) {
      if ((k.kernelTimeMs as number) < Number(arg('min-ms', '5'))) continue;
      console.log(
        `    ${k.name.padEnd(16)} ${(k.kernelTimeMs as number).toFixed(1).padStart(7)}  ${JSON.stringify(k.inputShapes)} → ${JSON.stringify(k.outputShapes)}`,
      );
    }
  }
  const byName = new Map<string, [number, number]>();
  for (const k of info.kernels) {
    if (k.name === 'unnamed scope') continue;
    const [ms, n] = byName.get(k.name) ?? [0, 0];
    byName.set(k.name, [ms + (k.kernelTimeMs as number), n + 1]);
  }
  const rows = [...byName]
    .map(([name, [ms, n]]): [string, number, number] => [name, ms, n])
    .sort((a, b) => b[1] - a[1]);
  return { rows, total: rows.reduce((s, r) => s + r[1], 0), wall };
}

async function main(): Promise<void> {
  const id = arg('model', 'darknet-tiny');
  const batch = Number(arg('batch', '32'));
  await tf.setBackend(arg('backend', 'wasm'));
  if (arg('kernels', 'stock') !== 'stock') {
    setFlagsFromString('--experimental-wasm-relaxed-simd');
    await tf.ready();
    console.log('our kernels:', await installFmaKernels(1, { fused: arg('kernels', 'fma') === 'fma' }));
  }
  const source = createSourceModel(BENCH_MODELS[id]!.manifest, artifactsFromFolder(nodeModelDir(id)));
  const { forward, step, dispose } = vpWorkload(source, batch, 1e-3);
  for (let i = 0; i < 2; i++) {
    tf.dispose([forward(), step()]);
  }
  const fw = await kernels(forward);
  const st = await kernels(step);
  console.log(
    `${id}, ${tf.getBackend()}, batch ${batch}: kernel time forward ${fw.total.toFixed(0)} ms (wall ${fw.wall.toFixed(0)}), step ${st.total.toFixed(0)} ms (wall ${st.wall.toFixed(0)}), ratio ${(st.total / fw.total).toFixed(2)}`,
  );
  const fwBy = new Map(fw.rows.map((r) => [r[0], r]));
  console.log(
    `${'kernel'.padEnd(24)} ${'step ms'.padStart(8)} ${'calls'.padStart(6)} ${'fwd ms'.padStart(8)} ${'calls'.padStart(6)}`,
  );
  for (const [name, ms, n] of st.rows.slice(0, Number(arg('top', '25')))) {
    const f = fwBy.get(name);
    console.log(
      `${name.padEnd(24)} ${ms.toFixed(1).padStart(8)} ${String(n).padStart(6)} ${(f?.[1] ?? 0).toFixed(1).padStart(8)} ${String(f?.[2] ?? 0).padStart(6)}`,
    );
  }
  dispose();
  source.network.dispose();
}

void main();
