/**
 * `npm run bench`: the visual-prompting step of the engine, timed in Node and in headless
 * Chromium, against the same step natively in PyTorch, on the same machine.
 *
 *   npm run bench -- [--out bench/results.json] [--runs 3] [--warmup 1] [--batch 32]
 *                    [--models darknet-tiny,nsfwjs-mobilenet-v2] [--skip node,kernels,ort,browser,torch]
 *                    [--cpu-batch 4] [--gpu-batch 1] [--no-gpu] [--no-build] [--quick] [--with data,search]
 *   npm run bench -- --from bench/results.json    (rewrite results.md from the JSON only)
 *
 * --with data,search also runs the longer benchmarks of issue 18's parts 2 and 3 afterwards
 * (bench/dataScale.ts and bench/searchScaling.ts, about 20 and 45 minutes here), which write
 * bench/data-scale.json and bench/search-scaling.json and print their own tables.
 *
 * Writes the JSON (schema in BENCHMARKS.md) and a markdown table next to it (results.md), and
 * prints the table. Each Node measurement runs in a fresh process, each browser one in a fresh
 * module worker of one page; timings interleave forward and step so that load from other
 * processes hits both alike, and every number is the median of the timed runs after a warm-up.
 */
import { execFileSync, spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BrowserCase, BrowserCaseResult } from './browser/protocol';
import { BENCH_MODELS } from './lib/models';
import {
  markdownReport,
  type BenchReport,
  type KernelChoice,
  type KernelsRun,
  type OrtRun,
  type ResultRow,
  type TorchRun,
} from './lib/report';
import type { StepResult } from './lib/vpStep';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const SHARED_DARKNET = resolve(ROOT, '..', 'shared', 'models', 'darknet-tiny');
const CHROMIUM = '/usr/bin/chromium';
const PYTHON = '/usr/bin/python3';

// ---------------------------------------------------------------------------------------------
// Options

const argv = process.argv.slice(2);
const has = (name: string): boolean => argv.includes(`--${name}`);
const opt = (name: string, fallback: string): string => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 && argv[i + 1] !== undefined ? (argv[i + 1] as string) : fallback;
};
const quick = has('quick');
const options = {
  out: resolve(ROOT, opt('out', 'bench/results.json')),
  runs: Number(opt('runs', quick ? '1' : '3')),
  warmup: Number(opt('warmup', '1')),
  batch: Number(opt('batch', quick ? '8' : '32')),
  models: opt('models', 'darknet-tiny,nsfwjs-mobilenet-v2').split(',').filter(Boolean),
  skip: new Set(opt('skip', '').split(',').filter(Boolean)),
  gpuBatch: Number(opt('gpu-batch', '1')),
  gpu: !has('no-gpu'),
  build: !has('no-build'),
  cpuBatch: Number(opt('cpu-batch', '4')),
  with: new Set(opt('with', '').split(',').filter(Boolean)),
};

const log = (text: string): void => void process.stdout.write(`${text}\n`);
const load = (): number => Math.round((os.loadavg()[0] as number) * 100) / 100;

// ---------------------------------------------------------------------------------------------
// Models

function modelDir(id: string): string | null {
  const dir = id === 'darknet-tiny' ? SHARED_DARKNET : join(ROOT, 'public', 'generated', 'models', id);
  return existsSync(join(dir, 'model.json')) ? dir : null;
}

const models = options.models.filter((id) => {
  if (!BENCH_MODELS[id]) throw new Error(`unknown model ${id}; known: ${Object.keys(BENCH_MODELS).join(', ')}`);
  if (modelDir(id)) return true;
  log(
    id === 'darknet-tiny'
      ? `SKIPPED darknet-tiny: no model.json in ${SHARED_DARKNET} (../shared/models is absent on this machine).`
      : `SKIPPED ${id}: public/generated/models/${id} is missing; run npm run prepare-assets.`,
  );
  return false;
});

// ---------------------------------------------------------------------------------------------
// Machine

