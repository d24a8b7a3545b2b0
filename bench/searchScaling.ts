/**
 * `npm run bench:search -- [--workers 1,2,N] [--scaling-trials 12] [--scaling-images 64]
 *   [--grid-epochs 9] [--grace 1] [--reduction 3] [--images 64] [--val-images 100]
 *   [--cost-workers N] [--replay 1:3,2:3,1:2,2:2] [--skip scaling,cost,halving] [--reuse-grid]
 *   [--out bench/search-scaling.json]`
 *
 * Issue 18, part 3: does `autovp search` use the machine? Two measurements, each a real
 * `autovp search` process (the CLI bundle, wasm backend, darknet-tiny, built-in MNIST):
 *
 * (a) Scaling: the same fixed set of 1-epoch trials run with --workers 1, 2, …, the core count.
 *     Wall time of the search phase (spawn to "Search … in"; the winner's training is not run),
 *     trials per hour, speed-up over one worker, the load average before and after, the CPU time
 *     of the processes, and the peak resident memory (VmHWM) of every worker process, polled from
 *     /proc. With one worker the trials run in the CLI process itself, so its peak is the worker's.
 *
 * (b) Cost at equal quality: a plain grid (every configuration for --grid-epochs epochs: ASHA
 *     with its grace period at the maximum, so no rung) against successive halving (ASHA, grace
 *     1, η 3) over the same space. Cost is counted in trial-epochs (independent of the machine's
 *     load), with wall time beside. The grid's best is the validation accuracy of its winner (its
 *     best trial at the last epoch); successive halving is replayed in the order its epochs ended
 *     (from the CLI's progress lines) and its cost is the trial-epochs spent when its winner so far
 *     first came within 1 point of the grid's best (or, if never, its final best and total cost).
 *     Beside the real run, each `--replay grace:η` schedule is replayed with the core's ASHA on the
 *     grid's measured curves (one worker, the CLI's trial order; no timing enters it).
 *     `--reuse-grid` takes the grid of an earlier run from --tmp; `--skip halving` skips the real run.
 *     A section skipped keeps what --out holds from an earlier run.
 *
 * Runs under `nice`. Writes the JSON (every run's numbers) and prints the tables.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createAsha, reportResult } from '../src/core/search/asha';
import { trialName } from '../src/core/search/trialName';
import type { TrialRecord } from '../src/core/search/searchState';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const CLI = join(ROOT, 'cli', 'autovp.mjs');

const { values: flags } = parseArgs({
  options: {
    workers: { type: 'string' },
    'scaling-trials': { type: 'string', default: '12' },
    'scaling-images': { type: 'string', default: '64' },
    'grid-epochs': { type: 'string', default: '9' },
    grace: { type: 'string', default: '1' },
    reduction: { type: 'string', default: '3' },
    images: { type: 'string', default: '64' },
    'val-images': { type: 'string', default: '100' },
    'cost-workers': { type: 'string' },
    'reuse-grid': { type: 'boolean', default: false },
    replay: { type: 'string', default: '1:3,2:3,1:2,2:2' },
    skip: { type: 'string', default: '' },
    tmp: { type: 'string', default: join(ROOT, 'bench', 'tmp', 'search-scaling') },
    out: { type: 'string', default: join(ROOT, 'bench', 'search-scaling.json') },
  },
});
const int = (name: keyof typeof flags) => {
  const v = Number(flags[name]);
  if (!Number.isInteger(v) || v < 1) throw new Error(`--${name} must be a positive integer`);
  return v;
};
const CORES = cpus().length;
const workerCounts = flags.workers
  ? flags.workers.split(',').map(Number)
  : [...new Set([1, 2, CORES])].sort((a, b) => a - b);
const skip = new Set(flags.skip.split(',').filter(Boolean));
const TMP = resolve(flags.tmp);
const TICK = 100; // clock ticks a second (Linux's USER_HZ)

/** The space both measurements search: FullyMap and FreqMap, ×1 and ×1.5, resize off/on, LoR-VP and SMM. */
const SPACE = ['--mappings', 'fully,freq', '--ks', '1', '--scales', '1,1.5', '--resize', 'both', '--prompts', 'pad,lowrank,smm'];
const SPACE_SIZE = 2 * (2 * 2 + 2);

