/**
 * SemanticMap: class names matched by the cosine similarity of CLIP's text embeddings, as AutoVP
 * does (clipSimilarity.ts), or through WordNet when no CLIP checkpoint is at hand (similarity.ts),
 * then AutoVP's round-robin assignment (semanticAssignment).
 */
import type { FetchBytes } from '../../../core/data/builtinDataset';
import { type Assignment, semanticAssignment } from '../assignments';
import { IndexMapping, type LabelMapping } from '../labelMapping';
import { clipNameSimilarity, type TextEncoderLoader } from './clipSimilarity';
import { type NounLexicon, sharedLexicon } from './lexicon';
import { semanticSimilarity } from './similarity';

/** What compared the class names: CLIP's text encoder (AutoVP's) or WordNet. */
export type SemanticEncoder = 'clip' | 'wordnet';

/** Every target class name against every source class name, and what compared them. */
export interface NameSimilarity {
  /** sim[t·S + s], higher = closer. */
  sim: Float32Array;
  encoder: SemanticEncoder;
  /** The CLIP checkpoint's name (null: WordNet). */
  checkpoint: string | null;
  /** Class names WordNet does not know: matched by spelling only (CLIP: none). */
  unknownTargets: string[];
  unknownSources: string[];
  /** Class names WordNet found only through their last word(s), e.g. "Maine Coon" → "coon" (CLIP: none). */
  approximateTargets: string[];
  approximateSources: string[];
}

/** What SemanticMap did, for the UI: which source labels each class took, matched by what. */
export interface SemanticMappingReport extends Omit<NameSimilarity, 'sim'> {
  /** Names of the source labels of each target class, in the order they were taken. */
  assignedNames: string[][];
  /** Their similarities (same shape). */
  similarities: number[][];
}

/** How the names were matched, in words: "matched by CLIP text embeddings (…)" or "matched through WordNet". */
export function semanticMatchText(r: Pick<NameSimilarity, 'encoder' | 'checkpoint'>): string {
  return r.encoder === 'clip' ? `matched by CLIP text embeddings (${r.checkpoint})` : 'matched through WordNet';
}

/** The names' similarity through WordNet. */
export function wordNetSimilarity(sourceNames: string[], targetNames: string[], lexicon: NounLexicon): NameSimilarity {
  return { ...semanticSimilarity(sourceNames, targetNames, lexicon), encoder: 'wordnet', checkpoint: null };
}

/** The SemanticMap assignment of k source labels per target class, and its report. */
export function semanticMapping(
  sourceNames: string[],
  targetNames: string[],
  k: number,
  similarity: NameSimilarity,
): { assignment: Assignment; report: SemanticMappingReport } {
  const { sim, ...matched } = similarity;
  const S = sourceNames.length;
  const rows = targetNames.map((_, t) => sim.subarray(t * S, (t + 1) * S));
  const assignment = semanticAssignment(rows, S, k);
  return {
    assignment,
    report: {
      ...matched,
      assignedNames: assignment.map((list) => list.map((s) => sourceNames[s] as string)),
      similarities: assignment.map((list, t) => list.map((s) => Math.round((rows[t]?.[s] ?? 0) * 1000) / 1000)),
    },
  };
}

/**
 * The similarity of a run's source and target class names, computed before the model is
 * built: by CLIP's text encoder when `textEncoder` gives one, else through WordNet. Refuses
 * text-image models (AutoVP does not use SemanticMap with CLIP) and, for WordNet, models none of
 * whose class names it knows as a whole (e.g. numbered ones).
 */
export async function classNameSimilarity(options: {
  sourceNames: string[];
  targetNames: string[];
  /** Source outputs of the loaded model (its class names must match). */
  numSource: number;
  fetchBytes: FetchBytes;
  modelName: string;
  textImage?: boolean | undefined;
  textEncoder?: TextEncoderLoader | undefined;
}): Promise<NameSimilarity> {
  const { sourceNames, targetNames, modelName } = options;
  if (options.textImage) {
    throw new Error(`SemanticMap does not apply to ${modelName}, a text-image model: choose FullyMap or FreqMap.`);
  }
  if (sourceNames.length !== options.numSource) {
    throw new Error(`${modelName} has ${options.numSource} source outputs but ${sourceNames.length} class names.`);
  }
  const encoder = await options.textEncoder?.();
  if (encoder) {
    try {
      const sim = await clipNameSimilarity(encoder.clip, sourceNames, targetNames);
      return { sim, encoder: 'clip', checkpoint: encoder.name, unknownTargets: [], unknownSources: [], approximateTargets: [], approximateSources: [] };
    } finally {
      encoder.clip.model.dispose();
    }
  }
  const result = wordNetSimilarity(sourceNames, targetNames, await sharedLexicon(options.fetchBytes));
  const { unknownSources, approximateSources } = result;
  if (unknownSources.length + approximateSources.length === sourceNames.length) {
    const examples = sourceNames
      .slice(0, 3)
      .map((n) => `"${n}"`)
      .join(', ');
    throw new Error(
      `SemanticMap matches class names through WordNet, which knows none of ${modelName}'s class names (${examples}, …). Choose FreqMap or FullyMap for this model.`,
    );
  }
  return result;
}

/** Sets a prepared SemanticMap assignment on a model's (semantic) mapping. */
export function setSemanticAssignment(mapping: LabelMapping, assignment: Assignment): void {
  if (!(mapping instanceof IndexMapping) || mapping.kind !== 'semantic') {
    throw new Error(`a SemanticMap assignment cannot be set on a ${mapping.kind} mapping`);
  }
  mapping.setAssignment(assignment);
}