function machine(): BenchReport['machine'] {
  const cpu =
    /model name\s*:\s*(.*)/.exec(existsSync('/proc/cpuinfo') ? readFileSync('/proc/cpuinfo', 'utf8') : '')?.[1] ??
    os.cpus()[0]?.model ??
    'unknown';
  const osName = existsSync('/etc/os-release')
    ? /PRETTY_NAME="([^"]*)"/.exec(readFileSync('/etc/os-release', 'utf8'))?.[1]
    : undefined;
  const tryRun = (cmd: string, args: string[]): string | null => {
    try {
      return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 30_000 }).trim();
    } catch {
      return null;
    }
  };
  return {
    cpu,
    cores: os.cpus().length,
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    os: osName ?? `${os.type()} ${os.release()}`,
    node: process.version,
    chromium: tryRun(CHROMIUM, ['--version'])?.split('\n').pop() ?? null,
    torch: tryRun(PYTHON, ['-c', 'import torch; print(torch.__version__)']),
    // What the OS reports; the browser rows record the WebGPU/WebGL adapter Chromium actually used.
    gpu:
      tryRun('nvidia-smi', ['--query-gpu=name', '--format=csv,noheader'])?.split('\n').join(', ') ||
      'none found (nvidia-smi absent or failed)',
  };
}

// ---------------------------------------------------------------------------------------------
// Node

function runChild(cmd: string, args: string[], prefix: string, env: NodeJS.ProcessEnv = {}): Promise<string> {
  return new Promise((done, fail) => {
    const child = spawn(cmd, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => {
      err += d.toString();
      for (const line of d.toString().split('\n')) if (line.trim()) log(`${prefix}${line}`);
    });
    child.on('close', (code) =>
      code === 0 ? done(out) : fail(new Error(`${cmd} exited with ${code}: ${err.slice(-2000)}`)),
    );
  });
}

async function nodeRow(
  model: string,
  backend: 'wasm' | 'cpu',
  batch: number,
  runs: number,
  kernels: KernelChoice = 'stock',
): Promise<ResultRow> {
  const before = load();
  const out = await runChild(
    process.execPath,
    [
      '--import',
      'tsx',
      '--import',
      './bench/lib/nodeHooks.mjs',
      'bench/node.ts',
      '--model',
      model,
      '--backend',
      backend,
      '--batch',
      String(batch),
      '--runs',
      String(runs),
      '--warmup',
      String(options.warmup),
      '--kernels',
      kernels,
    ],
    '',
  );
  const line = out.split('\n').find((l) => l.startsWith('RESULT '));
  if (!line) throw new Error(`bench/node.ts printed no result:\n${out}`);
  const r = JSON.parse(line.slice(7)) as StepResult & { threads: number; simd?: boolean };
  const where = { where: 'node' as const, threads: r.threads, simd: r.simd, loadAverage: [before, load()] };
  return row(r, { model, backend, ...where, ...(backend === 'wasm' ? { kernels } : {}) });
}

/** bench/kernels.ts in its own process: our kernels against tfjs's, op by op and whole. */
async function kernelsRun(model: string): Promise<KernelsRun> {
  const args = ['--import', 'tsx', '--import', './bench/lib/nodeHooks.mjs', 'bench/kernels.ts', '--model', model];
  const out = await runChild(process.execPath, [...args, '--batch', String(options.batch), '--runs', String(Math.max(options.runs, 3))], '');
  const line = out.split('\n').find((l) => l.startsWith('RESULT '));
  if (!line) throw new Error(`bench/kernels.ts printed no result:\n${out}`);
  return JSON.parse(line.slice(7)) as KernelsRun;
}

function row(
  r: StepResult,
  extra: Pick<ResultRow, 'model' | 'backend' | 'where' | 'threads' | 'loadAverage'> & Partial<ResultRow>,
): ResultRow {
  return {
    ...extra,
    batch: r.batch,
    inputSize: r.inputSize,
    forwardMs: r.forward.median,
    vpStepMs: r.vpStep.median,
    ratio: r.ratio,
    ratioBest: r.vpStep.min / r.forward.min,
    imagesPerSecond: r.imagesPerSecond,
    leakedTensorsPerStep: r.leakedTensorsPerStep,
    dataPipelineShare: r.dataPipelineShare,
    dataMs: r.data.median,
    forward: r.forward,
    vpStep: r.vpStep,
    ...(r.forwardCpu && r.vpStepCpu
      ? {
          forwardCpuMs: r.forwardCpu.median,
          vpStepCpuMs: r.vpStepCpu.median,
          ratioCpu: r.vpStepCpu.median / r.forwardCpu.median,
        }
      : {}),
    loss: [r.lossFirst, r.lossLast],
  };
}

