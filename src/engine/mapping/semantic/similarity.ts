/**
 * Semantic similarity of class names, offline: Wu–Palmer over WordNet's noun hypernym DAG, with a
 * string similarity where WordNet does not know a name. Stands in for the text-encoder embeddings
 * AutoVP's SemanticMap uses when no text encoder is loaded.
 */
import type { Ancestors, NounLexicon } from './lexicon';
import { dice, jaccard, normaliseName, singularForms, splitAlternatives, tokens, trigrams } from './normalise';

/**
 * Weight of the sense at `rank` (0 = first) of a lemma whose first `tagged` senses WordNet orders
 * by corpus frequency: a mild preference for the frequent ones (1, 0.91, 0.83, …); senses past
 * them, never seen in the corpus, weigh less than all of those; a lemma with no frequencies at
 * all ("sorrel", "crane") has its senses in no meaningful order, so they weigh alike.
 */
export function senseWeight(rank: number, tagged: number): number {
  if (tagged === 0) return 1;
  if (rank < tagged) return 1 / (1 + SENSE_DECAY * rank);
  return UNTAGGED_FACTOR / (1 + SENSE_DECAY * tagged);
}
const SENSE_DECAY = 0.1;
const UNTAGGED_FACTOR = 0.85;
/** Senses considered per lemma (later ones are rare and weigh little). */
const MAX_SENSES = 12;
/** Singulars of a word that WordNet also knows as it is ("glasses" → "glass") weigh this much less. */
const SINGULAR_FACTOR = 0.9;
/** A name found only through its head noun ("Egyptian Mau cat" → "cat") weighs this much less. */
const HEAD_FACTOR = 0.9;
/** Share of the token overlap mixed into WordNet scores, to break ties between equally close names. */
const TIE_BREAK = 0.005;

/** How a name was found: the whole phrase, a singular of it, only its head noun, or not at all. */
export type NameMatch = 'exact' | 'singular' | 'head' | 'unknown';

export interface ResolvedName {
  name: string;
  match: NameMatch;
  /** The WordNet key that matched per alternative, e.g. "great white shark" or "shark". */
  keys: string[];
  /** Synsets with their weight (sense preference × match quality), best first. */
  synsets: Int32Array;
  weights: Float32Array;
  /** Normalised alternatives and their token sets (string similarity). */
  alternatives: string[];
  tokenSets: Set<string>[];
}

const MATCH_ORDER: NameMatch[] = ['exact', 'singular', 'head', 'unknown'];

interface Found {
  key: string;
  match: NameMatch;
  /** synset → weight */
  senses: Map<number, number>;
}

/** Senses of a phrase and of its singulars, weighted; null when the lexicon knows none. */
function lookup(lexicon: NounLexicon, phrase: string, match: NameMatch): Found | null {
  let found: Found | null = null;
  for (const [i, form] of [phrase, ...singularForms(phrase)].entries()) {
    const entry = lexicon.entry(form);
    if (!entry) continue;
    const factor = i > 0 && found?.key === phrase ? SINGULAR_FACTOR : 1;
    found ??= { key: form, match: i > 0 && match === 'exact' ? 'singular' : match, senses: new Map() };
    const senses = found.senses;
    entry.senses.subarray(0, MAX_SENSES).forEach((s, rank) => {
      const w = senseWeight(rank, entry.tagged) * factor;
      if (w > (senses.get(s) ?? 0)) senses.set(s, w);
    });
  }
  return found;
}

/** One alternative: the whole phrase (or its singular), else its longest known ending. */
function resolvePhrase(lexicon: NounLexicon, phrase: string): Found | null {
  const whole = lookup(lexicon, phrase, 'exact');
  if (whole) return whole;
  const words = tokens(phrase);
  for (let i = 1; i < words.length; i++) {
    const tail = lookup(lexicon, words.slice(i).join(' '), 'head');
    if (tail) return tail;
  }
  return null;
}

/** "HerbaceousVegetation" → "Herbaceous Vegetation" (only where lower case meets upper case). */
const decamel = (s: string) => s.replace(/(\p{Ll})(\p{Lu})/gu, '$1 $2');

/** An alternative as written, or split at its camel-case humps when that finds more. */
function resolveRaw(lexicon: NounLexicon, raw: string): Found | null {
  const plain = resolvePhrase(lexicon, normaliseName(raw));
  if (plain?.match === 'exact' || plain?.match === 'singular') return plain;
  const split = decamel(raw);
  if (split === raw) return plain;
  const humps = resolvePhrase(lexicon, normaliseName(split));
  return humps && (!plain || MATCH_ORDER.indexOf(humps.match) <= MATCH_ORDER.indexOf(plain.match)) ? humps : plain;
}