interface ProcSample {
  pid: number;
  role: 'cli' | 'worker';
  peakRssMB: number;
  cpuSeconds: number;
}

/** /proc/<pid>: command line, VmHWM (peak RSS) and user+system CPU time; null once it is gone. */
function readProc(pid: number): { cmd: string; ppid: number; hwmMB: number; cpuSeconds: number } | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
    const hwm = /VmHWM:\s+(\d+) kB/.exec(status);
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return {
      cmd,
      ppid: Number(fields[1]),
      hwmMB: hwm ? Number(hwm[1]) / 1024 : 0,
      cpuSeconds: (Number(fields[11]) + Number(fields[12])) / TICK,
    };
  } catch {
    return null;
  }
}

type Curve = { trialEpochs: number; best: number }[];

interface ScalingRow {
  workers: number;
  trials: number;
  wallSeconds: number;
  searchSeconds: number | null;
  trialsPerHour: number;
  speedUp: number | null;
  efficiency: number | null;
  cpuSeconds: number;
  cpuSecondsPerTrial: number;
  coresBusy: number;
  peakRssMBPerWorker: number[];
  peakRssMBCli: number;
  loadBefore: number[];
  loadAfter: number[];
  trialSeconds: number;
}

interface SearchRun {
  wallSeconds: number;
  searchSeconds: number | null;
  trials: TrialRecord[];
  processes: ProcSample[];
  /** The epochs in the order they ended: [trial id, epoch]. */
  order: [string, number][];
  loadBefore: number[];
  loadAfter: number[];
}

/** One `autovp search` under nice, stopped once its search phase has written search.json. */
async function runSearch(label: string, args: string[]): Promise<SearchRun> {
  const out = join(TMP, label);
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  const loadBefore = loadavg();
  const started = performance.now();
  const child = spawn('nice', ['-n', '10', process.execPath, CLI, 'search', ...args, '--out', out], {
    cwd: ROOT,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const procs = new Map<number, ProcSample>();
  // A sample never lowers what is known: an exiting process (a zombie) has no VmHWM left.
  const note = (pid: number, role: ProcSample['role'], p: { hwmMB: number; cpuSeconds: number }) => {
    const before = procs.get(pid);
    procs.set(pid, {
      pid,
      role,
      peakRssMB: Math.max(before?.peakRssMB ?? 0, p.hwmMB),
      cpuSeconds: Math.max(before?.cpuSeconds ?? 0, p.cpuSeconds),
    });
  };
  const poll = () => {
    // `nice` execs node, so the child's pid is the CLI's; workers are its children.
    const cli = readProc(child.pid as number);
    if (cli) note(child.pid as number, 'cli', cli);
    for (const name of readdirSync('/proc')) {
      const pid = Number(name);
      if (!Number.isInteger(pid) || pid === child.pid) continue;
      const p = readProc(pid);
      if (p && p.ppid === child.pid && p.cmd.includes('__search-worker')) note(pid, 'worker', p);
    }
  };
  const timer = setInterval(poll, 500);
  let stderr = '';
  let searchEnded: number | null = null;
  const order: string[] = [];
  const done = new Promise<number | null>((resolvePromise) => {
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      let nl: number;
      while ((nl = stderr.indexOf('\n')) >= 0) {
        const line = stderr.slice(0, nl);
        stderr = stderr.slice(nl + 1);
        const epoch = /^ {2}(.+) epoch (\d+): train acc/.exec(line);
        if (epoch) order.push(`${epoch[2]}\t${epoch[1]}`);
        if (/^Search [\w-]+ in /.test(line) && searchEnded === null) {
          searchEnded = performance.now();
          poll();
          child.kill('SIGTERM'); // the winner's training is not part of the measurement
        }
        if (/error|Error/.test(line)) process.stderr.write(`  [${label}] ${line}\n`);
      }
    });
    child.on('exit', (code) => resolvePromise(code));
  });
  const code = await done;
  clearInterval(timer);
  if (searchEnded === null) throw new Error(`${label}: autovp search ended (code ${code}) before its search did`);
  const doc = JSON.parse(readFileSync(join(out, 'search.json'), 'utf8')) as {
    elapsedSeconds?: number;
    state: { trials: TrialRecord[] };
  };
  const trials = doc.state.trials;
  // Progress lines name trials; map each name back to the trial (names are unique in this space).
  const byName = new Map(trials.map((t) => [trialName(t), t.config.id]));
  return {
    wallSeconds: (searchEnded - started) / 1000,
    searchSeconds: doc.elapsedSeconds ?? null,
    trials,
    processes: [...procs.values()],
    order: order.map((o) => {
      const [epoch, name] = o.split('\t') as [string, string];
      const id = byName.get(name);
      if (!id) throw new Error(`${label}: no trial named ${name}`);
      return [id, Number(epoch)];
    }),
    loadBefore,
    loadAfter: loadavg(),
  };
}

