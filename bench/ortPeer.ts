/**
 * The ONNX Runtime Web peer of `npm run bench`: the frozen network's forward (ONNX exported from
 * the same weights by bench/onnx_export.py) on ORT-web's wasm backend, in Node, timed like ours.
 *
 *   npx tsx bench/ortPeer.ts --onnx bench/tmp/onnx/darknet-tiny.onnx --batch 32 --threads 1 [--runs 3] [--warmup 1]
 *
 * Prints `RESULT {"version", "threads", "forward": Timing}`.
 */
import { readFileSync } from 'node:fs';
import * as ort from 'onnxruntime-web';
import { timing } from './lib/stats';

const argv = process.argv.slice(2);
const opt = (name: string, fallback?: string): string => {
  const i = argv.indexOf(`--${name}`);
  const value = i >= 0 ? argv[i + 1] : fallback;
  if (value === undefined) throw new Error(`--${name} is required`);
  return value;
};

async function main(): Promise<void> {
  const batch = Number(opt('batch', '32'));
  const threads = Number(opt('threads', '1'));
  const runs = Number(opt('runs', '3'));
  const warmup = Number(opt('warmup', '1'));
  ort.env.wasm.numThreads = threads;
  ort.env.wasm.simd = true;
  const session = await ort.InferenceSession.create(readFileSync(opt('onnx')), { executionProviders: ['wasm'] });
  const size = 224;
  const pixels = new Float32Array(batch * 3 * size * size);
  for (let i = 0; i < pixels.length; i++) pixels[i] = (i % 251) / 251;
  const x = new ort.Tensor('float32', pixels, [batch, 3, size, size]);
  const once = async (): Promise<number> => {
    const t0 = performance.now();
    const out = await session.run({ x });
    for (const t of Object.values(out)) t.dispose();
    return performance.now() - t0;
  };
  for (let i = 0; i < warmup; i++) await once();
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) samples.push(await once());
  await session.release();
  process.stdout.write(
    `RESULT ${JSON.stringify({ version: ort.env.versions.web, threads, forward: timing(samples) })}\n`,
  );
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
