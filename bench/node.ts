/**
 * One Node measurement (one model on one backend), run by bench/run.ts in a fresh process:
 *
 *   npx tsx bench/node.ts --model darknet-tiny --backend wasm [--kernels stock|fma|fma-plain] [--batch 32] [--runs 3] [--warmup 1]
 *
 * --kernels (wasm): tfjs's own (stock), or our convolution kernels (src/engine/backend/fmaKernels.ts)
 * with fused multiply-add (fma) or with plain SIMD multiply then add (fma-plain: what FMA buys).
 *
 * Prints progress on stderr and one line "RESULT <json>" on stdout.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { installFmaKernels } from '../src/engine/backend/fmaKernels';
import { createSourceModel } from '../src/engine/models/sourceModel';
import { artifactsFromFolder } from '../test/support/network/sharedModels';
import { BENCH_MODELS } from './lib/models';
import { nodeModelDir } from './lib/nodeModels';
import { measureVpStep } from './lib/vpStep';

const arg = (name: string, fallback: string): string => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? (process.argv[i + 1] as string) : fallback;
};

async function main(): Promise<void> {
  const id = arg('model', 'darknet-tiny');
  const backend = arg('backend', 'wasm');
  const model = BENCH_MODELS[id];
  if (!model) throw new Error(`unknown model ${id}`);
  const dir = nodeModelDir(id);
  if (!existsSync(join(dir, 'model.json'))) throw new Error(`${id}: no model.json in ${dir}`);
  if (!(await tf.setBackend(backend))) throw new Error(`backend ${backend} did not start`);
  await tf.ready();
  const kernels = arg('kernels', 'stock');
  if (backend === 'wasm' && kernels !== 'stock') {
    setFlagsFromString('--experimental-wasm-relaxed-simd');
    const status = await installFmaKernels(1, { fused: kernels === 'fma' });
    if (!status.active) throw new Error(`our kernels did not start: ${status.reason}`);
  }
  const source = createSourceModel(model.manifest, artifactsFromFolder(dir));
  try {
    const result = await measureVpStep(source, {
      batch: Number(arg('batch', '32')),
      runs: Number(arg('runs', '3')),
      warmup: Number(arg('warmup', '1')),
      onProgress: (what) => process.stderr.write(`  [node ${backend} ${id}] ${what}\n`),
      cpuNow: () => {
        const { user, system } = process.cpuUsage();
        return (user + system) / 1000;
      },
    });
    const simd = backend === 'wasm' ? Boolean(await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT')) : undefined;
    process.stdout.write(`RESULT ${JSON.stringify({ ...result, threads: 1, simd, kernels })}\n`);
  } finally {
    source.network.dispose();
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(1);
});
