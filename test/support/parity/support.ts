/**
 * Node-only helpers of the parity tests against the PyTorch reference in python/: find Debian's
 * interpreter with torch, exchange tensors with it through files, run its scripts, and compare.
 *
 * Node is reached through process.getBuiltinModule (Node ≥ 20.16), as in ../network/.
 */

interface SpawnResult {
  status: number | null;
  signal: string | null;
  error?: Error;
  stdout: string;
  stderr: string;
}

interface Fs {
  readFileSync(path: string): Uint8Array;
  readFileSync(path: string, encoding: 'utf8'): string;
  writeFileSync(path: string, data: string | Uint8Array): void;
  existsSync(path: string): boolean;
  mkdirSync(path: string, options?: { recursive?: boolean }): void;
  mkdtempSync(prefix: string): string;
  rmSync(path: string, options?: { recursive?: boolean; force?: boolean }): void;
}

interface Path {
  join(...parts: string[]): string;
  resolve(...parts: string[]): string;
  dirname(path: string): string;
}

const builtin = <T>(id: string): T => {
  const process = (globalThis as { process?: { getBuiltinModule?(id: string): unknown } }).process;
  if (!process?.getBuiltinModule) throw new Error('The parity tests need Node ≥ 20.16.');
  return process.getBuiltinModule(id) as T;
};
const fs = (): Fs => builtin<Fs>('node:fs');
const path = (): Path => builtin<Path>('node:path');

/**
 * Debian's interpreter, the one with python3-torch here and on CI. AUTOVP_PYTHON overrides it
 * (another interpreter with torch and numpy; or a missing path, to see the suites skip).
 */
export const PYTHON =
  (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env?.AUTOVP_PYTHON || '/usr/bin/python3';

/** The project root (this file is test/support/parity/support.ts). */
export function projectRoot(): string {
  const url = builtin<{ fileURLToPath(u: string): string }>('node:url');
  return path().resolve(path().dirname(url.fileURLToPath(import.meta.url)), '../../..');
}

export function pythonScript(name: string): string {
  return path().join(projectRoot(), 'python', 'scripts', name);
}

/** ../shared next to the project root (read-only models for tests; absent on some machines). */
export function sharedDir(): string {
  return path().resolve(projectRoot(), '../shared');
}

export function joinPath(...parts: string[]): string {
  return path().join(...parts);
}

export function exists(p: string): boolean {
  return fs().existsSync(p);
}

export function readBytes(p: string): Uint8Array {
  return fs().readFileSync(p);
}

export function readJson<T>(p: string): T {
  return JSON.parse(fs().readFileSync(p, 'utf8')) as T;
}

function spawn(command: string, args: string[], timeoutMs: number): SpawnResult {
  const cp = builtin<{
    spawnSync(c: string, a: string[], o: { encoding: 'utf8'; timeout: number; env: Record<string, string | undefined>; maxBuffer: number }): SpawnResult;
  }>('node:child_process');
  const env = { ...(globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env };
  // One CPU thread, as on CI; no user site-packages shadowing Debian's torch.
  env.OMP_NUM_THREADS = '1';
  env.PYTHONNOUSERSITE = '1';
  env.PYTHONDONTWRITEBYTECODE = '1';
  return cp.spawnSync(command, args, { encoding: 'utf8', timeout: timeoutMs, env, maxBuffer: 64 * 1024 * 1024 });
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
  const os = builtin<{ tmpdir(): string }>('node:os');
  return fs().mkdtempSync(path().join(os.tmpdir(), `autovp-parity-${prefix}-`));
}

export function removeDir(dir: string): void {
  fs().rmSync(dir, { recursive: true, force: true });
}

export function writeFile(p: string, data: string | Uint8Array): void {
  fs().mkdirSync(path().dirname(p), { recursive: true });
  fs().writeFileSync(p, data);
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
    writeFile(path().join(dir, file), new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength));
    manifest.tensors[name] = { file, dtype, shape: t.shape };
  }
  writeFile(path().join(dir, 'manifest.json'), JSON.stringify(manifest));
}

export function readExchange(dir: string): { tensors: Record<string, Tensor>; meta: Record<string, unknown> } {
  const manifest = readJson<Manifest>(path().join(dir, 'manifest.json'));
  const tensors: Record<string, Tensor> = {};
  for (const [name, spec] of Object.entries(manifest.tensors)) {
    const bytes = readBytes(path().join(dir, spec.file));
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
