/**
 * AutoVP searches kept in IndexedDB ('autovp-searches', via idb): the whole SearchRecord (setup,
 * scheduler state, every trial's epochs, the winner's final run), written after every change
 * (throttled) so that a reload resumes the search where it was. A search running in a tab holds a
 * Web Lock named after it; a saved 'running' search whose lock is free was interrupted.
 */
import type { DBSchema } from 'idb';
import { lazyDatabase } from '../../browser/lazyDatabase';
import type { SearchRecord } from '../../core/search/records';

const DB_NAME = 'autovp-searches';
const DB_VERSION = 1;

interface Schema extends DBSchema {
  searches: { key: string; value: SearchRecord; indexes: { updatedAt: number } };
}

const db = lazyDatabase<Schema>(DB_NAME, DB_VERSION, (d) => {
  d.createObjectStore('searches', { keyPath: 'id' }).createIndex('updatedAt', 'updatedAt');
});

export async function saveSearch(record: SearchRecord): Promise<void> {
  await (await db()).put('searches', record);
}

/** Saved searches, newest first. */
export async function listSearches(): Promise<SearchRecord[]> {
  const all = await (await db()).getAllFromIndex('searches', 'updatedAt');
  return all.reverse();
}

export async function deleteSearch(id: string): Promise<void> {
  await (await db()).delete('searches', id);
}

/**
 * Saves at most every `intervalMs` (the latest record wins), and at once on flush(). Writes are
 * chained so that an older record never lands after a newer one.
 */
export function throttledSaver(
  intervalMs: number,
  onError: (e: unknown) => void = () => undefined,
  save: (record: SearchRecord) => Promise<void> = saveSearch,
) {
  let pending: SearchRecord | null = null;
  let timer: ReturnType<typeof setTimeout> | null = null;
  let chain: Promise<void> = Promise.resolve();
  const write = () => {
    timer = null;
    const r = pending;
    pending = null;
    if (r) chain = chain.then(() => save(r)).catch(onError);
    return chain;
  };
  return {
    save(record: SearchRecord) {
      pending = record;
      timer ??= setTimeout(() => void write(), intervalMs);
    },
    flush(): Promise<void> {
      if (timer) clearTimeout(timer);
      return write();
    },
  };
}

const searchLockName = (id: string) => `autovp-search-${id}`;

type Locks = { request: LockManager['request']; query?: LockManager['query'] } | undefined;
const locks = (): Locks => (globalThis.navigator as { locks?: LockManager } | undefined)?.locks;

/** Holds the search's lock until `done` settles (no-op where Web Locks are missing). */
export function holdSearchLock(id: string, done: Promise<unknown>): void {
  void locks()
    ?.request(searchLockName(id), () => done.catch(() => undefined))
    .catch(() => undefined);
}

/** Whether a tab (this one or another) is running the search now. */
export async function isSearchRunning(id: string): Promise<boolean> {
  const l = locks();
  if (!l?.query) return false;
  const snapshot = await l.query();
  return [...(snapshot.held ?? []), ...(snapshot.pending ?? [])].some((lock) => lock.name === searchLockName(id));
}
