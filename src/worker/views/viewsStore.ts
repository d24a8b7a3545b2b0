/**
 * What a finished run leaves for its views: the validation predictions and the history of the
 * frequency mapping, in memory and in IndexedDB 'autovp-views' (a few KB per run), so that a
 * confusion-matrix cell's images can be shown at once, also for a run reopened after a reload.
 */
import type { DBSchema } from 'idb';
import { lazyDatabase } from '../../browser/lazyDatabase';
import type { Assignment } from '../../engine/mapping/assignments';

export interface ViewsRecord {
  runId: string;
  datasetId: string;
  /** Validation images (training-pool indices) and the class predicted for each, at the end. */
  valIndices: Int32Array;
  predictions: Int32Array;
  /** FreqMap / IterMap: every computed assignment, oldest first. */
  computed: { epoch: number; assignment: Assignment }[];
  /** SemanticMap: the similarity of each assigned source. */
  similarities: number[][] | null;
  /** SemanticMap: how the names were matched, in words (records saved before it was kept lack it). */
  matchedBy?: string | null;
  savedAt: number;
}

interface Schema extends DBSchema {
  views: { key: string; value: ViewsRecord };
}

const db = lazyDatabase<Schema>('autovp-views', 1, (d) => {
  d.createObjectStore('views', { keyPath: 'runId' });
});

/** Records of the latest runs, in memory (most recent last); `null` is the last run trained here. */
const recent = new Map<string | null, ViewsRecord>();
const RECENT = 4;

export function remember(key: string | null, record: ViewsRecord): void {
  recent.delete(key);
  recent.set(key, record);
  while (recent.size > RECENT) recent.delete(recent.keys().next().value as string | null);
}

export async function viewsRecord(runId: string | null): Promise<ViewsRecord | null> {
  const kept = recent.get(runId);
  if (kept) return kept;
  if (!runId) return null;
  try {
    const stored = (await (await db()).get('views', runId)) ?? null;
    if (stored) remember(runId, stored);
    return stored;
  } catch {
    return null;
  }
}

/** A deleted run's record goes with it. */
export async function forgetRunViews(runId: string): Promise<void> {
  recent.delete(runId);
  try {
    await (await db()).delete('views', runId);
  } catch {
    // nothing stored, or storage unavailable
  }
}

/** Keeps a finished run's record (in memory always; in IndexedDB when the run is stored). */
export async function keepViewsRecord(record: ViewsRecord): Promise<void> {
  remember(null, record);
  if (!record.runId) return;
  remember(record.runId, record);
  try {
    await (await db()).put('views', record);
  } catch {
    // storage full or unavailable: the views still work in this session
  }
}