const common = (images: number) => [
  '--data', 'mnist', '--model', 'darknet-tiny',
  '--train-images', String(images), '--trial-images', String(images),
  '--val-images', flags['val-images'], '--test-images', '10',
  '--budget-minutes', '0', '--no-baseline', '--seed', '7',
];
const round = (x: number, d = 1) => Math.round(x * 10 ** d) / 10 ** d;
const pct = (x: number) => `${round(x * 100, 1).toFixed(1)}%`;
const load = (l: number[]) => l.map((x) => x.toFixed(2)).join(' / ');

// A section skipped now keeps what the file holds from an earlier run (each section has its date).
const previous = existsSync(resolve(flags.out))
  ? (JSON.parse(readFileSync(resolve(flags.out), 'utf8')) as Record<string, unknown>)
  : {};
const result: Record<string, unknown> = {
  ...previous,
  date: new Date().toISOString(),
  machine: { cores: CORES, cpu: cpus()[0]?.model, memoryGB: round(totalmem() / 2 ** 30, 1), node: process.version },
  flags,
};
const save = () => writeFileSync(resolve(flags.out), `${JSON.stringify(result, null, 2)}\n`);

// (a) Scaling.
if (!skip.has('scaling')) {
  const trials = int('scaling-trials');
  const images = int('scaling-images');
  const rows: ScalingRow[] = [];
  let oneWorker: number | null = null;
  for (const w of workerCounts) {
    process.stderr.write(`scaling: ${trials} trials × 1 epoch, --workers ${w}…\n`);
    const run = await runSearch(`scaling-w${w}`, [
      ...common(images), ...SPACE, '--max-trials', String(trials), '--max-epochs', '1', '--workers', String(w),
    ]);
    const trained = run.trials.filter((t) => t.epochs.length > 0).length;
    const perHour = (trained / run.wallSeconds) * 3600;
    oneWorker ??= w === 1 ? perHour : null;
    const workers = run.processes.filter((p) => p.role === (w === 1 ? 'cli' : 'worker'));
    const cpu = run.processes.reduce((s, p) => s + p.cpuSeconds, 0);
    const row: ScalingRow = {
      workers: w,
      trials: trained,
      wallSeconds: round(run.wallSeconds),
      searchSeconds: run.searchSeconds === null ? null : round(run.searchSeconds),
      trialsPerHour: round(perHour),
      speedUp: oneWorker ? round(perHour / oneWorker, 2) : null,
      efficiency: oneWorker ? round(perHour / oneWorker / w, 2) : null,
      cpuSeconds: round(cpu),
      cpuSecondsPerTrial: round(cpu / trained),
      coresBusy: round(cpu / run.wallSeconds, 2),
      peakRssMBPerWorker: workers.map((p) => Math.round(p.peakRssMB)),
      peakRssMBCli: Math.round(run.processes.find((p) => p.role === 'cli')?.peakRssMB ?? 0),
      loadBefore: run.loadBefore.map((x) => round(x, 2)),
      loadAfter: run.loadAfter.map((x) => round(x, 2)),
      trialSeconds: round(run.trials.reduce((s, t) => s + t.epochs.reduce((a, e) => a + e.seconds, 0), 0) / trained),
    };
    rows.push(row);
    result.scaling = { date: new Date().toISOString(), trials, epochsPerTrial: 1, trainImages: images, valImages: Number(flags['val-images']), rows };
    save();
  }
  console.log(`\nScaling: ${trials} trials × 1 epoch (darknet-tiny, MNIST, ${images} train + ${flags['val-images']} validation images), ${CORES} cores`);
  console.log('| workers | wall (s) | trials/h | speed-up | per worker | CPU busy (cores) | CPU s per trial | peak RSS per worker (MB) | CLI peak RSS (MB) | load 1/5/15 before → after |');
  console.log('|---|---|---|---|---|---|---|---|---|---|');
  for (const r of rows)
    console.log(
      `| ${r.workers} | ${r.wallSeconds} | ${r.trialsPerHour} | ${r.speedUp ?? '–'}× | ${r.efficiency ?? '–'} | ${r.coresBusy} | ${r.cpuSecondsPerTrial} | ${r.peakRssMBPerWorker.join(', ')} | ${r.peakRssMBCli} | ${load(r.loadBefore)} → ${load(r.loadAfter)} |`,
    );
}

