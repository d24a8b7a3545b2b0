/**
 * The output folder of a training run (`--out`), checked before any work and written all or
 * nothing. A run works in OUT.partial beside OUT (created up front, which proves the place is
 * writable; it also holds the run's checkpoint, so an interrupted run can be continued with
 * `--resume OUT.partial`). At the end the results move into OUT by rename: a new OUT is the
 * renamed folder itself; an existing one (an earlier run, or a search's folder) loses its old
 * metrics.json first and gets it back last, so a prompt is never left beside another run's
 * metrics (metrics.json marks a complete result).
 */
import { mkdir, readdir, rename, rm, stat, unlink, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { type CliEnv, CliError, shownPath } from './env';

/** The files a run writes into OUT, metrics.json last. */
const RESULT_FILES = ['prompt.safetensors', 'metrics.json'] as const;
const CHECKPOINT_DIR = 'checkpoint';

export interface OutputFolder {
  /** OUT, absolute. */
  target: string;
  /** OUT.partial: where the run works; its checkpoint/ is the run's checkpoint. */
  staging: string;
  checkpointDir: string;
  /** Moves the results into OUT (see the module comment). */
  commit(files: Record<(typeof RESULT_FILES)[number], string | Uint8Array>): Promise<void>;
  /** Removes OUT.partial, unless it holds a checkpoint to continue from and `keepCheckpoint` (then: true). */
  discard(keepCheckpoint?: boolean): Promise<boolean>;
}

const errorText = (e: unknown) => ((e as NodeJS.ErrnoException).code ?? (e as Error).message);

const statOrNull = (path: string) => stat(path).catch(() => null);

/** Creates `dir` level by level below its nearest existing ancestor (no recursive mkdir: it can spin on /proc). */
async function makeFolders(dir: string, refuse: (why: string) => never): Promise<void> {
  const missing: string[] = [];
  let at = dir;
  for (;;) {
    const s = await statOrNull(at);
    if (s) {
      if (!s.isDirectory()) refuse(`${at} is a file`);
      break;
    }
    missing.unshift(at);
    const up = dirname(at);
    if (up === at) refuse(`${at} does not exist`);
    at = up;
  }
  for (const level of missing) await mkdir(level).catch((e: unknown) => refuse(`cannot create ${level} (${errorText(e)})`));
}

/**
 * Checks `--out` and claims OUT.partial. `resuming`: the checkpoint folder of `--resume`, which
 * may be this run's own OUT.partial.
 */
export async function prepareOutput(raw: string | undefined, env: CliEnv, resuming: string | null = null): Promise<OutputFolder> {
  if (raw === undefined || raw.trim() === '')
    throw new CliError('--out is empty: give the folder for metrics.json and prompt.safetensors, e.g. --out runs/first.');
  const target = resolve(env.cwd, raw);
  const shown = shownPath(env, target);
  const refuse = (why: string): never => {
    throw new CliError(`Cannot write the results to ${shown}: ${why}.`, ['Give another --out folder; nothing was trained.']);
  };
  if (basename(target) === '' || dirname(target) === target) refuse('give a folder below the file system root');
  const existing = await statOrNull(target);
  if (existing && !existing.isDirectory()) refuse(`${shown} is a file`);
  if (existing) {
    for (const f of RESULT_FILES) {
      const s = await statOrNull(join(target, f));
      if (s && !s.isFile()) refuse(`${join(shown, f)} is a folder`);
    }
  }
  await makeFolders(dirname(target), refuse);
  const staging = `${target}.partial`;
  if (resolve(resuming ?? '') !== staging && (await statOrNull(staging))) {
    throw new CliError(`${shownPath(env, staging)} holds an unfinished run of ${shown}.`, [
      `Continue it with --resume ${shownPath(env, staging)}, or delete that folder to start over.`,
    ]);
  }
  await mkdir(staging, { recursive: false }).catch((e: unknown) => {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') refuse(`cannot create ${shownPath(env, staging)} (${errorText(e)})`);
  });
  const probe = join(staging, '.write-test');
  await writeFile(probe, 'autovp')
    .then(() => unlink(probe))
    .catch(async (e: unknown) => {
      await rm(staging, { recursive: true, force: true });
      refuse(`cannot write in it (${errorText(e)})`);
    });
  const checkpointDir = join(staging, CHECKPOINT_DIR);
  return {
    target,
    staging,
    checkpointDir,
    async commit(files) {
      for (const f of RESULT_FILES) await writeFile(join(staging, f), files[f]);
      await rm(checkpointDir, { recursive: true, force: true });
      if (!(await statOrNull(target))) {
        await rename(staging, target);
        return;
      }
      await unlink(join(target, 'metrics.json')).catch(() => undefined);
      for (const f of RESULT_FILES) await rename(join(staging, f), join(target, f));
      await rm(staging, { recursive: true, force: true });
    },
    async discard(keepCheckpoint = true) {
      const kept = keepCheckpoint && (await readdir(checkpointDir).catch(() => [])).length > 0;
      if (!kept) await rm(staging, { recursive: true, force: true });
      return kept;
    },
  };
}
