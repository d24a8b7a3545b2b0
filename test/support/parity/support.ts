/**
 * Helpers of the parity tests against the PyTorch reference in python/: find Debian's interpreter
 * with torch, exchange tensors with it through files, run its scripts, and compare.
 */
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';


/**
 * Debian's interpreter, the one with python3-torch here and on CI. AUTOVP_PYTHON overrides it
 * (another interpreter with torch and numpy; or a missing path, to see the suites skip).
 */
export const PYTHON = process.env.AUTOVP_PYTHON || '/usr/bin/python3';

/** The project root (this file is test/support/parity/support.ts). */
export function projectRoot(): string {
  return resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
}

export function pythonScript(name: string): string {
  return join(projectRoot(), 'python', 'scripts', name);
}

/** ../shared next to the project root (read-only models for tests; absent on some machines). */
export function sharedDir(): string {
  return resolve(projectRoot(), '../shared');
}

export function joinPath(...parts: string[]): string {
  return join(...parts);
}

export function exists(p: string): boolean {
  return existsSync(p);
}

export function readBytes(p: string): Uint8Array {
  return readFileSync(p);
}

export function readJson<T>(p: string): T {
  return JSON.parse(readFileSync(p, 'utf8')) as T;
}

function spawn(command: string, args: string[], timeoutMs: number): SpawnSyncReturns<string> {
  const env = { ...process.env };
  // One CPU thread, as on CI; no user site-packages shadowing Debian's torch.
  env.OMP_NUM_THREADS = '1';
  env.PYTHONNOUSERSITE = '1';
  env.PYTHONDONTWRITEBYTECODE = '1';
  return spawnSync(command, args, { encoding: 'utf8', timeout: timeoutMs, env, maxBuffer: 64 * 1024 * 1024 });
}

let torchCheck: string | null | undefined;

/**
 * Why the PyTorch reference cannot run here, or null when it can. The parity suites skip with
 * this reason (a clone without Debian's python3-torch passes; CI installs it).
 */
export function torchUnavailable(): string | null {
  if (torchCheck !== undefined) return torchCheck;
  if (!exists(PYTHON)) {
    torchCheck = `${PYTHON} is missing (install python3-torch python3-numpy: scripts/install-test-deps.sh)`;
    return torchCheck;
  }
  const r = spawn(PYTHON, ['-c', 'import torch, numpy; print(torch.__version__)'], 60_000);
  torchCheck = r.status === 0
    ? null
    : `${PYTHON} cannot import torch and numpy (install python3-torch python3-numpy: scripts/install-test-deps.sh): ${(r.stderr || r.error?.message || '').trim().split('\n').pop()}`;
  return torchCheck;
}

/** Runs a command with the environment the parity tests give Python (one thread, no user site). */
export function runCommand(command: string, args: string[], timeoutMs: number): { status: number | null; stdout: string; stderr: string } {
  const r = spawn(command, args, timeoutMs);
  return { status: r.status, stdout: r.stdout ?? '', stderr: `${r.stderr ?? ''}${r.error ? `\n${r.error.message}` : ''}` };
}

/** Runs a script of python/scripts with Debian's interpreter; throws with its stderr on failure. */
export function runPython(script: string, args: string[], timeoutMs = 120_000): string {
  const r = spawn(PYTHON, [pythonScript(script), ...args], timeoutMs);
  if (r.status !== 0) {
    throw new Error(`${script} failed (status ${r.status}, signal ${r.signal}): ${r.error?.message ?? ''}\n${r.stderr}`);
  }
  return r.stdout;
}

export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `autovp-parity-${prefix}-`));
}

export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

export function writeFile(p: string, data: string | Uint8Array): void {
  mkdirSync(dirname(p), { recursive: true });
  writeFileSync(p, data);
}

// ---------------------------------------------------------------------------------------------
// Tensor exchange (python/autovp/exchange.py): manifest.json + one raw little-endian file each.
// ---------------------------------------------------------------------------------------------

