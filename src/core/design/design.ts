/**
 * The visual-prompting design choices of AutoVP (names follow AutoVP's paper and code), as types.
 * Their ranges, defaults, labels, URL keys, CLI flags and search values are in schema.ts.
 */
import type { LabelMappingKind, OptimizerKind, PromptActivation, PromptKind, ScheduleKind } from './kinds';

export interface PromptDesign {
  /** Target images are first resized to baseSize × baseSize (128 in the paper). */
  baseSize: number;
  /** Initial scale s: the image occupies round(baseSize · s) pixels, capped at the canvas. */
  inputScale: number;
  /** Learn the scale (one scalar, clamped to [0.1, 5]) instead of fixing it. */
  trainableResize: boolean;
  prompt: PromptKind;
  /** sigmoid for image classifiers (AutoVP), identity for CLIP-like models. */
  promptActivation: PromptActivation;
  /** Side of the square patch for prompt 'patch' (pixels of the canvas). */
  patchSize: number;
  /** Rank r of the low-rank prompt (LoR-VP): the pattern is B·A per channel, B C×r, A r×C. */
  promptRank: number;
}

export interface MappingDesign {
  labelMapping: LabelMappingKind;
  /** Source labels per target class for one-to-one mappings ("out_map_num"). */
  k: number;
  /** IterMap: recompute the frequency mapping every `interval` epochs. */
  interval: number;
  /** FullyMap: start as the identity from source class t to target class t. */
  identityInit: boolean;
}

export interface OptimDesign {
  optimizer: OptimizerKind;
  learningRate: number;
  weightDecay: number;
  momentum: number;
  /** step: ×0.1 at 50% and 72% of training (the reference's Adam); cosine: the reference's SGD. */
  schedule: ScheduleKind;
  epochs: number;
  batchSize: number;
}

export interface VPDesign extends PromptDesign, MappingDesign, OptimDesign {
  seed: number;
}

/**
 * Why a one-to-one label mapping cannot exist for these sizes, or null when it can. Plain data,
 * shared by the engine (which refuses) and the UI (which explains before training).
 */
export function mappingCapacityProblem(numSource: number, numTarget: number, k: number): string | null {
  if (numTarget * k <= numSource) return null;
  return (
    `A one-to-one label mapping needs ${numTarget} target classes × k=${k} = ${numTarget * k} distinct ` +
    `source labels, but the model has only ${numSource}. Lower k, pick a model with more classes, ` +
    `or use FullyMap (a trainable linear layer), which has no such limit.`
  );
}
