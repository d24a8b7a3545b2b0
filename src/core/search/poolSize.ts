/**
 * How many trials a search trains side by side by default, in the app (workers) and the CLI
 * (processes): chosen by measurement (BENCHMARKS.md, "Search that uses the machine").
 */

export const MAX_POOL_SIZE = 8;

/**
 * Peak memory of one search worker, measured, in MB: the largest peak resident set (VmHWM) of a
 * process training search trials with the same engine (`npm run bench:search`: wasm backend,
 * darknet-tiny, FullyMap and FreqMap trials with pad, LoR-VP and SMM prompts, batch 16, MNIST)
 * was 2,254 MB; other runs peaked at 1.0–2.2 GB, depending on the trials a worker drew
 * (BENCHMARKS.md, "Search that uses the machine (issue 18, part 3)"). A worker keeps the wasm
 * heap its largest trial grew, so the pool is sized for the largest, rounded up.
 */
export const WORKER_PEAK_MB = 2300;

/**
 * The share of the device's memory the pool may hold. The rest stays with the page, the main
 * engine worker (the same engine, a model of its own), the browser and the system. Chromium's
 * deviceMemory reports 8 for every device with 8 GB or more, so this is a share of a lower bound.
 */
const POOL_MEMORY_SHARE = 0.75;

/**
 * Workers a search runs by default, between 1 and MAX_POOL_SIZE, the smaller of:
 * - by cores: one worker per logical core but one. Measured (BENCHMARKS.md, issue 18 part 3): a
 *   worker is one single-threaded wasm trainer that keeps one core busy, a trial costs the same
 *   CPU time in a pool as alone, so throughput follows the cores the workers get, and workers
 *   beyond the free cores only make every trial slower. The core left over is the page's and the
 *   browser's.
 * - by memory: workers × WORKER_PEAK_MB within POOL_MEMORY_SHARE of the device's memory, so the
 *   pool cannot push the tab out of memory. navigator.deviceMemory stops at 8, so in Chromium
 *   this allows two workers (6 GB of 8); more are the user's choice.
 * `cores` is navigator.hardwareConcurrency or the CLI's core count (unknown counts as 2);
 * `memoryGB` is navigator.deviceMemory (Chromium only, capped at 8) or the machine's memory;
 * unknown counts as 8.
 */
export function defaultPoolSize(cores: number | undefined, memoryGB: number | undefined): number {
  const byCores = (cores && cores > 0 ? Math.floor(cores) : 2) - 1;
  const byMemory = Math.floor(((memoryGB && memoryGB > 0 ? memoryGB : 8) * 1024 * POOL_MEMORY_SHARE) / WORKER_PEAK_MB);
  return Math.max(1, Math.min(byCores, byMemory, MAX_POOL_SIZE));
}