// (b) Cost at equal quality.
if (!skip.has('cost')) {
  const epochs = int('grid-epochs');
  const images = int('images');
  const w = flags['cost-workers'] ? int('cost-workers') : Math.min(2, CORES);
  const base = [...common(images), ...SPACE, '--max-epochs', String(epochs), '--workers', String(w)];
  // --reuse-grid: the grid of an earlier run of the same sizes (its search.json in --tmp), so
  // another schedule is compared with it without training the grid again.
  const earlier = (previous.cost as { grid?: { wallSeconds: number; loadBefore: number[]; loadAfter: number[] } } | undefined)?.grid;
  const grid: SearchRun = flags['reuse-grid']
    ? {
        wallSeconds: earlier?.wallSeconds ?? NaN,
        searchSeconds: null,
        trials: (JSON.parse(readFileSync(join(TMP, 'grid', 'search.json'), 'utf8')) as { state: { trials: TrialRecord[] } }).state.trials,
        processes: [],
        order: [],
        loadBefore: earlier?.loadBefore ?? [],
        loadAfter: earlier?.loadAfter ?? [],
      }
    : (process.stderr.write(`cost: grid, ${SPACE_SIZE} configurations × ${epochs} epochs, --workers ${w}…\n`),
      await runSearch('grid', [...base, '--grace', String(epochs), '--reduction', flags.reduction]));
  const lastAcc = (t: TrialRecord) => t.epochs[t.epochs.length - 1]?.valAcc ?? -1;
  const gridEpochs = grid.trials.reduce((s, t) => s + t.epochs.length, 0);
  const gridBest = Math.max(...grid.trials.map(lastAcc));
  const within = (curve: Curve) => curve.find((c) => c.best >= gridBest - 0.01 - 1e-9) ?? null;
  const summary = (curve: Curve, trialEpochs: number) => {
    const reached = within(curve);
    return {
      trialEpochs,
      bestValAcc: curve[curve.length - 1]?.best ?? -1,
      withinOnePointAt: reached,
      costFractionToReach: reached ? round(reached.trialEpochs / gridEpochs, 3) : null,
      costFractionTotal: round(trialEpochs / gridEpochs, 3),
    };
  };
  const trialRow = (t: TrialRecord) => ({
    id: t.config.id,
    name: trialName(t),
    epochs: t.epochs.length,
    valAccByEpoch: t.epochs.map((e) => round(e.valAcc, 4)),
  });
  // A schedule replayed on the grid's measured curves with one worker (a trial trains alike
  // however it is scheduled, which the real run's count checks): the core's ASHA decides, in the
  // order the CLI starts the trials; no timing enters it. Grace = the maximum is the grid itself.
  const replay = (grace: number, eta: number): Curve => {
    const asha = createAsha({ maxEpochs: epochs, gracePeriod: Math.min(grace, epochs), reductionFactor: eta });
    const latest = new Map<string, number>();
    const curve: Curve = [];
    for (const t of grid.trials) {
      for (const [i, e] of t.epochs.entries()) {
        latest.set(t.config.id, e.valAcc);
        curve.push({ trialEpochs: curve.length + 1, best: Math.max(...latest.values()) });
        if (reportResult(asha, t.config.id, i + 1, e.valAcc) === 'stop') break;
      }
    }
    return curve;
  };
  const gridCurve = replay(epochs, 2);
  const replays = flags.replay.split(',').map((pair) => {
    const [grace, eta] = pair.split(':').map(Number) as [number, number];
    const curve = replay(grace, eta);
    return { grace, reduction: eta, ...summary(curve, curve.length), curve };
  });
  const section: Record<string, unknown> = {
    date: new Date().toISOString(),
    configurations: grid.trials.length,
    trainImages: images,
    valImages: Number(flags['val-images']),
    workers: w,
    grid: {
      epochsPerTrial: epochs,
      ...summary(gridCurve, gridEpochs),
      wallSeconds: round(grid.wallSeconds),
      loadBefore: grid.loadBefore,
      loadAfter: grid.loadAfter,
      trials: grid.trials.map(trialRow),
    },
    replayedOnGrid: replays,
  };
  const rows: string[] = [];
  const row = (label: string, sum: ReturnType<typeof summary>, wall: string) =>
    rows.push(
      `| ${label} | ${sum.trialEpochs} | ${wall} | ${pct(sum.bestValAcc)} | ${sum.withinOnePointAt ? `${sum.withinOnePointAt.trialEpochs} (${pct(sum.withinOnePointAt.best)}) · ${sum.costFractionToReach}` : 'never'} | ${sum.costFractionTotal} |`,
    );
  row(`grid (${epochs} epochs each)`, summary(gridCurve, gridEpochs), String(round(grid.wallSeconds)));
  if (!skip.has('halving')) {
    process.stderr.write(`cost: successive halving (grace ${flags.grace}, η ${flags.reduction}), --workers ${w}…\n`);
    const sh = await runSearch(`halving-g${flags.grace}-eta${flags.reduction}`, [...base, '--grace', flags.grace, '--reduction', flags.reduction]);
    // Replayed in the order its epochs ended: its winner so far after each.
    const latest = new Map<string, number>();
    const byId = new Map(sh.trials.map((t) => [t.config.id, t]));
    const curve: Curve = [];
    for (const [id, epoch] of sh.order) {
      latest.set(id, byId.get(id)?.epochs[epoch - 1]?.valAcc ?? -1);
      curve.push({ trialEpochs: curve.length + 1, best: Math.max(...latest.values()) });
    }
    // Same trial, same epoch, same accuracy? (each trial trains alike however it is scheduled)
    const gridById = new Map(grid.trials.map((t) => [t.config.id, t]));
    let same = 0;
    let compared = 0;
    for (const t of sh.trials)
      t.epochs.forEach((e, i) => {
        const g = gridById.get(t.config.id)?.epochs[i];
        if (!g) return;
        compared++;
        if (Math.abs(g.valAcc - e.valAcc) < 1e-9) same++;
      });
    const shSummary = summary(curve, sh.trials.reduce((s, t) => s + t.epochs.length, 0));
    section.halving = {
      grace: Number(flags.grace),
      reduction: Number(flags.reduction),
      ...shSummary,
      wallSeconds: round(sh.wallSeconds),
      loadBefore: sh.loadBefore,
      loadAfter: sh.loadAfter,
      curve,
      trials: sh.trials.map(trialRow),
      sameAccuracyAsGrid: { same, compared },
    };
    row(`successive halving, run (grace ${flags.grace}, η ${flags.reduction}, ${w} workers)`, shSummary, String(round(sh.wallSeconds)));
    rows.push(`Same trial and epoch, same validation accuracy in the grid and the run: ${same} of ${compared}.`);
  }
  for (const r of replays) row(`successive halving, replayed (grace ${r.grace}, η ${r.reduction}, 1 worker)`, r, '–');
  result[flags['reuse-grid'] ? 'costReplayed' : 'cost'] = section;
  save();
  console.log(`\nCost at equal quality: ${grid.trials.length} configurations (darknet-tiny, MNIST, ${images} train + ${flags['val-images']} validation images), grid's best ${pct(gridBest)}`);
  console.log('| search | trial-epochs | wall (s) | best validation accuracy | within 1 point of the grid at (trial-epochs, share of the grid) | share of the grid’s cost, all of it |');
  console.log('|---|---|---|---|---|---|');
  for (const r of rows) console.log(r);
}
console.log(`\nWrote ${flags.out}`);
