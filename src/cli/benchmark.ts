/**
 * `autovp benchmark`: AutoVP's protocol over whichever benchmark tasks are at hand, every method
 * at the same budget, several seeds, linear probing beside, and the published numbers beside ours.
 *
 * Tasks are the sub-folders of --root (each an ImageFolder tree, DIR/train/<class>/… and
 * DIR/test/<class>/… or DIR/<class>/…; python/scripts/benchmark_folders.py writes the paper's
 * tasks in that layout) and the built-in datasets named in --tasks. Each run is `autovp train`
 * itself, in this process, writing OUT/runs/<task>/<method>/s<seed>; a run whose folder already
 * holds the metrics of the same arguments is read back, so an interrupted benchmark resumes.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { BUILTIN_DATASET_IDS } from '../core/data/builtinDataset';
import { benchmarkMarkdown, type BenchmarkRun, summarise, type TaskInfo } from '../core/benchmark/benchmarkTable';
import { benchmarkMethod, BENCHMARK_METHODS, DEFAULT_BENCHMARK_METHODS } from '../core/benchmark/benchmarkMethods';
import { paperTaskOf } from '../core/benchmark/paperTasks';
import { DEFAULT_DESIGN } from '../core/design/schema';
import type { CommandSpec, ParsedOptions } from './args';
import { designArgs, givenDesign, TRAIN_DESIGN_OPTIONS } from './designOptions';
import { type CliEnv, CliError, shownPath } from './env';

/** The app's default data selection (the first-run recipe), so the budget matches what a user gets. */
const DEFAULT_COUNTS = { train: 1000, val: 200, test: 300 };

export const BENCHMARK: CommandSpec = {
  name: 'benchmark',
  summary: "AutoVP's benchmark: every method on every task at hand, several seeds, beside LP and the published numbers",
  usage: 'autovp benchmark [--root DIR] [--tasks LIST] [--methods LIST] [--seeds 1,2,3] --out DIR',
  options: [
    {
      name: 'root',
      kind: 'string',
      arg: 'DIR',
      help: "A folder of task folders (svhn/, cifar10/, … or any of your own), each an ImageFolder tree; python/scripts/benchmark_folders.py writes the paper's tasks this way.",
    },
    {
      name: 'tasks',
      kind: 'list',
      arg: 'LIST',
      help: `Only these tasks: folder names under --root, or built-in datasets (${BUILTIN_DATASET_IDS.join(', ')}).`,
      defaultText: `every folder under --root, else ${BUILTIN_DATASET_IDS.join(',')}`,
    },
    {
      name: 'methods',
      kind: 'list',
      arg: 'LIST',
      help: `Methods compared: ${BENCHMARK_METHODS.map((m) => `${m.id} (${m.name})`).join('; ')}.`,
      defaultText: DEFAULT_BENCHMARK_METHODS.join(','),
    },
    { name: 'seeds', kind: 'list', arg: 'LIST', help: 'Seeds; each method runs once per seed.', defaultText: '1,2,3' },
    {
      name: 'model',
      kind: 'string',
      arg: 'ID|DIR',
      help: 'Source model (autovp models lists them).',
      defaultText: 'darknet-tiny',
    },
    {
      name: 'train-images',
      kind: 'int',
      arg: 'N',
      min: 1,
      help: 'Training images per run.',
      defaultText: String(DEFAULT_COUNTS.train),
    },
    {
      name: 'val-images',
      kind: 'int',
      arg: 'N',
      min: 1,
      help: 'Validation images per run.',
      defaultText: String(DEFAULT_COUNTS.val),
    },
    {
      name: 'test-images',
      kind: 'int',
      arg: 'N',
      min: 1,
      help: 'Test images per run.',
      defaultText: String(DEFAULT_COUNTS.test),
    },
    {
      name: 'backend',
      kind: 'string',
      arg: 'NAME',
      choices: ['wasm', 'cpu'],
      help: 'tfjs backend of every run.',
      defaultText: 'wasm',
    },
    // The recipe every method shares (what a method sets itself, e.g. its mapping, wins).
    ...TRAIN_DESIGN_OPTIONS.filter((opt) => opt.name !== 'seed'),
    {
      name: 'out',
      kind: 'string',
      arg: 'DIR',
      required: true,
      help: 'Where runs, benchmark.json and benchmark.md go.',
    },
    { name: 'quiet', kind: 'flag', help: 'Print the table only.' },
  ],
  notes: [
    "Design options (--epochs, --lr, --batch, …) change the recipe of every method; a method keeps its own prompt and mapping. Otherwise every method trains with the app's default recipe (optimiser, learning rate, schedule, batch) on the same images for the same epochs: an equal budget. Published numbers are ResNet-18 results on full datasets, shown for reference.",
  ],
  examples: [
    'autovp benchmark --tasks mnist,fashion-mnist --out bench/benchmark',
    'autovp benchmark --root ~/vp-tasks --methods fully,blm,smm --seeds 1,2 --out runs/benchmark',
  ],
};

