/** The visual-prompting design choices of AutoVP (names follow ../shared/AUTOVP.md). */

export type LabelMappingKind = 'random' | 'freq' | 'iter' | 'semantic' | 'fully';
export type PromptKind = 'pad' | 'full' | 'patch';
export type PromptActivation = 'sigmoid' | 'identity';

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

export type OptimizerKind = 'adam' | 'sgd';
export type ScheduleKind = 'step' | 'cosine' | 'constant';

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

export const DEFAULT_DESIGN: VPDesign = {
  baseSize: 128,
  inputScale: 1,
  trainableResize: false,
  prompt: 'pad',
  promptActivation: 'sigmoid',
  patchSize: 32,
  labelMapping: 'fully',
  k: 1,
  interval: 1,
  identityInit: false,
  optimizer: 'adam',
  // AutoVP's 1e-3 assumes 200 epochs; at the default budget (1,000 images × 2 epochs) 3e-3 did
  // best of 1e-3…3e-2 on MNIST (BENCHMARKS.md, "Choosing the default recipe").
  learningRate: 3e-3,
  weightDecay: 0,
  momentum: 0.9,
  schedule: 'step',
  epochs: 2,
  batchSize: 32,
  seed: 7,
};

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
