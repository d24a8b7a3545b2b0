/**
 * Every trained or imported prompt, kept in IndexedDB (via idb) until the user deletes it:
 *   runs     id → StoredRunInfo (small: what the runs list shows, the report needs)
 *   prompts  runId → the run's latest prompt file (.safetensors bytes)
 *   resume   runId → the trainer's state at that prompt's epoch checkpoint (optimiser, shuffles),
 *            while the run may still be resumed; written in the same transaction as the prompt
 * A training run writes its record when it starts and a checkpoint of its prompt file after
 * every epoch and when it ends, so a crash or a reload loses at most the epoch in progress.
 * A run that was training when its tab died is listed as 'interrupted': training holds a Web
 * Lock named after the run for as long as it runs, and the browser releases it with the tab.
 */
import type { DBSchema } from 'idb';
import { lazyDatabase } from '../../browser/lazyDatabase';
import type { TrainerState } from '../../engine/train/trainer';
import type { StoredRunInfo } from '../api/runsApi';

const DB_NAME = 'autovp-runs';
const DB_VERSION = 2;

interface PromptRecord {
  runId: string;
  bytes: ArrayBuffer;
  savedAt: number;
}

interface ResumeRecord {
  runId: string;
  trainer: TrainerState;
}

interface Schema extends DBSchema {
  runs: { key: string; value: StoredRunInfo };
  prompts: { key: string; value: PromptRecord };
  resume: { key: string; value: ResumeRecord };
}

const db = lazyDatabase<Schema>(DB_NAME, DB_VERSION, (d, oldVersion) => {
  if (oldVersion < 1) {
    d.createObjectStore('runs', { keyPath: 'id' });
    d.createObjectStore('prompts', { keyPath: 'runId' });
  }
  if (oldVersion < 2) d.createObjectStore('resume', { keyPath: 'runId' });
});

export const runLockName = (id: string) => `autovp-run-${id}`;

/** Holds the run's lock until `done` settles (no-op where Web Locks are missing). */
export function holdRunLock(id: string, done: Promise<unknown>): void {
  const locks = (self.navigator as { locks?: LockManager }).locks;
  if (!locks) return;
  void locks.request(runLockName(id), () => done.catch(() => undefined)).catch(() => undefined);
}

async function heldRunLocks(): Promise<Set<string> | null> {
  const locks = (self.navigator as { locks?: LockManager }).locks;
  if (!locks) return null;
  try {
    const state = await locks.query();
    return new Set((state.held ?? []).map((l) => l.name ?? ''));
  } catch {
    return null;
  }
}

const exactBuffer = (a: Uint8Array): ArrayBuffer =>
  (a.byteOffset === 0 && a.byteLength === a.buffer.byteLength ? a.buffer : a.slice().buffer) as ArrayBuffer;

/**
 * All runs, newest first; runs whose training died with their tab (or worker) show as
 * 'interrupted'; `resumable` marks those whose last epoch checkpoint can be trained on.
 */
export async function listStoredRuns(): Promise<StoredRunInfo[]> {
  const d = await db();
  const [runs, resumable, held] = await Promise.all([d.getAll('runs'), d.getAllKeys('resume'), heldRunLocks()]);
  const canResume = new Set(resumable);
  return runs
    .map((r) => {
      const listed = r.status === 'training' && held && !held.has(runLockName(r.id)) ? { ...r, status: 'interrupted' as const } : r;
      return canResume.has(r.id) && listed.status !== 'training' ? { ...listed, resumable: true } : listed;
    })
    .sort((a, b) => b.createdAt - a.createdAt);
}

/** The trainer's state saved with the run's epoch checkpoint, or null. */
export async function getResumeState(id: string): Promise<TrainerState | null> {
  return (await (await db()).get('resume', id))?.trainer ?? null;
}

/** The run can no longer be resumed (it finished, or the user let it go); its prompt stays. */
export async function forgetResumeState(id: string): Promise<void> {
  await (await db()).delete('resume', id);
}

export async function getStoredRun(id: string): Promise<StoredRunInfo | null> {
  return (await (await db()).get('runs', id)) ?? null;
}

/** The run's prompt file, or null when none was saved yet. */
export async function getRunPromptBytes(id: string): Promise<Uint8Array | null> {
  const r = await (await db()).get('prompts', id);
  return r ? new Uint8Array(r.bytes) : null;
}

/**
 * Writes the run's record, and its prompt file when given, in one transaction; with the prompt,
 * the trainer's state of the same checkpoint (`resume`), or null to say it cannot be resumed.
 */
export async function putRun(info: StoredRunInfo, prompt?: Uint8Array, resume?: TrainerState | null): Promise<void> {
  const d = await db();
  const tx = d.transaction(['runs', 'prompts', 'resume'], 'readwrite');
  const { resumable: _listedOnly, ...record } = info;
  const writes: Promise<unknown>[] = [tx.objectStore('runs').put(record)];
  if (prompt)
    writes.push(tx.objectStore('prompts').put({ runId: info.id, bytes: exactBuffer(prompt), savedAt: Date.now() }));
  if (resume) writes.push(tx.objectStore('resume').put({ runId: info.id, trainer: resume }));
  else if (resume === null) writes.push(tx.objectStore('resume').delete(info.id));
  try {
    await Promise.all([...writes, tx.done]);
  } catch (e) {
    throw tx.error ?? e;
  }
}

/** Changes a stored record (read-modify-write in one transaction); null when the run is gone. */
export async function updateRun(
  id: string,
  change: (info: StoredRunInfo) => StoredRunInfo,
): Promise<StoredRunInfo | null> {
  const d = await db();
  const tx = d.transaction('runs', 'readwrite');
  const info = await tx.store.get(id);
  if (!info) {
    await tx.done;
    return null;
  }
  const next = change(info);
  await Promise.all([tx.store.put(next), tx.done]);
  return next;
}

export async function deleteStoredRun(id: string): Promise<void> {
  const d = await db();
  const tx = d.transaction(['runs', 'prompts', 'resume'], 'readwrite');
  await Promise.all([
    tx.objectStore('runs').delete(id),
    tx.objectStore('prompts').delete(id),
    tx.objectStore('resume').delete(id),
    tx.done,
  ]);
}