// ---------------------------------------------------------------------------------------------
// Browser

function newestMtime(paths: string[]): number {
  let newest = 0;
  const visit = (p: string): void => {
    if (!existsSync(p)) return;
    const s = statSync(p);
    if (s.isDirectory()) {
      for (const e of readdirSync(p)) if (e !== 'node_modules' && e !== 'tmp') visit(join(p, e));
    } else newest = Math.max(newest, s.mtimeMs);
  };
  paths.forEach(visit);
  return newest;
}

async function buildSite(): Promise<string> {
  const { BENCH_OUT_DIR, benchConfig } = await import('./browser/vite.config');
  const stamp = join(BENCH_OUT_DIR, '.built');
  const inputs = ['src/engine', 'bench/browser', 'bench/lib', 'models', 'vite.config.ts', 'package-lock.json'].map(
    (p) => join(ROOT, p),
  );
  const fresh = existsSync(stamp) && Number(readFileSync(stamp, 'utf8')) >= newestMtime(inputs);
  if (options.build && !fresh) {
    log(`building the bench page (production config, minified) into ${relative(ROOT, BENCH_OUT_DIR)} …`);
    const { build } = await import('vite');
    await build(benchConfig({ command: 'build', mode: 'production' }));
    writeFileSync(stamp, String(newestMtime(inputs)));
  } else if (!existsSync(stamp)) {
    throw new Error('--no-build, but the bench page was never built');
  } else log('bench page is up to date');
  // The binaries and weights the page fetches, as the app serves them.
  cpSync(join(ROOT, 'public', 'generated', 'wasm'), join(BENCH_OUT_DIR, 'wasm'), { recursive: true });
  for (const id of models) {
    const dir = modelDir(id) as string;
    const dest = join(BENCH_OUT_DIR, 'models', id);
    mkdirSync(dest, { recursive: true });
    cpSync(dir, dest, { recursive: true });
  }
  return BENCH_OUT_DIR;
}

function caseLabel(c: BrowserCase): string {
  const threads =
    c.threads === 0 ? ' no threads' : c.threads < 0 ? ' threads (tfjs default count)' : ` ${c.threads} threads`;
  return `${c.backend}${c.backend === 'wasm' ? threads : ''}${c.stockKernels ? " (tfjs's kernels)" : ''} ${c.model} batch ${c.batch}`;
}

function wasmNote(c: BrowserCase, r: BrowserCaseResult): string {
  if (c.threads === 0) return 'single-threaded binary';
  return `threaded binary, ${c.threads < 0 ? "tfjs's default thread count" : `${c.threads} threads asked`}${r.crossOriginIsolated ? '' : ', NOT cross-origin isolated'}`;
}

type BrowserInfo = Awaited<ReturnType<Window['benchInfo']>>;

