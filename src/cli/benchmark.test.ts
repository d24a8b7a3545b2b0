/**
 * `autovp benchmark` end to end, in process (runCli) on the tiny model folder: task folders under
 * --root (one named as a paper task, so the published numbers appear), two methods, two seeds,
 * results written and read back on a second run; and python/scripts/benchmark_folders.py's layout
 * (torchvision's FakeData) read by the benchmark, when Debian's torchvision is installed.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BenchmarkRow } from '../core/benchmark/benchmarkTable';
import { writeTrainTest } from '../../test/support/imageFolder';
import { PYTHON, runCommand } from '../../test/support/parity/support';
import { writeTinyModelFolder } from '../../test/support/tinyModelFolder';
import { runCli } from './main';

const ROOT = resolve(__dirname, '../..');
let tmp = '';

/** runCli in process; `interruptOn`: a Ctrl-C (env.interrupt) as soon as stderr shows it. */
async function autovp(args: string[], interruptOn?: string): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const interrupt = new AbortController();
  const code = await runCli(args, {
    root: ROOT,
    cwd: tmp,
    stdout: { write: (t) => void (stdout += t) },
    stderr: {
      write: (t) => {
        stderr += t;
        if (interruptOn && stderr.includes(interruptOn)) interrupt.abort();
      },
    },
    vars: { AUTOVP_OFFLINE: '1', AUTOVP_CACHE_DIR: join(tmp, 'cache') },
    interrupt: interrupt.signal,
  });
  return { code, stdout, stderr };
}

/** A small, fast budget on the tiny model (16² input). */
const TINY = ['--model', 'tiny', '--backend', 'cpu', '--epochs', '1', '--batch', '8', '--base-size', '8'];
const COUNTS = ['--train-images', '12', '--val-images', '6', '--test-images', '6'];

beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'autovp-benchmark-'));
  await tf.setBackend('cpu');
  await writeTinyModelFolder(join(tmp, 'tiny'));
  writeTrainTest(join(tmp, 'tasks', 'eurosat'), 6, 3, 1);
  writeTrainTest(join(tmp, 'tasks', 'my-colours'), 6, 3, 2);
});

