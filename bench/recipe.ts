/**
 * `npm run bench:recipe -- [--plan default|mappings|all] [--seeds 1,2,3] [--tasks mnist,fashion-mnist,shapes] [--batch N] [--mappings freq,iter] [--jobs 1] [--out bench/recipe]`
 *
 * Accuracy of visual-prompting designs at the app's default budget, measured with the `autovp`
 * CLI (the same engine as the app) on the built-in datasets and a drawn-shapes folder that
 * bench/datasets/drawnShapes.ts writes. Each row: validation and test accuracy of the prompt
 * (mean ± sample standard deviation over the seeds), the linear-probing baseline on the same
 * images (pooled penultimate features; the flattened-features probe beside it), chance, training
 * speed and wall time. Writes OUT/results.json (every run) and OUT/results.md (the table), and
 * prints the table. Runs are independent processes (`--jobs` at a time); a run whose folder already
 * holds the metrics of the same arguments is read back, not repeated, so an interrupted bench resumes
 * and plans that share runs (the default is in every plan) share them.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { writeDrawnShapes } from './datasets/drawnShapes';
import { mean, sampleStd } from './lib/stats';
import { DEFAULT_DESIGN } from '../src/core/design/schema';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const CLI = join(ROOT, 'cli', 'autovp.mjs');

interface Design {
  /** Row label. */
  name: string;
  args: string[];
}
interface Task {
  /** Its name for --tasks. */
  id: string;
  data: string;
  label: string;
  classes: number;
  /** Data selection flags: the app's default counts. */
  select: string[];
}

const { values } = parseArgs({
  options: {
    plan: { type: 'string', default: 'default' },
    seeds: { type: 'string', default: '1,2,3' },
    jobs: { type: 'string', default: '1' },
    out: { type: 'string', default: join(ROOT, 'bench', 'recipe') },
    model: { type: 'string', default: 'darknet-tiny' },
    tasks: { type: 'string', default: 'mnist,fashion-mnist,shapes' },
    /** Another batch size than the app's default (for comparing recipes). */
    batch: { type: 'string' },
    /** Only these label mappings of the plan (e.g. freq,iter,semantic). */
    mappings: { type: 'string' },
  },
});
const OUT = resolve(values.out);
const SHAPES = join(OUT, 'drawn-shapes');

/** The app's default design (the design schema's defaults) and data selection, as CLI flags. */
const DEFAULT_SELECT = ['--train-images', '1000', '--val-images', '200', '--test-images', '300'];
const DESIGN = { ...DEFAULT_DESIGN, ...(values.batch ? { batchSize: Number(values.batch) } : {}) };
const DESIGN_ARGS = [
  ...['--prompt', DESIGN.prompt, '--scale', String(DESIGN.inputScale), '--epochs', String(DESIGN.epochs)],
  ...['--batch', String(DESIGN.batchSize), '--lr', String(DESIGN.learningRate), '--schedule', DESIGN.schedule],
];

const ALL_TASKS: Task[] = [
  { id: 'mnist', data: 'mnist', label: 'MNIST', classes: 10, select: DEFAULT_SELECT },
  { id: 'fashion-mnist', data: 'fashion-mnist', label: 'Fashion-MNIST', classes: 10, select: DEFAULT_SELECT },
  { id: 'shapes', data: SHAPES, label: 'drawn shapes (6 classes)', classes: 6, select: ['--val-images', '60', '--test-images', '300'] },
];
const TASKS = values.tasks.split(',').map((id) => {
  const task = ALL_TASKS.find((t) => t.id === id);
  if (!task) throw new Error(`--tasks: "${id}" is not one of ${ALL_TASKS.map((t) => t.id).join(', ')}`);
  return task;
});

const DESIGNS: Record<string, Design[]> = {
  default: [{ name: 'FullyMap (the default)', args: ['--mapping', 'fully'] }],
  mappings: [
    { name: 'FullyMap (the default)', args: ['--mapping', 'fully'] },
    { name: 'IterMap k=1', args: ['--mapping', 'iter', '--k', '1'] },
    { name: 'FreqMap k=1', args: ['--mapping', 'freq', '--k', '1'] },
    { name: 'SemanticMap k=1', args: ['--mapping', 'semantic', '--k', '1'] },
    { name: 'random k=1', args: ['--mapping', 'random', '--k', '1'] },
  ],
};
DESIGNS.all = DESIGNS.mappings!;

interface RunResult {
  task: string;
  design: string;
  seed: number;
  valAcc: number | null;
  testAcc: number | null;
  lpTest: number | null;
  lpExtraTest: number | null;
  imagesPerSecond: number | null;
  trainSeconds: number | null;
  totalSeconds: number | null;
  error?: string;
}