interface Task extends TaskInfo {
  /** The --data argument. */
  data: string;
}

function listTasks(o: ParsedOptions, env: CliEnv): Task[] {
  const root = o.root === undefined ? null : resolve(env.cwd, o.root as string);
  if (root !== null && !(existsSync(root) && statSync(root).isDirectory())) {
    throw new CliError(`--root ${shownPath(env, root)} is not a folder.`, [
      'Give a folder holding one folder per task.',
    ]);
  }
  const folders = root
    ? readdirSync(root)
        .filter((n) => !n.startsWith('.') && statSync(join(root, n)).isDirectory())
        .sort()
    : [];
  const wanted = (o.tasks as string[] | undefined) ?? (root ? folders : [...BUILTIN_DATASET_IDS]);
  if (wanted.length === 0) throw new CliError(`${shownPath(env, root as string)} holds no task folders.`);
  return wanted.map((name) => {
    if (root && folders.includes(name)) {
      return { id: name, data: join(root, name), paperTask: paperTaskOf(name)?.id ?? null };
    }
    if ((BUILTIN_DATASET_IDS as readonly string[]).includes(name)) return { id: name, data: name, paperTask: null };
    throw new CliError(`--tasks: "${name}" is neither a folder under --root nor a built-in dataset.`, [
      root
        ? `Folders under ${shownPath(env, root)}: ${folders.join(', ') || 'none'}.`
        : 'Give --root DIR for task folders.',
      `Built-in datasets: ${BUILTIN_DATASET_IDS.join(', ')}.`,
    ]);
  });
}

function listMethods(o: ParsedOptions): typeof BENCHMARK_METHODS {
  return ((o.methods as string[] | undefined) ?? DEFAULT_BENCHMARK_METHODS).map((id) => {
    const m = benchmarkMethod(id);
    if (!m)
      throw new CliError(`--methods: unknown method "${id}".`, [`Methods: ${DEFAULT_BENCHMARK_METHODS.join(', ')}.`]);
    return m;
  });
}

function seedsOf(o: ParsedOptions): number[] {
  const seeds = ((o.seeds as string[] | undefined) ?? ['1', '2', '3']).map(Number);
  if (seeds.some((s) => !Number.isInteger(s) || s < 0))
    throw new CliError('--seeds takes whole numbers ≥ 0, e.g. 1,2,3.');
  return seeds;
}

/** What one finished run's metrics.json says. */
function readRun(dir: string, base: Pick<BenchmarkRun, 'task' | 'method' | 'seed' | 'classes'>): BenchmarkRun {
  const m = JSON.parse(readFileSync(join(dir, 'metrics.json'), 'utf8')) as {
    dataset?: { classes?: string[] };
    validation?: { accuracy: number | null } | null;
    test?: { accuracy: number | null } | null;
    baselineLP?: { accuracy: number | null } | null;
    baselineLPFlattened?: { accuracy: number | null } | null;
    epochDetails?: { seconds: number }[];
    timing?: { totalSeconds?: number };
  };
  const epochs = m.epochDetails ?? [];
  return {
    ...base,
    classes: m.dataset?.classes?.length ?? base.classes,
    validation: m.validation?.accuracy ?? null,
    test: m.test?.accuracy ?? null,
    lpTest: m.baselineLP?.accuracy ?? null,
    lpFlattenedTest: m.baselineLPFlattened?.accuracy ?? null,
    // Training time (epochs with their validation): comparable whether or not this run also probed.
    seconds: epochs.length ? epochs.reduce((sum, e) => sum + e.seconds, 0) : (m.timing?.totalSeconds ?? null),
  };
}

/** A Writer that keeps what it is given (a run's messages, for its error line). */
function recorder(): { write(text: string): void; text(): string } {
  let all = '';
  return { write: (t: string) => void (all += t), text: () => all };
}

/**
 * Whether SIGINT, SIGTERM or env.interrupt came while the benchmark ran. Each run's `train`
 * hears them too and stops at its next step; a second Ctrl-C quits at once.
 */
function listenForStop(env: CliEnv): { happened: () => boolean; release: () => void } {
  let happened = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (happened && signal === 'SIGINT') process.exit(130);
    happened = true;
  };
  const onAbort = () => void (happened = true);
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  env.interrupt?.addEventListener('abort', onAbort, { once: true });
  return {
    happened: () => happened,
    release: () => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      env.interrupt?.removeEventListener('abort', onAbort);
    },
  };
}

