/** Views of a run (../views/): what the prompt and the label mapping have become, and which validation images the model gets wrong. Live while training ('prompt-snapshot' events), and for a stored run from its prompt file. */
import type { MappedSource, MappingStep, MappingView, OmegaHeat } from '../../engine/views/mapping';
import type { RgbaPicture } from './runsApi';
export type { MappedSource, MappingStep, MappingView, OmegaHeat };

/** When a snapshot was taken: training started, during an epoch, at an epoch's end, after a stop; or read from a stored run. */
export type SnapshotMoment = 'start' | 'batch' | 'epoch' | 'end' | 'stored';

/** A training image as the model sees it: placed on the canvas, prompt added, in [0, 1]. */
export interface SeenImage {
  label: number;
  className: string;
  picture: RgbaPicture;
  /** SMM: this image's own mask (grey = 0, brighter = larger), as its mask generator draws it. */
  mask?: RgbaPicture;
}

export interface PromptSnapshot {
  moment: SnapshotMoment;
  /** Optimiser steps done (of the planned total), and epochs done (fractional during an epoch). */
  step: number;
  totalSteps: number;
  epoch: number;
  /** The model's input side, the image's side on it, and the (learnt) scale. */
  canvas: number;
  imageSize: number;
  scale: number;
  /** activation(δ)·mask: transparent where the image goes. */
  prompt: RgbaPicture;
  /** log(1 + |FFT|) of the prompt, centred, averaged over channels, viridis colours. */
  spectrum: RgbaPicture;
  /** The log-magnitudes of the darkest and the brightest colour. */
  spectrumRange: [number, number];
  seen: SeenImage[];
  mapping: MappingView | null;
  /**
   * What it cost (ms): `syncMs` on the training thread (cloning the prompt and prompting the
   * sample images between two steps, naming the mapping), `computeMs` for the pictures and the
   * FFT, in a helper thread when `offThread` (training does not wait for them), else in the
   * training thread too.
   */
  cost: { syncMs: number; computeMs: number; offThread: boolean };
  /** Why a part is missing (a stored run's dataset is not in this browser). */
  note?: string;
}

export interface MisclassifiedQuery {
  /** A stored run; null: the run that trained last in this worker. */
  runId: string | null;
  trueClass: number;
  predicted: number;
  /** At most this many images (default 24). */
  max?: number;
}

export interface MisclassifiedImage {
  /** Index of the image in the dataset's training pool. */
  index: number;
  picture: RgbaPicture;
}

export interface MisclassifiedResult {
  runId: string | null;
  trueClass: number;
  predicted: number;
  /** Validation images in this cell (more than `images` when capped). */
  total: number;
  images: MisclassifiedImage[];
}

/** What the engine worker offers for views (merged into EngineApi). */
export interface ViewsEngineApi {
  /** A stored run's prompt pictures and mapping, from its prompt file (and its dataset's images). */
  runViews(runId: string): Promise<PromptSnapshot>;
  /** Validation images of class `trueClass` that the run predicts as `predicted`. */
  misclassified(query: MisclassifiedQuery): Promise<MisclassifiedResult>;
}