async function browserRows(
  cases: BrowserCase[] | ((info: BrowserInfo) => BrowserCase[]),
): Promise<{ rows: ResultRow[]; longTasksMs: number[]; info: unknown; errors: string[] }> {
  await buildSite();
  const { preview } = await import('vite');
  const { benchConfig } = await import('./browser/vite.config');
  const server = await preview(benchConfig({ command: 'serve', mode: 'production', isPreview: true }));
  const url = server.resolvedUrls?.local[0];
  if (!url) throw new Error('vite preview gave no URL');
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({
    ...(existsSync(CHROMIUM) ? { executablePath: CHROMIUM } : {}),
    args: ['--disable-quic', '--enable-unsafe-webgpu'],
  });
  const rows: ResultRow[] = [];
  const longTasksMs: number[] = [];
  const errors: string[] = [];
  let info: unknown;
  try {
    const page = await browser.newPage();
    page.on('console', (m) => {
      if (m.type() === 'log' && m.text() !== 'ready') log(`  [browser] ${m.text()}`);
      else if (m.type() === 'error') log(`  [browser error] ${m.text()}`);
    });
    page.on('pageerror', (e) => log(`  [browser pageerror] ${e.message}`));
    page.on('response', (r) => {
      if (r.status() >= 400 && !r.url().endsWith('/favicon.ico')) log(`  [browser] HTTP ${r.status()} for ${r.url()}`);
    });
    await page.goto(url);
    await page.waitForFunction(() => typeof window.benchRunCase === 'function');
    const pageInfo = await page.evaluate(() => window.benchInfo());
    info = { ...pageInfo, browserVersion: browser.version() };
    log(`browser: ${JSON.stringify(info)}`);
    for (const c of typeof cases === 'function' ? cases(pageInfo) : cases) {
      const before = load();
      try {
        const r = (await page.evaluate((bc) => window.benchRunCase(bc), c)) as BrowserCaseResult;
        longTasksMs.push(...r.longTasksMs);
        rows.push(
          row(r, {
            model: c.model,
            backend: r.backend,
            where: 'browser',
            threads: r.threads,
            simd: r.simd,
            ...(r.kernels ? { kernels: r.kernels } : {}),
            loadAverage: [before, load()],
            longTasksMs: r.longTasksMs,
            worstFrameGapMs: r.worstFrameGapMs,
            note:
              c.backend === 'wasm'
                ? wasmNote(c, r)
                : r.adapter
                  ? `adapter ${r.adapter.vendor}/${r.adapter.architecture}${r.adapter.isFallback ? ' (fallback)' : ''}`
                  : undefined,
            reason: r.reason,
          }),
        );
        log(
          `  → ${caseLabel(c)} (${r.threads} threads): forward ${r.forward.median.toFixed(0)} ms, step ${r.vpStep.median.toFixed(0)} ms`,
        );
      } catch (e) {
        const message = `${caseLabel(c)}: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}`;
        errors.push(message);
        log(`  FAILED ${message}`);
      }
    }
  } finally {
    await browser.close();
    await new Promise<void>((done) => server.httpServer.close(() => done()));
  }
  return { rows, longTasksMs, info, errors };
}

// ---------------------------------------------------------------------------------------------
// PyTorch

/**
 * The native peer, run as Debian ships it and tuned as a performance engineer would: glibc malloc
 * kept from mmap'ing (and page-faulting afresh) every large activation, or jemalloc where
 * installed; and the channels-last memory layout. Goals compare against the fastest.
 */
function torchTunings(): { name: string; env: NodeJS.ProcessEnv; args: string[] }[] {
  const glibc = { MALLOC_MMAP_MAX_: '0', MALLOC_TRIM_THRESHOLD_: '100000000000' };
  const jemalloc = '/usr/lib/x86_64-linux-gnu/libjemalloc.so.2';
  return [
    { name: 'as shipped', env: {}, args: [] },
    { name: 'glibc malloc tuned', env: glibc, args: [] },
    { name: 'glibc malloc tuned, channels-last', env: glibc, args: ['--channels-last'] },
    ...(existsSync(jemalloc)
      ? [{ name: 'jemalloc, channels-last', env: { LD_PRELOAD: jemalloc }, args: ['--channels-last'] }]
      : []),
  ];
}

async function torchRuns(model: string, threads: number[]): Promise<{ runs: TorchRun[]; version: string } | null> {
  if (!existsSync(PYTHON)) {
    log(`SKIPPED torch: ${PYTHON} not found (apt-get install python3-torch)`);
    return null;
  }
  const manifest = BENCH_MODELS[model]?.manifest;
  const runs: TorchRun[] = [];
  let version = '';
  for (const tuning of torchTunings()) {
    log(`  torch ${model}: ${tuning.name}`);
    const out = await runChild(
      PYTHON,
      [
        'bench/torch_peer.py',
        '--model-dir',
        modelDir(model) as string,
        '--model',
        model,
        '--source-output',
        manifest?.sourceOutput as string,
        '--batch',
        String(options.batch),
        '--runs',
        String(options.runs),
        '--warmup',
        String(options.warmup),
        '--threads',
        threads.join(','),
        ...tuning.args,
      ],
      '',
      tuning.env,
    );
    const r = JSON.parse(out.trim().split('\n').pop() as string) as {
      torchVersion: string;
      runs: Omit<TorchRun, 'model' | 'batch' | 'loadAverage' | 'tuning'>[];
    };
    version = r.torchVersion;
    runs.push(
      ...r.runs.map((x) => ({ ...x, model, batch: options.batch, tuning: tuning.name, loadAverage: [load()] })),
    );
  }
  return { version, runs };
}

