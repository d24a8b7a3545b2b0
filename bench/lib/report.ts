import type { Timing } from './stats';

/** One row of results.json: a model on a backend, in Node or in the browser. */
export interface ResultRow {
  model: string;
  backend: string;
  where: 'browser' | 'node';
  batch: number;
  inputSize: number;
  /** Medians (ms). */
  forwardMs: number;
  vpStepMs: number;
  /** vpStepMs / forwardMs (medians). */
  ratio: number;
  /** Best step / best forward: less sensitive to load from other processes. */
  ratioBest: number;
  /** Node: medians of this process's CPU time (steadier than wall time on a loaded machine). */
  forwardCpuMs?: number;
  vpStepCpuMs?: number;
  ratioCpu?: number;
  imagesPerSecond: number;
  leakedTensorsPerStep: number;
  /** toBatchTensor's share of the step (medians). */
  dataPipelineShare: number;
  dataMs: number;
  /** wasm: threads the backend runs with (1 = single-threaded); 0 for other backends. */
  threads: number;
  simd?: boolean | undefined;
  /** wasm: whose convolution kernels ran: tfjs's (stock), ours with FMA, ours with multiply then add. */
  kernels?: KernelChoice;
  /** 1-minute load average before and after the measurement. */
  loadAverage: number[];
  forward: Timing;
  vpStep: Timing;
  /** Loss at the first and the last step. */
  loss: [number, number];
  longTasksMs?: number[];
  worstFrameGapMs?: number;
  note?: string | undefined;
  reason?: string;
}

export interface TorchRun {
  model: string;
  batch: number;
  threads: number;
  /** How the peer ran: as Debian ships it, or tuned (allocator, memory layout). */
  tuning: string;
  forwardMs: number;
  vpStepMs: number;
  ratio: number;
  forward: Timing;
  vpStep: Timing;
  data: Timing;
  /** CPU time of the Python process (all its threads), medians. */
  forwardCpuMs?: number;
  vpStepCpuMs?: number;
  loadAverage: number[];
}

export type KernelChoice = 'stock' | 'fma' | 'fma-plain';

/** bench/kernels.ts: our wasm kernels against tfjs's, op by op and for the whole step. */
export interface KernelsRun {
  model: string;
  batch: number;
  runs: number;
  peakGflops: { fma: number; mulAdd: number };
  ops: {
    kernel: string;
    shapes: number[][];
    flops: number;
    stockMs: number;
    oursMs: number;
    stockGflops: number;
    oursGflops: number;
    relativeDifference: number;
  }[];
  forward: { stock: Timing; ours: Timing };
  vpStep: { stock: Timing; ours: Timing };
  loss: { stock: number; ours: number };
}

/** ONNX Runtime Web (wasm) running the same frozen network's forward, in Node. */
export interface OrtRun {
  model: string;
  batch: number;
  threads: number;
  version: string;
  forward: Timing;
  forwardMs: number;
  loadAverage: number[];
}

export interface BenchReport {
  generatedAt: string;
  command: string;
  machine: {
    cpu: string;
    cores: number;
    memoryGiB: number;
    os: string;
    node: string;
    chromium: string | null;
    torch: string | null;
    gpu: string;
  };
  results: ResultRow[];
  /** The PyTorch peer: darknet-tiny at the thread count of the Node wasm run (1). */
  torch: { model: string; batch: number; forwardMs: number; vpStepMs: number; threads: number; ratio: number } | null;
  torchRuns: TorchRun[];
  ortRuns?: OrtRun[];
  kernels?: KernelsRun;
  /** Main-thread long tasks (ms) of the bench page over all browser cases. */
  longTasksMs: number[];
  browser?: unknown;
  errors: string[];
  loadAverageStart: number[];
  loadAverageEnd?: number[];
  durationS?: number;
}

const GOALS = { ratio: 2.2, vsTorch: 2, vsOrt: 1.5, gpuVsWasm: 5 };