/**
 * Resolves a class name (all its alternatives) against the lexicon. Alternatives that are
 * synonyms pin the meaning down: ImageNet's "plane, carpenter's plane, woodworking plane" is the
 * tool, not the aircraft, so when two or more alternatives found in WordNet share synsets, the
 * name stands for the synsets most of them share (at full weight). Otherwise it stands for every
 * sense of every alternative, weighted by senseWeight (the best over alternatives).
 */
export function resolveName(lexicon: NounLexicon, name: string): ResolvedName {
  const { main, extra } = splitAlternatives(name);
  const weightOf = new Map<number, number>();
  const keys: string[] = [];
  let match: NameMatch = 'unknown';
  const take = (alternatives: string[]) => {
    const found = alternatives.flatMap((alt) => {
      const r = resolveRaw(lexicon, alt);
      return r ? [r] : [];
    });
    for (const r of found) {
      keys.push(r.key);
      if (MATCH_ORDER.indexOf(r.match) < MATCH_ORDER.indexOf(match)) match = r.match;
    }
    const whole = found.filter((r) => r.match !== 'head');
    if (whole.length >= 2) {
      const count = new Map<number, number>();
      for (const r of whole) for (const s of r.senses.keys()) count.set(s, (count.get(s) ?? 0) + 1);
      const most = Math.max(...count.values());
      if (most >= 2) {
        for (const [s, c] of count) if (c === most) weightOf.set(s, 1);
        return;
      }
    }
    for (const r of found) {
      const factor = r.match === 'head' ? HEAD_FACTOR : 1;
      for (const [s, w] of r.senses) if (w * factor > (weightOf.get(s) ?? 0)) weightOf.set(s, w * factor);
    }
  };
  take(main);
  if (match === 'unknown') take(extra);
  const entries = [...weightOf.entries()].sort((a, b) => b[1] - a[1] || a[0] - b[0]);
  const normalised = (list: string[]) => [
    ...new Set(list.map((a) => normaliseName(decamel(a))).filter((a) => a !== '')),
  ];
  const alternatives = normalised(main).length > 0 ? normalised(main) : normalised(extra);
  const fallback = alternatives.length > 0 ? alternatives : [normaliseName(name)];
  return {
    name,
    match,
    keys,
    synsets: Int32Array.from(entries.map((e) => e[0])),
    weights: Float32Array.from(entries.map((e) => e[1])),
    alternatives: fallback,
    tokenSets: fallback.map((a) => new Set(tokens(a))),
  };
}

/**
 * Wu–Palmer similarity of two synsets: over their common ancestors a, the best
 * 2·D(a) / (d(x, a) + d(y, a) + 2·D(a)), where D(a) = depth(a) + 1 counts the root as 1 and d is the
 * shortest hypernym distance. On a tree this is the classic 2·depth(lcs) / (depth(x) + depth(y));
 * on WordNet's DAG it matches NLTK's wup_similarity up to its choice of the LCS.
 */
export function wuPalmer(lexicon: NounLexicon, x: number, y: number): number {
  const ax = lexicon.ancestors(x);
  const ay = lexicon.ancestors(y);
  const distY = new Map<number, number>();
  ay.ids.forEach((a, i) => distY.set(a, ay.dist[i] as number));
  let best = 0;
  ax.ids.forEach((a, i) => {
    const dy = distY.get(a);
    if (dy === undefined) return;
    const d = 2 * ((lexicon.depth[a] as number) + 1);
    best = Math.max(best, d / ((ax.dist[i] as number) + dy + d));
  });
  return best;
}

const trigramCache = new WeakMap<ResolvedName, Set<string>[]>();
const trigramsOf = (r: ResolvedName) => {
  let sets = trigramCache.get(r);
  if (!sets) trigramCache.set(r, (sets = r.alternatives.map(trigrams)));
  return sets;
};

/** String similarity of two resolved names: the best token Jaccard or trigram Dice over alternatives. */
export function stringSimilarity(a: ResolvedName, b: ResolvedName): number {
  let best = 0;
  const [ta, tb] = [trigramsOf(a), trigramsOf(b)];
  for (let i = 0; i < a.alternatives.length; i++) {
    for (let j = 0; j < b.alternatives.length; j++) {
      if (a.alternatives[i] === b.alternatives[j]) return 1;
      best = Math.max(
        best,
        jaccard(a.tokenSets[i] as Set<string>, b.tokenSets[j] as Set<string>),
        dice(ta[i] as Set<string>, tb[j] as Set<string>),
      );
    }
  }
  return best;
}

