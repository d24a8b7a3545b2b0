/**
 * Semantic similarity of class names, offline: Wu–Palmer over WordNet's noun hypernym DAG, with a
 * string similarity where WordNet does not know a name. Stands in for the text-encoder embeddings
 * AutoVP's SemanticMap uses when no text encoder is loaded.
 */
import type { Ancestors, NounLexicon } from './lexicon';
import { dice, jaccard, normaliseName, singularForms, splitAlternatives, tokens, trigrams } from './normalise';

/** Weight of the r-th sense (0 = most frequent) of a name: a mild preference for first senses. */
export const senseWeight = (rank: number) => 1 / (1 + SENSE_DECAY * rank);
const SENSE_DECAY = 0.1;
/** Senses considered per alternative (later ones are rare and weigh little). */
const MAX_SENSES = 12;
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
  /** Normalised alternatives, their token sets and trigram sets (string similarity). */
  alternatives: string[];
  tokenSets: Set<string>[];
  trigramSets: Set<string>[];
}

const MATCH_ORDER: NameMatch[] = ['exact', 'singular', 'head', 'unknown'];

/** Senses of a phrase or of its singulars, in sense order; null when the lexicon has none. */
function lookup(lexicon: NounLexicon, phrase: string): { key: string; senses: number[]; singular: boolean } | null {
  const senses: number[] = [];
  let key: string | null = null;
  let singular = false;
  for (const [i, form] of [phrase, ...singularForms(phrase)].entries()) {
    const found = lexicon.senses(form);
    if (!found) continue;
    if (key === null) {
      key = form;
      singular = i > 0;
    }
    for (const s of found) if (!senses.includes(s)) senses.push(s);
  }
  return key === null ? null : { key, senses, singular };
}

/** One alternative: the whole phrase (or its singular), else its longest known ending. */
function resolvePhrase(lexicon: NounLexicon, phrase: string) {
  const whole = lookup(lexicon, phrase);
  if (whole) return { ...whole, match: (whole.singular ? 'singular' : 'exact') as NameMatch };
  const words = tokens(phrase);
  for (let i = 1; i < words.length; i++) {
    const tail = lookup(lexicon, words.slice(i).join(' '));
    if (tail) return { ...tail, match: 'head' as NameMatch };
  }
  return null;
}

/**
 * Resolves a class name (all its alternatives) against the lexicon. Alternatives that are
 * synonyms pin the meaning down: ImageNet's "plane, carpenter's plane, woodworking plane" is the
 * tool, not the aircraft, so when two or more alternatives found in WordNet share synsets, the
 * name stands for the synsets most of them share (at full weight). Otherwise it stands for every
 * sense of every alternative, first senses weighing more (the best over alternatives).
 */
export function resolveName(lexicon: NounLexicon, name: string): ResolvedName {
  const { main, extra } = splitAlternatives(name);
  const weightOf = new Map<number, number>();
  const keys: string[] = [];
  let match: NameMatch = 'unknown';
  const take = (alternatives: string[]) => {
    const found = alternatives.flatMap((alt) => {
      const r = resolvePhrase(lexicon, alt);
      return r ? [r] : [];
    });
    for (const r of found) {
      keys.push(r.key);
      if (MATCH_ORDER.indexOf(r.match) < MATCH_ORDER.indexOf(match)) match = r.match;
    }
    const whole = found.filter((r) => r.match !== 'head');
    if (whole.length >= 2) {
      const count = new Map<number, number>();
      for (const r of whole) for (const s of r.senses) count.set(s, (count.get(s) ?? 0) + 1);
      const most = Math.max(...count.values());
      if (most >= 2) {
        for (const [s, c] of count) if (c === most) weightOf.set(s, 1);
        return;
      }
    }
    for (const r of found) {
      const factor = r.match === 'head' ? HEAD_FACTOR : 1;
      r.senses.slice(0, MAX_SENSES).forEach((s, rank) => {
        const w = senseWeight(rank) * factor;
        if (w > (weightOf.get(s) ?? 0)) weightOf.set(s, w);
      });
    }
  };
  take(main);
  if (match === 'unknown') take(extra);
  const entries = [...weightOf.entries()].sort((a, b) => b[1] - a[1] || a[0] - b[0]);
  const alternatives = main.length > 0 ? main : extra;
  const fallback = alternatives.length > 0 ? alternatives : [normaliseName(name)];
  return {
    name,
    match,
    keys,
    synsets: Int32Array.from(entries.map((e) => e[0])),
    weights: Float32Array.from(entries.map((e) => e[1])),
    alternatives: fallback,
    tokenSets: fallback.map((a) => new Set(tokens(a))),
    trigramSets: fallback.map(trigrams),
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

/** String similarity of two resolved names: the best token Jaccard or trigram Dice over alternatives. */
export function stringSimilarity(a: ResolvedName, b: ResolvedName): number {
  let best = 0;
  for (let i = 0; i < a.alternatives.length; i++) {
    for (let j = 0; j < b.alternatives.length; j++) {
      if (a.alternatives[i] === b.alternatives[j]) return 1;
      best = Math.max(
        best,
        jaccard(a.tokenSets[i] as Set<string>, b.tokenSets[j] as Set<string>),
        dice(a.trigramSets[i] as Set<string>, b.trigramSets[j] as Set<string>),
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
export function semanticSimilarity(sourceNames: string[], targetNames: string[], lexicon: NounLexicon): SemanticSimilarity {
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
