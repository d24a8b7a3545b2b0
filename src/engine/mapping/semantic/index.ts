/**
 * SemanticMap without a text encoder: class names matched through WordNet (see similarity.ts),
 * then AutoVP's round-robin assignment (semanticAssignment).
 */
import type { FetchBytes } from '../../../core/data/builtinDataset';
import { type Assignment, checkCapacity, semanticAssignment } from '../assignments';
import { IndexMapping, type LabelMapping } from '../labelMapping';
import { type NounLexicon, sharedLexicon } from './lexicon';
import { semanticSimilarity } from './similarity';


/** What SemanticMap did, for the UI: which source labels each class took, and what WordNet missed. */
export interface SemanticMappingReport {
  /** Names of the source labels of each target class, in the order they were taken. */
  assignedNames: string[][];
  /** Their similarities (same shape). */
  similarities: number[][];
  /** Class names WordNet does not know: matched by spelling only. */
  unknownTargets: string[];
  unknownSources: string[];
  /** Class names found only through their last word(s), e.g. "Maine Coon" → "coon". */
  approximateTargets: string[];
  approximateSources: string[];
}

/** The SemanticMap assignment of k source labels per target class, and its report. */
export function semanticMapping(
  sourceNames: string[],
  targetNames: string[],
  k: number,
  lexicon: NounLexicon,
): { assignment: Assignment; report: SemanticMappingReport } {
  checkCapacity(sourceNames.length, targetNames.length, k);
  const result = semanticSimilarity(sourceNames, targetNames, lexicon);
  const S = sourceNames.length;
  const rows = targetNames.map((_, t) => result.sim.subarray(t * S, (t + 1) * S));
  const assignment = semanticAssignment(rows, S, k);
  return {
    assignment,
    report: {
      assignedNames: assignment.map((list) => list.map((s) => sourceNames[s] as string)),
      similarities: assignment.map((list, t) => list.map((s) => Math.round((rows[t]?.[s] ?? 0) * 1000) / 1000)),
      unknownTargets: result.unknownTargets,
      unknownSources: result.unknownSources,
      approximateTargets: result.approximateTargets,
      approximateSources: result.approximateSources,
    },
  };
}

/**
 * The SemanticMap assignment for a run, from the source model's class names and the dataset's,
 * computed before the model is built. Refuses text-image models (AutoVP does not use SemanticMap
 * with CLIP) and models none of whose class names WordNet knows as a whole (e.g. numbered ones).
 */
export async function prepareSemanticMapping(options: {
  sourceNames: string[];
  targetNames: string[];
  k: number;
  /** Source outputs of the loaded model (its class names must match). */
  numSource: number;
  fetchBytes: FetchBytes;
  modelName: string;
  textImage?: boolean | undefined;
}): Promise<{ assignment: Assignment; report: SemanticMappingReport }> {
  const { sourceNames, targetNames, modelName } = options;
  if (options.textImage) {
    throw new Error(`SemanticMap does not apply to ${modelName}, a text-image model: choose FullyMap or FreqMap.`);
  }
  if (sourceNames.length !== options.numSource) {
    throw new Error(`${modelName} has ${options.numSource} source outputs but ${sourceNames.length} class names.`);
  }
  checkCapacity(sourceNames.length, targetNames.length, options.k);
  const lexicon = await sharedLexicon(options.fetchBytes);
  const result = semanticMapping(sourceNames, targetNames, options.k, lexicon);
  const { unknownSources, approximateSources } = result.report;
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
