import { type MappingDesign, mappingCapacityProblem, type PromptDesign } from '../design/design';
import { fillsInput, isOneToOne, type LabelMappingKind, type PromptKind } from '../design/kinds';
import { designParam, searchValues } from '../design/schema';

/**
 * Mapping families a search can try: every mapping but the random baseline (freq and iter are
 * FreqMap with interval none | n). AutoVP's, and the later BLM and BLM+, are the label mapping's
 * search values in the schema.
 */
export type MappingFamily = Exclude<LabelMappingKind, 'random'>;

/** What a search may vary; every axis can be narrowed or widened. */
export interface SearchSpace {
  models: string[];
  mappings: MappingFamily[];
  scales: number[];
  trainableResize: boolean[];
  /** Source labels per class for one-to-one mappings (FullyMap and BLM ignore k). */
  ks: number[];
  /** IterMap re-mapping interval(s) in epochs. */
  intervals: number[];
  /**
   * Prompt kinds (absent: AutoVP's padding prompt alone). The low-rank prompt and SMM resize the
   * image to the whole input, so they are tried once per mapping, not per scale and resize.
   */
  prompts?: PromptKind[];
}

const isFamily = (m: LabelMappingKind): m is MappingFamily => m !== 'random';

/** AutoVP's search space for the given models: the search values of the design schema. */
export function autovpSpace(models: string[]): SearchSpace {
  return {
    models,
    mappings: searchValues('labelMapping').filter(isFamily),
    scales: [...searchValues('inputScale')],
    trainableResize: [...searchValues('trainableResize')],
    ks: [...searchValues('k')],
    intervals: [...searchValues('interval')],
  };
}

/** What the space needs to know about a candidate source model. */
export interface SearchModelInfo {
  id: string;
  numSource: number;
  /** Text-image models (CLIP) are not searched with SemanticMap. */
  textImage: boolean;
}

export type TrialDesign = Pick<PromptDesign, 'inputScale' | 'trainableResize'> &
  Partial<Pick<PromptDesign, 'prompt'>> &
  Pick<MappingDesign, 'labelMapping' | 'k' | 'interval'>;

export interface TrialConfig {
  /** Stable, readable id, e.g. "darknet-tiny/freq/k5/s1/fixed". */
  id: string;
  modelId: string;
  design: TrialDesign;
}

export interface ExcludedConfig {
  id: string;
  reason: string;
}

const trialId = (
  modelId: string,
  family: MappingFamily,
  k: number | null,
  scale: number,
  resize: boolean,
  interval: number,
  prompt: PromptKind,
) =>
  [
    modelId,
    family === 'iter' ? `iter${interval}` : family,
    ...(k === null ? [] : [`k${k}`]),
    // Whole-input prompts have no scale or resize; the padding prompt keeps AutoVP's ids.
    ...(fillsInput(prompt) ? [] : [`s${scale}`, resize ? 'resize' : 'fixed']),
    ...(prompt === 'pad' ? [] : [prompt]),
  ].join('/');

/**
 * Every configuration of the space, in a fixed order, with the ones that cannot run set apart
 * and explained (SemanticMap with a text-image model; one-to-one mappings needing more source
 * labels than the model has).
 */
export function enumerateTrials(
  space: SearchSpace,
  models: readonly SearchModelInfo[],
  numTarget: number,
): { trials: TrialConfig[]; excluded: ExcludedConfig[] } {
  const trials: TrialConfig[] = [];
  const excluded: ExcludedConfig[] = [];
  for (const modelId of space.models) {
    const model = models.find((m) => m.id === modelId);
    if (!model) throw new Error(`The search space names an unknown model "${modelId}".`);
    for (const family of space.mappings) {
      const ks = isOneToOne(family) ? space.ks : [null];
      const intervals = family === 'iter' ? space.intervals : [1];
      for (const prompt of space.prompts ?? ['pad']) {
        const whole = fillsInput(prompt);
        for (const k of ks) {
          for (const interval of intervals) {
            for (const scale of whole ? space.scales.slice(0, 1) : space.scales) {
              for (const resize of whole ? [false] : space.trainableResize) {
                const id = trialId(modelId, family, k, scale, resize, interval, prompt);
                if (family === 'semantic' && model.textImage) {
                  excluded.push({ id, reason: 'SemanticMap is not used with text-image models.' });
                  continue;
                }
                const capacity = k === null ? null : mappingCapacityProblem(model.numSource, numTarget, k);
                if (capacity) {
                  excluded.push({ id, reason: capacity });
                  continue;
                }
                trials.push({
                  id,
                  modelId,
                  design: {
                    labelMapping: family,
                    k: k ?? 1,
                    interval,
                    inputScale: scale,
                    trainableResize: resize,
                    ...(space.prompts ? { prompt } : {}),
                  },
                });
              }
            }
          }
        }
      }
    }
  }
  return { trials, excluded };
}

/**
 * AutoVP's second stage: the winner under every learning rate × weight decay of the schema (the
 * text-image values when every searched model is text-image, as AutoVP does for CLIP).
 */
export function tuningGrid(textImageOnly: boolean): { learningRates: number[]; weightDecays: number[] } {
  const lr = designParam('learningRate');
  return {
    learningRates: [...((textImageOnly ? lr.tuneTextImage : lr.tune) ?? [])],
    weightDecays: [...(designParam('weightDecay').tune ?? [])],
  };
}