const ms = (x: number): string => (x >= 100 ? x.toFixed(0) : x.toFixed(1));
const range = (t: Timing): string => `${ms(t.median)} (${ms(t.min)}–${ms(t.max)})`;

const KERNEL_LABELS: Record<KernelChoice, string> = {
  stock: "tfjs's kernels",
  fma: 'our FMA kernels',
  'fma-plain': 'our kernels without FMA',
};

function backendLabel(r: { backend: string; threads: number; simd?: boolean | undefined; kernels?: KernelChoice }): string {
  if (r.backend !== 'wasm') return r.backend;
  const kernels = r.kernels ? `, ${KERNEL_LABELS[r.kernels]}` : '';
  return `wasm${r.simd ? ' SIMD' : ''}, ${r.threads} thread${r.threads === 1 ? '' : 's'}${kernels}`;
}

/** Our kernels against tfjs's: the SIMD peak, each op of the model, the whole step. */
function kernelLines(k: KernelsRun): string[] {
  const gf = (x: number) => x.toFixed(1);
  const out = [
    `Our wasm kernels (\`bench/kernels.ts\`, ${k.model}, batch ${k.batch}, stock and ours interleaved, medians of ${k.runs}). A wasm SIMD multiply-add loop peaks here at **${gf(k.peakGflops.fma)} GFLOP/s with FMA** (relaxed SIMD) and ${gf(k.peakGflops.mulAdd)} GFLOP/s with multiply then add (one thread).`,
    '',
    '| op | shapes | GFLOP | tfjs ms (GFLOP/s) | ours ms (GFLOP/s) | speed-up | max rel. difference |',
    '|---|---|---|---|---|---|---|',
  ];
  for (const o of k.ops) {
    out.push(
      `| ${o.kernel} | ${o.shapes.map((s) => s.join('×')).join(', ')} | ${(o.flops / 1e9).toFixed(2)} | ${ms(o.stockMs)} (${gf(o.stockGflops)}) | ${ms(o.oursMs)} (${gf(o.oursGflops)}) | ${(o.stockMs / o.oursMs).toFixed(2)}× | ${o.relativeDifference.toExponential(1)} |`,
    );
  }
  const total = (f: (o: KernelsRun['ops'][number]) => number) => k.ops.reduce((s, o) => s + f(o), 0);
  const flops = total((o) => o.flops);
  out.push(
    `| all of them | | ${(flops / 1e9).toFixed(2)} | ${ms(total((o) => o.stockMs))} (${gf(flops / total((o) => o.stockMs) / 1e6)}) | ${ms(total((o) => o.oursMs))} (${gf(flops / total((o) => o.oursMs) / 1e6)}) | ${(total((o) => o.stockMs) / total((o) => o.oursMs)).toFixed(2)}× | |`,
    '',
    `Whole model, same process: forward ${range(k.forward.stock)} → ${range(k.forward.ours)} ms (${(k.forward.stock.median / k.forward.ours.median).toFixed(2)}×), VP step ${range(k.vpStep.stock)} → ${range(k.vpStep.ours)} ms (${(k.vpStep.stock.median / k.vpStep.ours.median).toFixed(2)}×); loss ${k.loss.stock.toFixed(6)} with tfjs's kernels, ${k.loss.ours.toFixed(6)} with ours.`,
    '',
  );
  return out;
}