function runCli(args: string[]): Promise<{ code: number; log: string }> {
  return new Promise((done) => {
    const p = spawn(process.execPath, [CLI, 'train', ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let log = '';
    p.stdout.on('data', (d) => (log += d));
    p.stderr.on('data', (d) => (log += d));
    p.on('close', (code) => done({ code: code ?? 1, log }));
  });
}

async function runOne(task: Task, design: Design, seed: number): Promise<RunResult> {
  const dir = join(OUT, 'runs', `${task.label.replace(/\W+/g, '-')}-${design.name.replace(/\W+/g, '-')}-b${DESIGN.batchSize}-s${seed}`);
  const args = ['--data', task.data, '--model', values.model, ...task.select, ...DESIGN_ARGS, ...design.args];
  const argsFile = join(dir, 'bench-args.json');
  const done = existsSync(argsFile) && readFileSync(argsFile, 'utf8') === JSON.stringify(args) && existsSync(join(dir, 'metrics.json'));
  const { code, log } = done ? { code: 0, log: '' } : await runCli([...args, '--seed', String(seed), '--out', dir, '--quiet']);
  const base = { task: task.label, design: design.name, seed };
  if (code !== 0 || !existsSync(join(dir, 'metrics.json'))) {
    return { ...base, valAcc: null, testAcc: null, lpTest: null, lpExtraTest: null, imagesPerSecond: null, trainSeconds: null, totalSeconds: null, error: log.trim().split('\n').at(-1) ?? `exit ${code}` };
  }
  if (!done) writeFileSync(argsFile, JSON.stringify(args));
  const m = JSON.parse(readFileSync(join(dir, 'metrics.json'), 'utf8'));
  const trained = (m.counts?.train ?? 0) * (m.epochs?.length ?? 0);
  return {
    ...base,
    valAcc: m.validation?.accuracy ?? null,
    testAcc: m.test?.accuracy ?? null,
    lpTest: m.baselineLP?.accuracy ?? null,
    lpExtraTest: m.baselineLPFlattened?.accuracy ?? null,
    imagesPerSecond: m.timing?.trainSeconds ? trained / m.timing.trainSeconds : null,
    trainSeconds: m.timing?.trainSeconds ?? null,
    totalSeconds: m.timing?.totalSeconds ?? null,
  };
}

const pct = (xs: (number | null)[]) => {
  const v = xs.filter((x): x is number => x !== null).map((x) => 100 * x);
  if (v.length === 0) return '–';
  return v.length > 1 ? `${mean(v).toFixed(1)} ± ${sampleStd(v).toFixed(1)}` : v[0]!.toFixed(1);
};
const num = (xs: (number | null)[], digits: number) => {
  const v = xs.filter((x): x is number => x !== null);
  return v.length ? mean(v).toFixed(digits) : '–';
};

function table(results: RunResult[], seeds: number[]): string {
  const lines = [
    `Model ${values.model}; design: ${DESIGN.prompt} prompt, scale ${DESIGN.inputScale}, ${DESIGN.optimizer} lr ${DESIGN.learningRate} with the ${DESIGN.schedule} schedule, batch ${DESIGN.batchSize}, ${DESIGN.epochs} epochs; seeds ${seeds.join(', ')}; accuracies in %, mean ± sample std over the seeds.`,
    '',
    '| task | design | VP validation | VP test | LP test (pooled) | LP test (flattened, extra) | chance | train img/s | wall (s) | runs |',
    '|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (const task of TASKS) {
    for (const design of DESIGNS[values.plan]!) {
      const rs = results.filter((r) => r.task === task.label && r.design === design.name);
      if (rs.length === 0) continue;
      const ok = rs.filter((r) => !r.error);
      lines.push(
        `| ${task.label} | ${design.name} | ${pct(ok.map((r) => r.valAcc))} | ${pct(ok.map((r) => r.testAcc))} | ${pct(ok.map((r) => r.lpTest))} | ${pct(ok.map((r) => r.lpExtraTest))} | ${(100 / task.classes).toFixed(1)} | ${num(ok.map((r) => r.imagesPerSecond), 1)} | ${num(ok.map((r) => r.totalSeconds), 0)} | ${ok.length}/${rs.length}${rs.some((r) => r.error) ? ` (${rs.find((r) => r.error)!.error})` : ''} |`,
      );
    }
  }
  return lines.join('\n');
}

async function main() {
  const seeds = values.seeds.split(',').map(Number);
  if (!DESIGNS[values.plan]) throw new Error(`--plan must be one of ${Object.keys(DESIGNS).join(', ')}`);
  mkdirSync(OUT, { recursive: true });
  if (!existsSync(SHAPES)) writeDrawnShapes(SHAPES, { train: 100, test: 50 }, 1);
  const only = values.mappings?.split(',');
  const designs = DESIGNS[values.plan]!.filter((d) => !only || only.includes(d.args[1] ?? ''));
  const queue = TASKS.flatMap((task) => designs.flatMap((design) => seeds.map((seed) => ({ task, design, seed }))));
  const results: RunResult[] = [];
  let next = 0;
  const worker = async () => {
    while (next < queue.length) {
      const { task, design, seed } = queue[next++]!;
      const r = await runOne(task, design, seed);
      results.push(r);
      console.error(`${r.task} · ${r.design} · seed ${r.seed}: val ${r.valAcc ?? '–'} test ${r.testAcc ?? '–'} LP ${r.lpTest ?? '–'}${r.error ? ` (${r.error})` : ''}`);
      writeFileSync(join(OUT, 'results.json'), JSON.stringify(results, null, 1));
    }
  };
  await Promise.all(Array.from({ length: Number(values.jobs) }, worker));
  const md = table(results, seeds);
  writeFileSync(join(OUT, 'results.md'), `${md}\n`);
  console.log(md);
}

await main();
