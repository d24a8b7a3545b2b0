/**
 * Pictures of a prompt for people: the prompt alone (what is added to every image, transparent
 * where the image goes) and images as the model sees them (placed on the canvas, prompt added),
 * both in [0, 1] display units before the model's own value range and normalisation.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { PromptActivation } from '../../core/design/kinds';
import type { VPDesign } from '../../core/design/design';
import { Prompter, type PromptState } from '../prompt/prompter';

export interface RgbaImage {
  width: number;
  height: number;
  /** Row-major RGBA, 0–255. */
  rgba: Uint8ClampedArray;
}

const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

/** What the prompt adds to every image: activation(δ)·mask, [canvas, canvas, 3], in [0, 1] units. */
export function maskedPrompt(prompt: PromptState, activation: PromptActivation): Float32Array {
  const c = prompt.canvas;
  const out = new Float32Array(c * c * 3);
  for (let p = 0; p < c * c; p++) {
    const m = prompt.mask[p]!;
    if (m === 0) continue;
    for (let ch = 0; ch < 3; ch++) {
      const d = prompt.delta[p * 3 + ch]!;
      out[p * 3 + ch] = (activation === 'sigmoid' ? sigmoid(d) : d) * m;
    }
  }
  return out;
}

/**
 * The picture of a masked prompt (maskedPrompt's values, [c, c, 3]): its colours where the mask
 * is on, transparent where the image goes.
 */
export function maskedPromptPicture(values: Float32Array, mask: Float32Array, canvas: number): RgbaImage {
  const n = canvas * canvas;
  const rgba = new Uint8ClampedArray(n * 4);
  for (let p = 0; p < n; p++) {
    for (let ch = 0; ch < 3; ch++) rgba[p * 4 + ch] = Math.round(Math.min(1, Math.max(0, values[p * 3 + ch]!)) * 255);
    rgba[p * 4 + 3] = mask[p]! > 0 ? 255 : 0;
  }
  return { width: canvas, height: canvas, rgba };
}

/** The activated, masked prompt; alpha 0 where the mask is 0 (the image's place). */
export function promptPicture(prompt: PromptState, activation: PromptActivation): RgbaImage {
  return maskedPromptPicture(maskedPrompt(prompt, activation), prompt.mask, prompt.canvas);
}

/** [N, H, W, 3] values in [0, 1] (clamped) as N opaque RGBA images. */
export function batchToRgba(values: Float32Array, n: number, height: number, width: number): RgbaImage[] {
  return Array.from({ length: n }, (_, i) => {
    const rgba = new Uint8ClampedArray(height * width * 4);
    const base = i * height * width * 3;
    for (let p = 0; p < height * width; p++) {
      for (let ch = 0; ch < 3; ch++)
        rgba[p * 4 + ch] = Math.round(Math.min(1, Math.max(0, values[base + p * 3 + ch]!)) * 255);
      rgba[p * 4 + 3] = 255;
    }
    return { width, height, rgba };
  });
}

let pictures = 0;

/**
 * Base images [N, b, b, 3] in [0, 1] as the model sees them with this prompt: placed on the
 * canvas, plus the activated masked prompt. Needs no model weights.
 */
export async function promptedPictures(design: VPDesign, prompt: PromptState, base: tf.Tensor4D): Promise<RgbaImage[]> {
  const prompter = new Prompter(design, { canvas: prompt.canvas, valueRange: [0, 1] }, `picture${++pictures}`);
  try {
    prompter.load(prompt.delta, design.trainableResize ? prompt.scale : undefined);
    const x = prompter.prompted(base);
    const values = (await x.data()) as Float32Array;
    x.dispose();
    return batchToRgba(values, base.shape[0], prompt.canvas, prompt.canvas);
  } finally {
    prompter.dispose();
  }
}
