/**
 * The tfjs backend of the CLI: WebAssembly (SIMD where the CPU has it) from the package's own
 * dist folder, single-threaded; or the pure-JS cpu backend for debugging. tfjs-node is not used
 * (it downloads libtensorflow at install time).
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { installFmaKernels } from '../engine/backend/fmaKernels';
import { type CliEnv, CliError } from './env';

export type CliBackend = 'wasm' | 'cpu';

export interface BackendInfo {
  name: CliBackend;
  simd: boolean;
  threads: boolean;
  /** Convolutions and matrix products on our FMA kernels (src/engine/backend/fmaKernels.ts). */
  fmaKernels: boolean;
}

let active: BackendInfo | null = null;

/** Folder of the .wasm binaries: the installed package's dist, else the app's generated copy. */
function wasmDir(env: CliEnv): string {
  const candidates = [
    join(env.root, 'node_modules', '@tensorflow', 'tfjs-backend-wasm', 'dist'),
    join(env.root, 'public', 'generated', 'wasm'),
  ];
  const found = candidates.find((d) => existsSync(join(d, 'tfjs-backend-wasm.wasm')));
  if (!found)
    throw new CliError('The tfjs WebAssembly binaries are missing: run `npm install` in the project.', candidates);
  return found;
}

export async function initBackend(name: CliBackend, env: CliEnv): Promise<BackendInfo> {
  if (active?.name === name) return active;
  if (name === 'wasm') {
    setWasmPaths(`${wasmDir(env)}/`);
    // Threads need worker_threads wiring tfjs does not do in Node; on few cores they barely help.
    tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
  }
  let ok: boolean;
  try {
    ok = await tf.setBackend(name);
    if (ok) await tf.ready();
  } catch (e) {
    throw new CliError(`The ${name} backend could not start: ${(e as Error).message}`);
  }
  if (!ok || tf.getBackend() !== name) throw new CliError(`The ${name} backend could not start.`);
  const simd = name === 'wasm' ? Boolean(await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT')) : false;
  let fmaKernels = false;
  if (name === 'wasm') {
    // Node 20 has relaxed SIMD (the kernels' fused multiply-add) behind a flag; Chromium has it on.
    setFlagsFromString('--experimental-wasm-relaxed-simd');
    fmaKernels = (await installFmaKernels(1)).active;
  }
  active = { name, simd, threads: false, fmaKernels };
  return active;
}

export const describeBackend = (b: BackendInfo) =>
  b.name === 'wasm'
    ? `wasm${b.simd ? ' + SIMD' : ''}, single-threaded${b.fmaKernels ? ', convolutions on FMA kernels' : ''}`
    : 'cpu (pure JavaScript)';
