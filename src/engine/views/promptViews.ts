/**
 * What a prompt looks like, for people: the activated masked prompt, a few images as the model
 * sees them (placed on the canvas with the prompt added, in [0, 1] display units), and the
 * prompt's log-magnitude spectrum. Plain JavaScript on typed arrays (no tfjs), so that it can run
 * in a helper thread beside training (see capture.ts for reading a live model).
 */
import type { PromptActivation } from '../../core/design/kinds';
import { maskedPrompt, maskedPromptPicture, type RgbaImage } from '../export/promptPictures';
import type { PromptState } from '../prompt/prompter';
import { logMagnitudeSpectrum } from './fft';
import { colourMapPicture, downscaleRgba } from './pictures';

/** Pictures are sent at most this many pixels on a side (canvases of 299 are shrunk). */
export const VIEW_MAX_SIDE = 224;

export interface PromptViews {
  canvas: number;
  /** Side of the image on the canvas, and the (learnt) scale. */
  imageSize: number;
  scale: number;
  /** activation(δ)·mask as RGBA, transparent where the image goes. */
  prompt: RgbaImage;
  /** log(1 + |F|) of activation(δ)·mask, centred, averaged over channels, in viridis. */
  spectrum: RgbaImage;
  /** The log-magnitudes at the darkest and the brightest colour. */
  spectrumRange: [number, number];
  /** Images as the model sees them. */
  seen: RgbaImage[];
}

/** The pictures of a prompt; `seen` are images already placed and prompted (see promptedPictures). */
export function promptViews(
  prompt: PromptState,
  activation: PromptActivation,
  seen: RgbaImage[],
  maxSide = VIEW_MAX_SIDE,
): PromptViews {
  const c = prompt.canvas;
  const values = maskedPrompt(prompt, activation);
  const spectrum = colourMapPicture(logMagnitudeSpectrum(values, c, c, 3), c, c);
  return {
    canvas: c,
    imageSize: prompt.imageSize,
    scale: prompt.scale,
    prompt: downscaleRgba(maskedPromptPicture(values, prompt.mask, c), maxSide),
    spectrum: downscaleRgba(spectrum.image, maxSide),
    spectrumRange: [spectrum.min, spectrum.max],
    seen: seen.map((s) => downscaleRgba(s, maxSide)),
  };
}

/** The buffers of pictures, to transfer them instead of copying. */
export function pictureBuffers(pictures: readonly RgbaImage[]): ArrayBuffer[] {
  return [...new Set(pictures.map((p) => p.rgba.buffer as ArrayBuffer))];
}
