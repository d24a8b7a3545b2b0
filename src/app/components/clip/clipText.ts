/**
 * What the page says about a CLIP (text-image) model: its memory, whether the CLIP-VP recipe fits
 * its input, and how a prompt compares with CLIP's zero-shot accuracy. Plain functions, tested.
 */
import { CLIP_VP_PADDING, clipVpRecipe } from '../../../core/design/clipRecipe';
import type { VPDesign } from '../../../core/design/design';
import { designParam } from '../../../core/design/schema';
import type { ModelManifest } from '../../../worker/api/modelsApi';
import { bytes, percent } from '../../format';

export const isClip = (m: Pick<ModelManifest, 'format'>): boolean => m.format === 'clip';

/**
 * Memory while CLIP is in use: its weights as fp32 tensors, and while they are read the
 * downloaded file as well (both at once, for a moment).
 */
export function clipMemoryText(m: Pick<ModelManifest, 'parameterCount' | 'sizeBytes'>): string {
  const weights = (m.parameterCount ?? m.sizeBytes / 4) * 4;
  return `about ${bytes(weights)} of fp32 weights while loaded, up to ${bytes(weights + m.sizeBytes)} while they are read`;
}

/** The CLIP-VP recipe on a design for this canvas, or why it does not fit. */
export function clipRecipeFor(design: VPDesign, canvas: number): { design: VPDesign } | { problem: string } {
  const inner = canvas - 2 * CLIP_VP_PADDING;
  const min = designParam('baseSize').min;
  if (inner < min) {
    return {
      problem: `This checkpoint's ${canvas}-pixel input leaves ${Math.max(0, inner)} px inside CLIP-VP's ${CLIP_VP_PADDING}-pixel frame (the base size needs at least ${min}).`,
    };
  }
  return { design: clipVpRecipe(design, canvas) };
}

/** Whether the prompt beat zero-shot, in words, on the same images. */
export function zeroShotVerdict(prompt: number, zeroShot: number, split: 'test' | 'validation'): string {
  const points = (prompt - zeroShot) * 100;
  if (points > 0) return `The prompt beats CLIP's zero-shot ${split} accuracy by ${points.toFixed(1)} points (${percent(prompt)} vs ${percent(zeroShot)}).`;
  if (points === 0) return `The prompt ties CLIP's zero-shot ${split} accuracy (${percent(zeroShot)}): train longer or try the CLIP-VP recipe.`;
  return `The prompt does not beat CLIP's zero-shot ${split} accuracy yet (${percent(prompt)} vs ${percent(zeroShot)}): train longer or try the CLIP-VP recipe.`;
}
