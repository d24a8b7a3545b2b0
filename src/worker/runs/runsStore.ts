/**
 * Every trained or imported prompt, kept in IndexedDB (via idb) until the user deletes it:
 *   runs     id → StoredRunInfo (small: what the runs list shows, the report needs)
 *   prompts  runId → the run's latest prompt file (.safetensors bytes)
 * A training run writes its record when it starts and a checkpoint of its prompt file after
 * every epoch and when it ends, so a crash or a reload loses at most the epoch in progress.
 * A run that was training when its tab died is listed as 'interrupted': training holds a Web
 * Lock named after the run for as long as it runs, and the browser releases it with the tab.
 */
import type { DBSchema } from 'idb';
import { lazyDatabase } from '../../browser/lazyDatabase';
import type { StoredRunInfo } from '../api/runsApi';

const DB_NAME = 'autovp-runs';
const DB_VERSION = 1;

interface PromptRecord {
  runId: string;
  bytes: ArrayBuffer;
  savedAt: number;
}

interface Schema extends DBSchema {
  runs: { key: string; value: StoredRunInfo };
  prompts: { key: string; value: PromptRecord };
}

const db = lazyDatabase<Schema>(DB_NAME, DB_VERSION, (d) => {
  d.createObjectStore('runs', { keyPath: 'id' });
  d.createObjectStore('prompts', { keyPath: 'runId' });
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

/** All runs, newest first; runs whose training died with their tab show as 'interrupted'. */
export async function listStoredRuns(): Promise<StoredRunInfo[]> {
  const [runs, held] = await Promise.all([(await db()).getAll('runs'), heldRunLocks()]);
  return runs
    .map((r) =>
      r.status === 'training' && held && !held.has(runLockName(r.id)) ? { ...r, status: 'interrupted' as const } : r,
    )
    .sort((a, b) => b.createdAt - a.createdAt);
}

export async function getStoredRun(id: string): Promise<StoredRunInfo | null> {
  return (await (await db()).get('runs', id)) ?? null;
}

/** The run's prompt file, or null when none was saved yet. */
export async function getRunPromptBytes(id: string): Promise<Uint8Array | null> {
  const r = await (await db()).get('prompts', id);
  return r ? new Uint8Array(r.bytes) : null;
}

/** Writes the run's record, and its prompt file when given, in one transaction. */
export async function putRun(info: StoredRunInfo, prompt?: Uint8Array): Promise<void> {
  const d = await db();
  const tx = d.transaction(['runs', 'prompts'], 'readwrite');
  const writes = [tx.objectStore('runs').put(info)];
  if (prompt)
    writes.push(tx.objectStore('prompts').put({ runId: info.id, bytes: exactBuffer(prompt), savedAt: Date.now() }));
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
  const tx = d.transaction(['runs', 'prompts'], 'readwrite');
  await Promise.all([tx.objectStore('runs').delete(id), tx.objectStore('prompts').delete(id), tx.done]);
}
