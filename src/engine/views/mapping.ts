/**
 * The output label mapping in words: for every target class, the source classes it reads (by
 * name), with FullyMap's strongest weights, BLM's largest weights ω or SemanticMap's similarities,
 * and for FreqMap and IterMap what changed each time the mapping was computed.
 */
import type { LabelMappingKind } from '../../core/design/kinds';
import type { Assignment } from '../mapping/assignments';
import type { MappingState } from '../mapping/labelMapping';

/** One source class feeding a target class. */
export interface MappedSource {
  source: number;
  name: string;
  /** FullyMap / BLM: the weight from this source logit to the target class (BLM: ω[s,t], ≥ 0). */
  weight?: number;
  /** SemanticMap: how similar the names are (0–1). */
  similarity?: number;
}

export interface MappingChange {
  target: number;
  before: number[];
  after: number[];
}

/** One (re)computation of a frequency mapping, before training epoch `epoch` (0-based). */
export interface MappingStep {
  epoch: number;
  /** The first computation: every class is listed in `changes` with `before` empty. */
  initial: boolean;
  /** Classes whose sources changed (none when the recount gave the same mapping). */
  changes: MappingChange[];
}

export interface MappingView {
  kind: LabelMappingKind;
  /** Source labels per class (one-to-one mappings); FullyMap / BLM: how many weights are listed. */
  k: number;
  numSource: number;
  numTarget: number;
  /**
   * Per target class: its k source classes (one-to-one), or FullyMap's / BLM's strongest weights by
   * magnitude, strongest first (BLM: only non-zero weights). Empty lists while a counted mapping
   * is not computed yet.
   */
  targets: MappedSource[][];
  /** FullyMap: the bias of each class. */
  bias?: number[];
  /** BLM / BLM+: ω over the source classes that matter most (see omegaHeat), for a heat map. */
  heat?: OmegaHeat;
  /** FreqMap / IterMap: each computation, oldest first. */
  history: MappingStep[];
  /** SemanticMap: how the names were matched, in words ("matched through WordNet"). */
  matchedBy?: string;
}

/** FullyMap's and BLM's weights listed per class. */
export const FULLY_TOP = 5;

/** ω restricted to a few source classes: rows are target classes, columns `sources`. */
export interface OmegaHeat {
  sources: { source: number; name: string }[];
  /** [target][column]: ω[source, target]. */
  omega: number[][];
}

/** Columns of the heat map at most (with 10 classes: every class's top 2 or 3). */
const HEAT_COLUMNS = 24;

/**
 * The heat map's columns: each class's largest weights in turn (all classes' first, then their
 * second, …) until HEAT_COLUMNS, ordered by the class they weigh most for, so a clean mapping
 * reads as a diagonal.
 */
function omegaHeat(omega: Float32Array, numSource: number, numTarget: number, names: readonly string[]): OmegaHeat {
  const at = (s: number, t: number) => omega[s * numTarget + t]!;
  const ranked = Array.from({ length: numTarget }, (_, t) =>
    Array.from({ length: numSource }, (_, s) => s)
      .filter((s) => at(s, t) > 0)
      .sort((a, b) => at(b, t) - at(a, t) || a - b),
  );
  const chosen = new Set<number>();
  for (let rank = 0; chosen.size < HEAT_COLUMNS && ranked.some((r) => r.length > rank); rank++) {
    for (const r of ranked) {
      const s = r[rank];
      if (s !== undefined && chosen.size < HEAT_COLUMNS) chosen.add(s);
    }
  }
  const strongest = (s: number) => {
    let best = 0;
    for (let t = 1; t < numTarget; t++) if (at(s, t) > at(s, best)) best = t;
    return best;
  };
  const columns = [...chosen].sort((a, b) => strongest(a) - strongest(b) || at(b, strongest(b)) - at(a, strongest(a)));
  return {
    sources: columns.map((s) => ({ source: s, name: nameOf(names, s) })),
    omega: Array.from({ length: numTarget }, (_, t) => columns.map((s) => at(s, t))),
  };
}

const nameOf = (names: readonly string[], s: number) => names[s] ?? `source #${s}`;

/** The mapping's state in words (history empty: see mappingHistory). */
export function describeMapping(
  state: MappingState,
  sourceNames: readonly string[],
  options: { similarities?: number[][] | null; matchedBy?: string | null | undefined; numTarget?: number; top?: number } = {},
): MappingView {
  if (state.kind === 'fully') {
    const { weight, bias, numSource, numTarget } = state;
    const top = Math.min(options.top ?? FULLY_TOP, numSource);
    const targets = Array.from({ length: numTarget }, (_, t) => {
      const column = Array.from({ length: numSource }, (_, s) => ({
        source: s,
        name: nameOf(sourceNames, s),
        weight: weight[s * numTarget + t]!,
      }));
      column.sort((a, b) => Math.abs(b.weight) - Math.abs(a.weight) || a.source - b.source);
      return column.slice(0, top);
    });
    return { kind: 'fully', k: top, numSource, numTarget, targets, bias: Array.from(bias), history: [] };
  }
  if ('omega' in state) {
    const { omega, numSource, numTarget } = state;
    const top = Math.min(options.top ?? FULLY_TOP, numSource);
    const targets = Array.from({ length: numTarget }, (_, t) => {
      if (omega.length === 0) return [];
      const column: MappedSource[] = [];
      for (let s = 0; s < numSource; s++) {
        const weight = omega[s * numTarget + t]!;
        if (weight > 0) column.push({ source: s, name: nameOf(sourceNames, s), weight });
      }
      column.sort((a, b) => b.weight! - a.weight! || a.source - b.source);
      return column.slice(0, top);
    });
    return {
      kind: state.kind,
      k: top,
      numSource,
      numTarget,
      targets,
      ...(omega.length ? { heat: omegaHeat(omega, numSource, numTarget, sourceNames) } : {}),
      history: [],
    };
  }
  const numTarget = state.assignment.length || (options.numTarget ?? 0);
  const targets = Array.from({ length: numTarget }, (_, t) =>
    (state.assignment[t] ?? []).map((s, i) => {
      const similarity = options.similarities?.[t]?.[i];
      return { source: s, name: nameOf(sourceNames, s), ...(similarity !== undefined ? { similarity } : {}) };
    }),
  );
  const matchedBy = options.matchedBy ? { matchedBy: options.matchedBy } : {};
  return { kind: state.kind, k: state.k, numSource: sourceNames.length, numTarget, targets, history: [], ...matchedBy };
}

const sameSet = (a: readonly number[], b: readonly number[]) =>
  a.length === b.length && [...a].sort((x, y) => x - y).every((v, i) => v === [...b].sort((x, y) => x - y)[i]);

/** Successive frequency mappings (oldest first) as the changes each one made. */
export function mappingHistory(computed: readonly { epoch: number; assignment: Assignment }[]): MappingStep[] {
  return computed.map(({ epoch, assignment }, i) => {
    const previous = i > 0 ? computed[i - 1]!.assignment : null;
    const changes: MappingChange[] = [];
    assignment.forEach((after, target) => {
      const before = previous?.[target] ?? [];
      if (!previous || !sameSet(before, after)) changes.push({ target, before: [...before], after: [...after] });
    });
    return { epoch, initial: !previous, changes };
  });
}