/** The goal checks of the issue, on the rows that exist. */
function goalLines(report: BenchReport): string[] {
  const lines: string[] = [];
  // The fastest native peer at equal threads, whichever tuning made it so.
  const torchAt = (threads: number): TorchRun | undefined =>
    report.torchRuns
      .filter((t) => t.model === 'darknet-tiny' && t.threads === threads)
      .sort((a, b) => a.vpStepMs - b.vpStepMs)[0];
  const ortAt = (threads: number): OrtRun | undefined =>
    report.ortRuns?.find((o) => o.model === 'darknet-tiny' && o.threads === threads);
  for (const r of report.results.filter((x) => x.model === 'darknet-tiny' && x.backend === 'wasm' && x.batch === 32)) {
    const where = `${r.where}, ${backendLabel(r)}${r.note ? ` (${r.note})` : ''}`;
    const okRatio = r.ratio <= GOALS.ratio;
    const cpu = r.ratioCpu !== undefined ? `, by CPU time ${r.ratioCpu.toFixed(2)}` : '';
    lines.push(
      `- darknet-tiny ${where}: step/forward ${r.ratio.toFixed(2)} (best-of ${r.ratioBest.toFixed(2)}${cpu}) — goal ≤ ${GOALS.ratio}: ${okRatio ? 'met' : 'not met'}`,
    );
    const peer = torchAt(r.threads);
    if (peer) {
      const x = r.vpStepMs / peer.vpStepMs;
      const best = r.vpStep.min / peer.vpStep.min;
      const cpu =
        r.vpStepCpuMs !== undefined && peer.vpStepCpuMs !== undefined
          ? `, by CPU time ${(r.vpStepCpuMs / peer.vpStepCpuMs).toFixed(2)}× (${ms(r.vpStepCpuMs)} vs ${ms(peer.vpStepCpuMs)} ms)`
          : '';
      lines.push(
        `- darknet-tiny ${where}: VP step ${ms(r.vpStepMs)} ms = ${x.toFixed(2)}× the fastest native peer's (PyTorch) ${ms(peer.vpStepMs)} ms (${peer.tuning}) at ${peer.threads} thread${peer.threads === 1 ? '' : 's'} (best-of ${best.toFixed(2)}×${cpu}) — goal ≤ ${GOALS.vsTorch}×: ${x <= GOALS.vsTorch ? 'met' : 'not met'}`,
      );
    }
    const ort = ortAt(r.threads);
    if (ort) {
      const x = ort.forwardMs / r.forwardMs;
      lines.push(
        `- darknet-tiny ${where}: forward ${ms(r.forwardMs)} ms, ${x.toFixed(2)}× faster than ONNX Runtime Web's ${ms(ort.forwardMs)} ms (wasm, ${ort.threads} thread${ort.threads === 1 ? '' : 's'}, in Node) — goal ≥ ${GOALS.vsOrt}×: ${x >= GOALS.vsOrt ? 'met' : 'not met'}`,
      );
    }
  }
  // On a real GPU: WebGPU against the fastest browser wasm row, per image, at the full batch.
  const wasm = report.results
    .filter((x) => x.model === 'darknet-tiny' && x.where === 'browser' && x.backend === 'wasm' && x.batch === 32)
    .sort((a, b) => b.imagesPerSecond - a.imagesPerSecond)[0];
  for (const r of report.results.filter(
    (x) => x.model === 'darknet-tiny' && x.backend === 'webgpu' && x.batch === 32,
  )) {
    if (!wasm) continue;
    const x = r.imagesPerSecond / wasm.imagesPerSecond;
    lines.push(
      `- darknet-tiny browser, WebGPU (${r.note ?? 'adapter unknown'}): ${r.imagesPerSecond.toFixed(1)} images/s in the VP step = ${x.toFixed(1)}× the fastest browser wasm's ${wasm.imagesPerSecond.toFixed(1)} — goal ≥ ${GOALS.gpuVsWasm}×: ${x >= GOALS.gpuVsWasm ? 'met' : 'not met'}`,
    );
  }
  return lines;
}