function tokenOverlap(a: ResolvedName, b: ResolvedName): number {
  let best = 0;
  for (const x of a.tokenSets) for (const y of b.tokenSets) best = Math.max(best, jaccard(x, y));
  return best;
}

export interface SemanticSimilarity {
  /** sim[t * S + s]: similarity in [0, 1] of target class t and source class s. */
  sim: Float32Array;
  /** Names WordNet does not know (their similarities are string similarities). */
  unknownTargets: string[];
  unknownSources: string[];
  /** Names found only through their head noun ("Maine Coon" → "coon"): approximate. */
  approximateTargets: string[];
  approximateSources: string[];
}

/**
 * Similarity of every target class name to every source class name. Where both names are in
 * WordNet: the best Wu–Palmer similarity over their sense pairs, each sense weighted by
 * senseWeight (first senses preferred), plus a tiny token-overlap tie-break. Where either is not:
 * the string similarity of the names.
 */
export function semanticSimilarity(
  sourceNames: string[],
  targetNames: string[],
  lexicon: NounLexicon,
): SemanticSimilarity {
  const S = sourceNames.length;
  const T = targetNames.length;
  const sources = sourceNames.map((n) => resolveName(lexicon, n));
  const targets = targetNames.map((n) => resolveName(lexicon, n));

  // Every distinct source synset once, with its ancestors flattened.
  const slot = new Map<number, number>();
  const unique: number[] = [];
  for (const r of sources) {
    for (const s of r.synsets) {
      if (!slot.has(s)) {
        slot.set(s, unique.length);
        unique.push(s);
      }
    }
  }
  const ancStart = new Uint32Array(unique.length + 1);
  const ancList: Ancestors[] = unique.map((s) => lexicon.ancestors(s));
  ancList.forEach((a, i) => (ancStart[i + 1] = (ancStart[i] as number) + a.ids.length));
  const ancIds = new Uint32Array(ancStart[unique.length] as number);
  const ancDist = new Uint16Array(ancIds.length);
  ancList.forEach((a, i) => {
    ancIds.set(a.ids, ancStart[i]);
    ancDist.set(a.dist, ancStart[i]);
  });
  const sourceSlots = sources.map((r) => Int32Array.from(r.synsets, (s) => slot.get(s) as number));
  const depthWeight = Float32Array.from(lexicon.depth, (d) => 2 * (d + 1));

  const sim = new Float32Array(T * S);
  const distT = new Int32Array(lexicon.numSynsets).fill(-1);
  const perSynset = new Float32Array(unique.length);
  const nameScore = new Float32Array(S);
  for (let t = 0; t < T; t++) {
    const target = targets[t] as ResolvedName;
    const row = sim.subarray(t * S, (t + 1) * S);
    if (target.match === 'unknown') {
      for (let s = 0; s < S; s++) row[s] = stringSimilarity(target, sources[s] as ResolvedName);
      continue;
    }
    nameScore.fill(0);
    target.synsets.forEach((ts, ti) => {
      const wt = target.weights[ti] as number;
      const at = lexicon.ancestors(ts);
      at.ids.forEach((a, i) => (distT[a] = at.dist[i] as number));
      for (let u = 0; u < unique.length; u++) {
        let best = 0;
        for (let i = ancStart[u] as number, end = ancStart[u + 1] as number; i < end; i++) {
          const a = ancIds[i] as number;
          const dt = distT[a] as number;
          if (dt < 0) continue;
          const d = depthWeight[a] as number;
          const v = d / (dt + (ancDist[i] as number) + d);
          if (v > best) best = v;
        }
        perSynset[u] = best;
      }
      for (const a of at.ids) distT[a] = -1;
      for (let s = 0; s < S; s++) {
        const slots = sourceSlots[s] as Int32Array;
        const weights = (sources[s] as ResolvedName).weights;
        let best = 0;
        for (let j = 0; j < slots.length; j++) {
          const v = (perSynset[slots[j] as number] as number) * (weights[j] as number);
          if (v > best) best = v;
        }
        best *= wt;
        if (best > (nameScore[s] as number)) nameScore[s] = best;
      }
    });
    for (let s = 0; s < S; s++) {
      const source = sources[s] as ResolvedName;
      row[s] =
        source.match === 'unknown'
          ? stringSimilarity(target, source)
          : (1 - TIE_BREAK) * (nameScore[s] as number) + TIE_BREAK * tokenOverlap(target, source);
    }
  }
  const names = (list: ResolvedName[], m: NameMatch) => list.filter((r) => r.match === m).map((r) => r.name);
  return {
    sim,
    unknownTargets: names(targets, 'unknown'),
    unknownSources: names(sources, 'unknown'),
    approximateTargets: names(targets, 'head'),
    approximateSources: names(sources, 'head'),
  };
}