/** ONNX Runtime Web's wasm forward of the same network (exported from the same weights by torch). */
async function ortRun(model: string, threads: number): Promise<OrtRun> {
  const onnx = join(ROOT, 'bench', 'tmp', 'onnx', `${model}-b${options.batch}.onnx`);
  if (!existsSync(onnx)) {
    await runChild(
      PYTHON,
      [
        'bench/onnx_export.py',
        '--model-dir',
        modelDir(model) as string,
        '--source-output',
        BENCH_MODELS[model]?.manifest.sourceOutput as string,
        '--batch',
        String(options.batch),
        '--out',
        onnx,
      ],
      '',
    );
  }
  const before = load();
  const out = await runChild(
    process.execPath,
    [
      '--import',
      'tsx',
      'bench/ortPeer.ts',
      '--onnx',
      onnx,
      '--batch',
      String(options.batch),
      '--threads',
      String(threads),
      '--runs',
      String(options.runs),
      '--warmup',
      String(options.warmup),
    ],
    '',
  );
  const line = out.split('\n').find((l) => l.startsWith('RESULT '));
  if (!line) throw new Error(`bench/ortPeer.ts printed no result:\n${out}`);
  const r = JSON.parse(line.slice(7)) as { version: string; threads: number; forward: OrtRun['forward'] };
  return {
    model,
    batch: options.batch,
    threads: r.threads,
    version: r.version,
    forward: r.forward,
    forwardMs: r.forward.median,
    loadAverage: [before, load()],
  };
}

// ---------------------------------------------------------------------------------------------

