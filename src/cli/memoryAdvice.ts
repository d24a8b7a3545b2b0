/** A training step that could not allocate its memory, in words: what it needs and a batch that fits. */
import type { SplitImages } from '../core/data/runSplits';
import { STEP_BUDGET, stepMemory } from '../engine/train/stepMemory';
import type { VisualPromptModel } from '../engine/train/visualPromptModel';
import { CliError } from './env';

const size = (bytes: number) =>
  bytes >= 1024 ** 3 ? `${(bytes / 1024 ** 3).toFixed(1)} GB` : `${Math.max(1, Math.round(bytes / 1024 ** 2))} MB`;

export async function memoryRefusal(
  error: Error,
  model: VisualPromptModel,
  train: SplitImages,
  backend: string,
): Promise<CliError> {
  const batch = model.design.batchSize;
  const images = Math.min(batch, train.indices.length);
  const canvas = model.source.input.canvas;
  const cause = `the ${backend} backend could not allocate it ("${error.message}")`;
  let measured: { fixed: number; perImage: number };
  try {
    measured = await stepMemory(model, train);
  } catch {
    // Too little memory left even to measure: the canvases of the batch alone, as a lower bound.
    const inputs = images * canvas * canvas * 3 * 4;
    return new CliError(`A training step with batch ${batch} (${images} images here) needs more than ${size(inputs)}: ${cause}.`, [
      `Use a smaller --batch (its ${canvas}×${canvas} canvases alone take ${size(inputs / images)} per image).`,
    ]);
  }
  const { fixed, perImage } = measured;
  const needed = fixed + perImage * images;
  const fits = (b: number) => fixed + perImage * b <= STEP_BUDGET;
  let suggested = 1;
  while (suggested * 2 < images && fits(suggested * 2)) suggested *= 2;
  const advice = fits(suggested)
    ? `Try --batch ${suggested} (about ${size(fixed + perImage * suggested)} a step).`
    : `Even one image needs ${size(fixed + perImage)}: use a smaller model, or a smaller --base-size or --scale.`;
  return new CliError(
    `A training step with batch ${batch} (${images} images here) needs about ${size(needed)} (${size(perImage)} per image on a ${canvas}×${canvas} canvas): ${cause}.`,
    [advice, 'Nothing was trained or written.'],
  );
}