export interface Tensor {
  data: Float32Array | Float64Array | Int32Array;
  shape: number[];
}

interface Manifest {
  tensors: Record<string, { file: string; dtype: 'float32' | 'float64' | 'int32'; shape: number[] }>;
  meta: Record<string, unknown>;
}

const fileName = (name: string) => `${name.replace(/[^A-Za-z0-9_.-]/g, '_')}.bin`;

export function writeExchange(dir: string, tensors: Record<string, Tensor>, meta: Record<string, unknown>): void {
  const manifest: Manifest = { tensors: {}, meta };
  for (const [name, t] of Object.entries(tensors)) {
    const size = t.shape.reduce((a, b) => a * b, 1);
    if (size !== t.data.length) throw new Error(`${name}: shape [${t.shape}] does not hold ${t.data.length} values`);
    const dtype = t.data instanceof Int32Array ? 'int32' : t.data instanceof Float64Array ? 'float64' : 'float32';
    const file = fileName(name);
    // Typed arrays are little-endian on every platform Node runs on.
    writeFile(join(dir, file), new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength));
    manifest.tensors[name] = { file, dtype, shape: t.shape };
  }
  writeFile(join(dir, 'manifest.json'), JSON.stringify(manifest));
}

export function readExchange(dir: string): { tensors: Record<string, Tensor>; meta: Record<string, unknown> } {
  const manifest = readJson<Manifest>(join(dir, 'manifest.json'));
  const tensors: Record<string, Tensor> = {};
  for (const [name, spec] of Object.entries(manifest.tensors)) {
    const bytes = readBytes(join(dir, spec.file));
    const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
    const data = spec.dtype === 'int32' ? new Int32Array(buffer) : spec.dtype === 'float64' ? new Float64Array(buffer) : new Float32Array(buffer);
    tensors[name] = { data, shape: spec.shape };
  }
  return { tensors, meta: manifest.meta };
}

// ---------------------------------------------------------------------------------------------
// Comparison
// ---------------------------------------------------------------------------------------------

export interface Difference {
  name: string;
  /** max |a − b| */
  maxAbs: number;
  /** max |b| */
  scale: number;
  /** maxAbs / max |b| */
  maxRel: number;
  size: number;
}

export function difference(name: string, actual: ArrayLike<number>, expected: ArrayLike<number>): Difference {
  if (actual.length !== expected.length) throw new Error(`${name}: ${actual.length} values against ${expected.length}`);
  let maxAbs = 0;
  let scale = 0;
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i] as number;
    const b = expected[i] as number;
    if (!Number.isFinite(a) || !Number.isFinite(b)) {
      if (a !== b) maxAbs = Infinity;
      continue;
    }
    maxAbs = Math.max(maxAbs, Math.abs(a - b));
    scale = Math.max(scale, Math.abs(b));
  }
  return { name, maxAbs, scale, maxRel: scale > 0 ? maxAbs / scale : maxAbs === 0 ? 0 : Infinity, size: expected.length };
}

/** Within tolerance: relative to the largest expected magnitude, or absolutely. */
export function withinTolerance(d: Difference, rel: number, abs: number): boolean {
  return d.maxAbs <= abs || d.maxAbs <= rel * d.scale;
}

/** Collects the measured differences of a suite and prints them as one table. */
export class DifferenceLog {
  readonly rows: Difference[] = [];

  add(d: Difference): Difference {
    this.rows.push(d);
    return d;
  }

  format(title: string): string {
    const lines = this.rows.map((r) =>
      `  ${r.name.padEnd(44)} max|Δ| ${r.maxAbs.toExponential(2).padStart(9)}  max|ref| ${r.scale.toExponential(2).padStart(9)}  rel ${r.maxRel.toExponential(2).padStart(9)}  (${r.size})`);
    return [`${title}`, ...lines].join('\n');
  }
}
