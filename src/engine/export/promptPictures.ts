/**
 * Pictures of a prompt for people: the prompt alone (what is added to every image, transparent
 * where the image goes) and images as the model sees them (placed on the canvas, prompt added),
 * both in [0, 1] display units before the model's own value range and normalisation.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { PromptActivation } from '../../core/design/kinds';
import type { VPDesign } from '../../core/design/design';
import { type InputSpec, Prompter, type PromptState } from '../prompt/prompter';
import type { PromptModelInfo } from './promptFile';

export interface RgbaImage {
  width: number;
  height: number;
  /** Row-major RGBA, 0–255. */
  rgba: Uint8ClampedArray;
}

const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

/**
 * What the prompt adds to every image: activation(δ)·mask, [canvas, canvas, 3], in [0, 1] units.
 * The prompts with learnt tensors besides δ (low-rank: δ = B·A; SMM: the shared pattern δ) add
 * their pattern as it is, whatever the design's activation says.
 */
export function maskedPrompt(prompt: PromptState, designActivation: PromptActivation): Float32Array {
  const activation = prompt.tensors ? 'identity' : designActivation;
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

/**
 * SMM's masks [N, C, C, 3] as N pictures, each scaled by its own largest magnitude: grey is 0,
 * brighter is positive, darker negative (the masks are unbounded and may be negative).
 */
export function maskPictures(values: Float32Array, n: number, canvas: number): RgbaImage[] {
  const size = canvas * canvas * 3;
  const shown = new Float32Array(values.length);
  for (let i = 0; i < n; i++) {
    let top = 1e-12;
    for (let j = i * size; j < (i + 1) * size; j++) top = Math.max(top, Math.abs(values[j] as number));
    for (let j = i * size; j < (i + 1) * size; j++) shown[j] = 0.5 + (0.5 * (values[j] as number)) / top;
  }
  return batchToRgba(shown, n, canvas, canvas);
}

/** How a prompt file's model wants its input. */
export function fileInputSpec(model: PromptModelInfo): InputSpec {
  const norm = model.normalization;
  return { canvas: model.inputSize, valueRange: model.valueRange, ...(norm ? { mean: norm.mean, std: norm.std } : {}) };
}

let pictures = 0;

/**
 * Base images [N, b, b, 3] in [0, 1] as the model sees them with this prompt: placed on the
 * canvas, plus the activated masked prompt. Needs no model weights.
 */
export async function promptedPictures(
  design: VPDesign,
  prompt: PromptState,
  base: tf.Tensor4D,
  input: InputSpec = { canvas: prompt.canvas, valueRange: [0, 1] },
): Promise<RgbaImage[]> {
  // SMM's mask generator reads the image in the model's range: `input` must be the model's then.
  const prompter = new Prompter(design, input, `picture${++pictures}`);
  try {
    prompter.load(prompt.delta, design.trainableResize ? prompt.scale : undefined, prompt.tensors);
    const x = prompter.prompted(base);
    const values = (await x.data()) as Float32Array;
    x.dispose();
    return batchToRgba(values, base.shape[0], prompt.canvas, prompt.canvas);
  } finally {
    prompter.dispose();
  }
}