afterAll(() => {
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

describe('autovp benchmark', () => {
  it('runs every method on every task folder over the seeds, beside LP and the published numbers, and resumes', async () => {
    const args = [
      'benchmark',
      '--root',
      'tasks',
      '--methods',
      'fully,iter',
      '--seeds',
      '1,2',
      ...TINY,
      ...COUNTS,
      '--out',
      'bench',
    ];
    const first = await autovp(args);
    expect(first.stderr).toContain('2 task(s) × 2 method(s) × 2 seed(s) = 8 runs');
    expect(first.code).toBe(0);
    const json = JSON.parse(readFileSync(join(tmp, 'bench', 'benchmark.json'), 'utf8')) as { rows: BenchmarkRow[] };
    expect(json.rows.map((r) => `${r.task}/${r.method}`)).toEqual([
      'eurosat/fully',
      'eurosat/iter',
      'my-colours/fully',
      'my-colours/iter',
    ]);
    for (const row of json.rows) {
      expect(row.errors).toEqual([]);
      expect(row.test?.n).toBe(2);
      expect(row.validation?.n).toBe(2);
      expect(row.lpTest?.n).toBe(2);
      expect(row.chance).toBeCloseTo(100 / 3, 6);
    }
    expect(json.rows[0]?.published.map((p) => `${p.method} ${p.accuracy}`)).toEqual([
      'AutoVP 93',
      'ILM-VP 85.2',
      'SMM 92.2',
    ]);
    expect(json.rows[2]?.published).toEqual([]);
    const md = readFileSync(join(tmp, 'bench', 'benchmark.md'), 'utf8');
    expect(first.stdout).toBe(md);
    expect(md).toContain('AutoVP (paper)');
    expect(md).toMatch(/\| eurosat \| FullyMap, padding \(AutoVP; the app default\) \| [\d.]+ ± [\d.]+ \|/);
    expect(md).toMatch(/- my-colours: best by validation is /);
    // The probe ran once per task and seed (with the first method) and is shown beside each method.
    const iter1 = JSON.parse(readFileSync(join(tmp, 'bench', 'runs', 'eurosat', 'iter', 's1', 'metrics.json'), 'utf8'));
    expect(iter1.baselineLP ?? null).toBeNull();
    expect(json.rows[1]?.lpTest).toEqual(json.rows[0]?.lpTest);
    // Each run is `autovp train`'s own output folder.
    expect(readdirSync(join(tmp, 'bench', 'runs', 'eurosat', 'iter')).sort()).toEqual(['s1', 's2']);
    expect(existsSync(join(tmp, 'bench', 'runs', 'eurosat', 'iter', 's1', 'prompt.safetensors'))).toBe(true);

    // Run again: every finished run is read back, and the table is the same.
    const again = await autovp(args);
    expect(again.code).toBe(0);
    expect(again.stderr.match(/\(read back\)/g)).toHaveLength(8);
    expect(JSON.parse(readFileSync(join(tmp, 'bench', 'benchmark.json'), 'utf8')).rows).toEqual(json.rows);
  });

  it('stops on Ctrl-C, keeps the runs done, and goes on from them when run again', async () => {
    const args = ['benchmark', '--root', 'tasks', '--tasks', 'my-colours', '--methods', 'fully', '--seeds', '1,2,3', ...TINY, ...COUNTS, '--out', 'stopped'];
    const stopped = await autovp(args, '[1/3]');
    expect(stopped.code).toBe(130);
    expect(stopped.stderr).toContain('Interrupted during my-colours · FullyMap, padding (AutoVP; the app default) · seed 2: 1 of 3 runs are kept');
    expect(stopped.stderr).not.toContain('[2/3]');
    expect(existsSync(join(tmp, 'stopped', 'benchmark.json'))).toBe(false);
    const again = await autovp(args);
    expect(again.code).toBe(0);
    expect(again.stderr).toMatch(/\[1\/3\] my-colours .* seed 1: .*\(read back\)/);
    expect(again.stderr).toMatch(/\[2\/3\] my-colours .* seed 2: val [\d.]+%/);
    expect(again.stderr).not.toMatch(/seed 2: .*\(read back\)/);
  });

  it('refuses unknown tasks and methods, naming what there is', async () => {
    const task = await autovp(['benchmark', '--root', 'tasks', '--tasks', 'cifar10', '--out', 'x']);
    expect(task.code).toBe(1);
    expect(task.stderr).toContain('--tasks: "cifar10" is neither a folder under --root nor a built-in dataset.');
    expect(task.stderr).toContain('Folders under tasks: eurosat, my-colours.');
    const method = await autovp(['benchmark', '--root', 'tasks', '--methods', 'fully,ilm', '--out', 'x']);
    expect(method.code).toBe(1);
    expect(method.stderr).toContain('--methods: unknown method "ilm".');
    const root = await autovp(['benchmark', '--root', 'nowhere', '--out', 'x']);
    expect(root.code).toBe(1);
    expect(root.stderr).toContain('--root nowhere is not a folder.');
  });

  it('reads the layout python/scripts/benchmark_folders.py writes', async (ctx) => {
    const probe = runCommand(PYTHON, ['-c', 'import torchvision'], 60_000);
    if (probe.status !== 0) {
      ctx.skip(`${PYTHON} has no torchvision (bash scripts/install-test-deps.sh installs it)`);
      return;
    }
    const made = runCommand(
      PYTHON,
      [
        join(ROOT, 'python', 'scripts', 'benchmark_folders.py'),
        '--root',
        join(tmp, 'made'),
        '--fake',
        '3',
        '--fake-images',
        '6',
      ],
      120_000,
    );
    expect(made.status, made.stderr).toBe(0);
    expect(readdirSync(join(tmp, 'made'))).toEqual(['fake']);
    expect(readdirSync(join(tmp, 'made', 'fake')).sort()).toEqual(['test', 'train']);
    const r = await autovp([
      'benchmark',
      '--root',
      'made',
      '--methods',
      'fully',
      '--seeds',
      '1',
      ...TINY,
      '--out',
      'bench-made',
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/\| fake \| FullyMap/);
  });
});
