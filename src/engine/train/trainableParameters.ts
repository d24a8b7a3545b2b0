import type { MappingDesign, PromptDesign } from '../../core/design/design';
import { fillsInput } from '../../core/design/kinds';
import { fixedImageSize } from '../prompt/geometry';
import { lowRankParameters } from '../prompt/lowRank';
import { maskGeneratorParameters } from '../prompt/maskGenerator';

/** What a visual prompt trains, counted entry by entry. */
export interface TrainableParameters {
  /**
   * Prompt entries the mask lets train: 3 × the canvas pixels where the mask is 1; for a low-rank
   * prompt its factors (2 · 3 · canvas · r); for SMM δ plus the mask generator (26,499).
   */
  prompt: number;
  /** 1 with trainable resize (the scale), else 0. */
  resize: number;
  /** FullyMap: source × target weights + target biases; one-to-one mappings: 0. */
  mapping: number;
  total: number;
}

/**
 * Side of the image on the canvas at the design's scale, as the prompter places it: rounded for
 * a fixed scale, floor(base · s) (capped at the canvas) for trainable resize.
 */
function imageSide(design: PromptDesign, canvas: number): number {
  if (!design.trainableResize) return fixedImageSize(design.baseSize, design.inputScale, canvas);
  return Math.max(0, Math.min(canvas, Math.floor(Math.fround(design.baseSize * design.inputScale))));
}

/** Canvas pixels where the prompt acts (the mask's ones), as promptMask draws them. */
export function promptPixels(design: PromptDesign, canvas: number): number {
  if (design.prompt === 'full' || fillsInput(design.prompt)) return canvas * canvas;
  if (design.prompt === 'patch') return Math.min(design.patchSize, canvas) ** 2;
  const n = imageSide(design, canvas);
  return canvas * canvas - n * n;
}

/**
 * Trainable parameters of a visual prompt: the prompt tensor is canvas × canvas × 3, but entries
 * under the mask's zeros (the image, for a padding prompt) get no gradient and never change, so
 * only the masked-in entries count; plus the scale with trainable resize, plus the mapping's
 * weights. With trainable resize the padding mask follows the learnt scale: counted at the
 * design's (initial) scale.
 */
export function trainableParameters(
  design: PromptDesign & Pick<MappingDesign, 'labelMapping'>,
  canvas: number,
  numSource: number,
  numTarget: number,
): TrainableParameters {
  const prompt =
    design.prompt === 'lowrank'
      ? lowRankParameters(canvas, design.promptRank)
      : 3 * promptPixels(design, canvas) + (design.prompt === 'smm' ? maskGeneratorParameters() : 0);
  const resize = design.trainableResize ? 1 : 0;
  const mapping = design.labelMapping === 'fully' ? numSource * numTarget + numTarget : 0;
  return { prompt, resize, mapping, total: prompt + resize + mapping };
}