export function markdownReport(report: BenchReport): string {
  const m = report.machine;
  const out: string[] = [];
  out.push(`# Benchmark results (${report.generatedAt})`, '');
  out.push(`Command: \`${report.command}\`, ${report.durationS ?? '?'} s.`);
  out.push(
    `Machine: ${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB, ${m.os}; Node ${m.node}; ${m.chromium ?? 'no Chromium'}; torch ${m.torch ?? 'absent'}. GPU: ${m.gpu}.`,
  );
  out.push(
    `Load average (1 min) at start ${report.loadAverageStart.join(' / ')}, at end ${(report.loadAverageEnd ?? []).join(' / ')}.`,
    '',
  );
  const loads = [...report.results.flatMap((r) => r.loadAverage), ...report.loadAverageStart.slice(0, 1)];
  if (Math.max(...loads) >= m.cores) {
    out.push(
      `**Warning: the machine was loaded by other processes (1-minute load average up to ${Math.max(...loads).toFixed(1)} on ${m.cores} cores).** Wall times are inflated and noisy, multi-threaded runs most of all (PyTorch's OpenMP threads wait on each other); the CPU-time ratios of the single-threaded Node and PyTorch runs are the steadier numbers. Rerun on a quiet machine for the figures of record.`,
      '',
    );
  }
  out.push(
    'Times in ms: median (min–max) of the timed runs after warm-up. Step = the training step as the trainer runs it (data pipeline, prompt, frozen network, FullyMap, cross-entropy, input gradient, Adam, loss read back); forward = the same prompted model without gradients. 224² input.',
    '',
  );
  out.push(
    '| model | where | backend | batch | forward ms | VP step ms | images/s | step/forward (best-of; CPU time) | leaked tensors/step | data share | load avg before→after | long tasks |',
  );
  out.push('|---|---|---|---|---|---|---|---|---|---|---|---|');
  for (const r of report.results) {
    const tasks =
      r.where === 'browser'
        ? `${r.longTasksMs?.length ?? 0}${r.longTasksMs?.length ? ` (max ${ms(Math.max(...r.longTasksMs))} ms)` : ''}`
        : '–';
    const cpu = r.ratioCpu !== undefined ? `; ${r.ratioCpu.toFixed(2)}` : '';
    out.push(
      `| ${r.model} | ${r.where} | ${backendLabel(r)}${r.note ? ` — ${r.note}` : ''} | ${r.batch} | ${range(r.forward)} | ${range(r.vpStep)} | ${r.imagesPerSecond.toFixed(1)} | ${r.ratio.toFixed(2)} (${r.ratioBest.toFixed(2)}${cpu}) | ${r.leakedTensorsPerStep} | ${(r.dataPipelineShare * 100).toFixed(1)}% | ${r.loadAverage.map((x) => x.toFixed(2)).join('→')} | ${tasks} |`,
    );
  }
  for (const t of report.torchRuns) {
    out.push(
      `| ${t.model} | native | PyTorch ${m.torch ?? ''}, ${t.threads} thread${t.threads === 1 ? '' : 's'}, ${t.tuning} | ${t.batch} | ${range(t.forward)} | ${range(t.vpStep)} | ${((t.batch * 1000) / t.vpStepMs).toFixed(1)} | ${t.ratio.toFixed(2)} (${(t.vpStep.min / t.forward.min).toFixed(2)}) | – | ${((t.data.median / t.vpStepMs) * 100).toFixed(1)}% | ${t.loadAverage.map((x) => x.toFixed(2)).join('→')} | – |`,
    );
  }
  for (const o of report.ortRuns ?? []) {
    out.push(
      `| ${o.model} | node | ONNX Runtime Web ${o.version}, wasm, ${o.threads} thread${o.threads === 1 ? '' : 's'} (frozen network only) | ${o.batch} | ${range(o.forward)} | – | – | – | – | – | ${o.loadAverage.map((x) => x.toFixed(2)).join('→')} | – |`,
    );
  }
  out.push('');
  const tasks = report.longTasksMs;
  out.push(
    `Main-thread long tasks on the bench page while the worker trained: ${tasks.length}${tasks.length ? ` (total ${ms(tasks.reduce((a, b) => a + b, 0))} ms, longest ${ms(Math.max(...tasks))} ms)` : ''}.`,
    '',
  );
  if (report.kernels) out.push(...kernelLines(report.kernels));
  const goals = goalLines(report);
  if (goals.length) out.push('Goals:', '', ...goals, '');
  if (report.errors.length) out.push('Errors:', '', ...report.errors.map((e) => `- ${e}`), '');
  return `${out.join('\n')}\n`;
}