async function main(): Promise<void> {
  if (has('from')) {
    // Only rewrite the markdown from an existing JSON (e.g. after a change to the report).
    const from = resolve(ROOT, opt('from', 'bench/results.json'));
    const md = markdownReport(JSON.parse(readFileSync(from, 'utf8')) as BenchReport);
    writeFileSync(from.replace(/\.json$/, '') + '.md', md);
    log(md);
    return;
  }
  const started = new Date();
  const report: BenchReport = {
    generatedAt: started.toISOString(),
    command: `npm run bench${argv.length ? ` -- ${argv.join(' ')}` : ''}`,
    machine: machine(),
    results: [],
    torch: null,
    torchRuns: [],
    longTasksMs: [],
    errors: [],
    loadAverageStart: os.loadavg().map((x) => Math.round(x * 100) / 100),
  };
  log(`machine: ${JSON.stringify(report.machine)}`);
  log(`load average at start: ${report.loadAverageStart.join(', ')} (${os.cpus().length} cores)`);
  const attempt = async <T>(what: string, f: () => Promise<T>): Promise<T | null> => {
    try {
      return await f();
    } catch (e) {
      const message = `${what}: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}`;
      report.errors.push(message);
      log(`FAILED ${message}`);
      return null;
    }
  };

  if (!options.skip.has('node')) {
    for (const model of models) {
      // tfjs's kernels, ours (FMA); for darknet-tiny also ours without FMA (what FMA itself buys).
      const choices: KernelChoice[] = model === 'darknet-tiny' ? ['stock', 'fma', 'fma-plain'] : ['stock', 'fma'];
      for (const kernels of choices) {
        log(`node wasm ${model} (${kernels} kernels), batch ${options.batch} …`);
        const r = await attempt(`node wasm ${model} ${kernels}`, () =>
          nodeRow(model, 'wasm', options.batch, options.runs, kernels),
        );
        if (r) report.results.push(r);
      }
    }
    if (models.includes('darknet-tiny') && !options.skip.has('kernels')) {
      log(`our kernels against tfjs's, op by op, darknet-tiny, batch ${options.batch} …`);
      const k = await attempt('kernels darknet-tiny', () => kernelsRun('darknet-tiny'));
      if (k) report.kernels = k;
    }
    if (models.includes('darknet-tiny') && !options.skip.has('ort')) {
      log(`ONNX Runtime Web darknet-tiny, wasm, 1 thread, batch ${options.batch} …`);
      const o = await attempt('ort-web darknet-tiny', () => ortRun('darknet-tiny', 1));
      if (o) (report.ortRuns ??= []).push(o);
    }
    if (models.includes('darknet-tiny') && !quick) {
      log(`node cpu darknet-tiny, batch ${options.cpuBatch} (pure JS is slow: small batch) …`);
      const r = await attempt('node cpu darknet-tiny', () => nodeRow('darknet-tiny', 'cpu', options.cpuBatch, 2));
      if (r) report.results.push(r);
    }
  }

  if (!options.skip.has('browser')) {
    const cases = ({ hardwareConcurrency, gpu }: BrowserInfo): BrowserCase[] => {
      const list: BrowserCase[] = [];
      const common = { batch: options.batch, runs: options.runs, warmup: options.warmup };
      for (const model of models) {
        // All logical cores; tfjs's own default (hardwareConcurrency / 2: 1 on 2 vCPUs); no threads.
        // A single thread gets our FMA kernels where the browser has relaxed SIMD, as in the app;
        // the single-threaded binary also runs with tfjs's kernels, to compare.
        const counts = model === models[0] ? [hardwareConcurrency, -1, 0] : [hardwareConcurrency, 0];
        for (const threads of counts) list.push({ model, backend: 'wasm', threads, ...common });
        list.push({ model, backend: 'wasm', threads: 0, stockKernels: true, ...common });
      }
      if (options.gpu) {
        // A real GPU gets the full batch and runs (the WebGPU rows of the goals); software emulation
        // (SwiftShader) is 10–30× slower than wasm: a small batch, one run, to show that it works.
        const real = gpu !== null && !gpu.isFallback;
        for (const backend of ['webgpu', 'webgl'] as const) {
          for (const model of real ? models : [models[0] as string]) {
            list.push(
              real
                ? { model, backend, threads: 0, ...common }
                : { model, backend, threads: 0, batch: options.gpuBatch, runs: 1, warmup: 1 },
            );
          }
        }
      }
      return list;
    };
    const b = await attempt('browser', () => browserRows(cases));
    if (b) {
      report.results.push(...b.rows);
      report.longTasksMs = b.longTasksMs;
      report.browser = b.info;
      report.errors.push(...b.errors);
    }
  }

  if (!options.skip.has('torch')) {
    for (const model of models) {
      const threads = model === 'darknet-tiny' ? [1, os.cpus().length] : [1];
      log(`torch ${model}, batch ${options.batch}, threads ${threads.join(' and ')} …`);
      const t = await attempt(`torch ${model}`, () => torchRuns(model, threads));
      if (t) {
        report.machine.torch = t.version;
        report.torchRuns.push(...t.runs);
      }
    }
    const peer =
      report.torchRuns
        .filter((r) => r.model === 'darknet-tiny' && r.threads === 1)
        .sort((a, b) => a.vpStepMs - b.vpStepMs)[0] ?? report.torchRuns[0];
    if (peer)
      report.torch = {
        model: peer.model,
        batch: peer.batch,
        forwardMs: peer.forwardMs,
        vpStepMs: peer.vpStepMs,
        threads: peer.threads,
        ratio: peer.ratio,
      };
  }

  report.loadAverageEnd = os.loadavg().map((x) => Math.round(x * 100) / 100);
  report.durationS = Math.round((Date.now() - started.getTime()) / 1000);
  if (report.results.length === 0) {
    // Keep the results of record rather than overwrite them with nothing.
    throw new Error(
      `no measurement succeeded, so ${relative(process.cwd(), options.out)} was left as it was:\n${report.errors.join('\n')}`,
    );
  }
  mkdirSync(dirname(options.out), { recursive: true });
  writeFileSync(options.out, `${JSON.stringify(report, null, 2)}\n`);
  const md = markdownReport(report);
  const mdPath = options.out.replace(/\.json$/, '') + '.md';
  writeFileSync(mdPath, md);
  log(`\n${md}`);
  log(`wrote ${relative(process.cwd(), options.out)} and ${relative(process.cwd(), mdPath)} in ${report.durationS} s`);
  const longer: Record<string, string> = { data: 'bench/dataScale.ts', search: 'bench/searchScaling.ts' };
  for (const part of options.with) {
    const script = longer[part];
    if (!script) throw new Error(`--with ${part}: known parts are ${Object.keys(longer).join(', ')}`);
    log(`${script} …`);
    log(await runChild(process.execPath, ['--import', 'tsx', script], `  [${part}] `));
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