export async function runBenchmark(
  o: ParsedOptions,
  env: CliEnv,
  train: (argv: readonly string[], env: CliEnv) => Promise<number>,
): Promise<number> {
  const tasks = listTasks(o, env);
  const methods = listMethods(o);
  const seeds = seedsOf(o);
  const out = resolve(env.cwd, o.out as string);
  mkdirSync(join(out, 'runs'), { recursive: true });
  const model = (o.model as string | undefined) ?? 'darknet-tiny';
  const recipe = givenDesign(o);
  const shared = { ...DEFAULT_DESIGN, ...recipe };
  const backend = o.backend === undefined ? [] : ['--backend', o.backend as string];
  const select = [
    ...['--train-images', String((o['train-images'] as number | undefined) ?? DEFAULT_COUNTS.train)],
    ...['--val-images', String((o['val-images'] as number | undefined) ?? DEFAULT_COUNTS.val)],
    ...['--test-images', String((o['test-images'] as number | undefined) ?? DEFAULT_COUNTS.test)],
  ];
  const say = (text: string) => void (o.quiet ? undefined : env.stderr.write(`${text}\n`));
  const total = tasks.length * methods.length * seeds.length;
  say(
    `autovp benchmark · ${tasks.length} task(s) × ${methods.length} method(s) × ${seeds.length} seed(s) = ${total} runs · model ${model} · ${shared.epochs} epochs`,
  );

  const runs: BenchmarkRun[] = [];
  const probes = new Map<string, Pick<BenchmarkRun, 'lpTest' | 'lpFlattenedTest'>>();
  let done = 0;
  const interrupted = listenForStop(env);
  try {
    for (const task of tasks) {
      for (const method of methods) {
        for (const seed of seeds) {
          const dir = join(out, 'runs', task.id, method.id, `s${seed}`);
          const args = [
            '--data',
            task.data,
            '--model',
            model,
            ...select,
            ...backend,
            ...designArgs({ ...recipe, ...method.design }),
          ];
          const argsFile = join(dir, 'benchmark-args.json');
          const base = { task: task.id, method: method.id, seed, classes: 0 };
          const finished =
            existsSync(join(dir, 'metrics.json')) &&
            existsSync(argsFile) &&
            readFileSync(argsFile, 'utf8') === JSON.stringify(args);
          // Linear probing depends on the task, seed and model only: probed once, shown beside every method.
          const probeKey = `${task.id}\u0000${seed}`;
          const probe = probes.get(probeKey);
          let run: BenchmarkRun;
          if (finished) run = readRun(dir, base);
          else {
            const log = recorder();
            const noProbe = probe ? ['--no-baseline'] : [];
            const code = await train(['train', ...args, ...noProbe, '--seed', String(seed), '--out', dir, '--quiet'], {
              ...env,
              stdout: log,
              stderr: log,
            });
            // Ctrl-C stops the benchmark, not only the run it landed in (that run is not recorded).
            if (interrupted.happened()) {
              say(
                `Interrupted during ${task.id} · ${method.name} · seed ${seed}: ${done} of ${total} runs are kept in ${out}; ` +
                  'the same command again goes on from there.',
              );
              return 130;
            }
            if (code === 0 && existsSync(join(dir, 'metrics.json'))) {
              writeFileSync(argsFile, JSON.stringify(args));
              run = readRun(dir, base);
            } else {
              const lines = log
                .text()
                .trim()
                .split('\n')
                .filter((l) => l.trim() && !l.includes('AUTOVP_DEBUG'));
              run = {
                ...base,
                validation: null,
                test: null,
                lpTest: null,
                lpFlattenedTest: null,
                seconds: null,
                error: (lines.at(-1) ?? `exit ${code}`).replace(/^autovp: /, '').trim(),
              };
            }
          }
          if (run.lpTest !== null && !probe)
            probes.set(probeKey, { lpTest: run.lpTest, lpFlattenedTest: run.lpFlattenedTest });
          else if (probe && run.lpTest === null && !run.error) run = { ...run, ...probe };
          runs.push(run);
          done++;
          const pct = (x: number | null) => (x === null ? '–' : `${(100 * x).toFixed(1)}%`);
          say(
            `[${done}/${total}] ${task.id} · ${method.name} · seed ${seed}: ${run.error ? `failed: ${run.error}` : `val ${pct(run.validation)}, test ${pct(run.test)}, LP ${pct(run.lpTest)}${finished ? ' (read back)' : ''}`}`,
          );
        }
      }
    }
  } finally {
    interrupted.release();
  }
  const rows = summarise(runs, tasks, methods);
  const context = `Model ${model}; ${select.join(' ')}; ${shared.epochs} epochs; ${Object.keys(recipe).length ? 'recipe' : "the app's default recipe"} ${shared.optimizer}, lr ${shared.learningRate}, ${shared.schedule} schedule, batch ${shared.batchSize}; seeds ${seeds.join(', ')}; accuracy in %, mean ± sample std over the seeds.`;
  const markdown = benchmarkMarkdown(rows, context);
  writeFileSync(
    join(out, 'benchmark.json'),
    `${JSON.stringify({ generatedAt: new Date().toISOString(), model, recipe: shared, select, seeds, tasks, methods, rows, runs }, null, 2)}\n`,
  );
  writeFileSync(join(out, 'benchmark.md'), markdown);
  env.stdout.write(markdown);
  const failed = runs.filter((r) => r.error).length;
  if (failed)
    env.stderr.write(
      `\n${failed} of ${runs.length} runs failed; their errors are in the table and in benchmark.json.\n`,
    );
  return failed === runs.length ? 1 : 0;
}
