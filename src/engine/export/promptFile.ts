/**
 * The AutoVP prompt file: one .safetensors file per trained prompt, readable by numpy, PyTorch
 * and the Hugging Face tools, and loadable back into the app. docs/prompt-format.md describes it
 * for people; this module defines it and writes it (buildPromptFile); promptFileReader.ts reads
 * it back.
 *
 * Plain data in, bytes out (and back): no worker, no IndexedDB, no tfjs tensors, so the worker
 * and a Node CLI share it.
 */
import { fillsInput, isOneToOne, type LabelMappingKind, type PromptActivation, type PromptKind } from '../../core/design/kinds';
import type { VPDesign } from '../../core/design/design';
import type { ImageFit } from '../../core/data/imageFit';
import type { ImportPreprocessing, Rgb } from '../../core/data/importedDataset';
import type { MappingState } from '../mapping/labelMapping';
import type { ClipTextHead } from '../models/clip/clipTextHead';
import type { ModelManifest, ModelWeightsOrigin } from '../models/manifest';
import { fixedImageSize } from '../prompt/geometry';
import type { PromptState } from '../prompt/prompter';
import type { EpochMetrics } from '../train/trainer';
import { learntPromptTensorShapes } from './promptTensors';
import { encodeSafetensors, type TensorInput } from './safetensors';
import { sha256, toHex } from './sha256';

export const PROMPT_FILE_FORMAT = 'autovp-prompt';
export const PROMPT_FILE_VERSION = 1;
/** Metadata key holding the JSON manifest. */
export const MANIFEST_KEY = 'autovp';
/** Larger files are refused unread (a 1000-source × 1000-class FullyMap is 4 MB). */
export const PROMPT_FILE_MAX_BYTES = 64 * 1024 * 1024;
export const MAX_CLASSES = 10_000;
export const MAX_CANVAS = 2048;

/** What the model is and how it wants its input: enough to rebuild the pipeline elsewhere. */
export interface PromptModelInfo {
  id: string;
  name: string;
  /** Where the weights come from: an npm package the app bundles, or a URL. */
  source: ModelWeightsOrigin;
  format: 'layers' | 'graph' | 'clip';
  inputSize: number;
  /** Range the model expects input values in. */
  valueRange: [number, number];
  /** Per-channel normalisation after mapping to valueRange, or null. */
  normalization: { mean: [number, number, number]; std: [number, number, number] } | null;
  /** Layer / tensor whose (pre-softmax) output are the source logits. */
  sourceOutput: string;
  /** Number of source logits (S). */
  numSource: number;
  /** CLIP: the checkpoint, templates, head kind and class names its source classes were built from. */
  clip?: ClipTextHead;
}

/** How an image becomes the base image the prompt was trained on. */
export interface PromptPreprocessing {
  /** Square images of the dataset are first resized to baseSize × baseSize. */
  baseSize: number;
  /** Resampling of every resize the engine does (to baseSize, then to imageSize). */
  resize: 'bilinear-half-pixel';
  /** How a non-square image becomes square (imported datasets; the default for predictions). */
  fit: ImageFit;
  /** Transparent pixels are composited onto this colour, [r, g, b] in 0–255. */
  alphaBackground: Rgb;
  /** Side the dataset's images were stored at before the resize to baseSize (null: as given). */
  workingSize: number | null;
  /** Pixel values: uint8 / 255, gray repeated to three channels. */
  values: 'uint8/255';
  grayscale: 'repeat-to-rgb';
  /** How an imported dataset's images were decoded (null for the built-in datasets). */
  dataset: ImportPreprocessing | null;
}

/** Metrics of one split (NaN is written as null, as JSON has no NaN). */
export interface PromptSplitMetrics {
  accuracy: number | null;
  loss: number | null;
  count: number;
}

const finiteOrNull = (x: number) => (Number.isFinite(x) ? x : null);

/** A split's metrics for the manifest. */
export function splitMetrics(e: { accuracy: number; loss: number; count: number } | null | undefined): PromptSplitMetrics | null {
  return e ? { accuracy: finiteOrNull(e.accuracy), loss: finiteOrNull(e.loss), count: e.count } : null;
}

export interface PromptMetrics {
  validation: PromptSplitMetrics | null;
  test: PromptSplitMetrics | null;
  epochs: EpochMetrics[];
  steps: number;
  /** false for the checkpoint written after an epoch of a run still training. */
  final: boolean;
  stopped: boolean;
}

export interface PromptFileManifest {
  format: typeof PROMPT_FILE_FORMAT;
  version: typeof PROMPT_FILE_VERSION;
  /** ISO 8601. */
  createdAt: string;
  generator: string;
  model: PromptModelInfo;
  /** Initial scale s of the image (and the learnt one's starting point). */
  inputScale: number;
  /** Side of the image on the canvas (with trainable resize: min(canvas, floor(baseSize · resizeScale))). */
  imageSize: number;
  trainableResize: boolean;
  /** Scale the image is placed with: learnt (also the `resize_scale` tensor) or the fixed inputScale. */
  resizeScale: number;
  prompt: { kind: PromptKind; patchSize: number };
  promptActivation: PromptActivation;
  preprocessing: PromptPreprocessing;
  labelMapping: { kind: LabelMappingKind; k: number | null; interval: number | null };
  /** Target class names in output order. */
  targetClasses: string[];
  metrics: PromptMetrics;
  /** The full design of the run. */
  config: VPDesign;
  /** How much data the run used (valFraction, trainImages, …), when known. */
  data: Record<string, number> | null;
  seed: number;
  dataset: { id: string; name: string } | null;
  run: { id: string; name: string } | null;
  /** SHA-256 (hex) of the data section: the file's tensors exactly as written. */
  integrity: { sha256: string } | null;
}

export interface PromptFileInput {
  prompt: PromptState;
  mapping: MappingState;
  design: VPDesign;
  model: PromptModelInfo;
  targetClasses: readonly string[];
  preprocessing: PromptPreprocessing;
  metrics: PromptMetrics;
  data?: Readonly<Record<string, number | undefined>> | null;
  dataset?: { id: string; name: string } | null;
  run?: { id: string; name: string } | null;
  createdAt: Date;
  generator?: string;
}

/** A file as read back: its manifest and tensors in the engine's shapes. */
export interface PromptFile {
  manifest: PromptFileManifest;
  prompt: PromptState;
  mapping: MappingState;
}

export type PromptFileErrorCode = 'too-large' | 'not-safetensors' | 'not-autovp' | 'version' | 'manifest' | 'tensors' | 'integrity';

/** Why a file is refused; the message is meant for the user. */
export class PromptFileError extends Error {
  override readonly name = 'PromptFileError';
  constructor(
    readonly code: PromptFileErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export const refuse = (code: PromptFileErrorCode, message: string): never => {
  throw new PromptFileError(code, message);
};

/**
 * The model part of a manifest, from the app's model manifest and the loaded network's size
 * (CLIP: and the source model's textHead, so the same classes can be built again).
 */
export function promptModelInfo(manifest: ModelManifest, numSource: number, textHead?: ClipTextHead): PromptModelInfo {
  return {
    id: manifest.id,
    name: manifest.name,
    source: manifest.weights,
    format: manifest.format,
    inputSize: manifest.inputSize,
    valueRange: [...manifest.valueRange],
    normalization: manifest.normalization
      ? { mean: [...manifest.normalization.mean], std: [...manifest.normalization.std] }
      : null,
    sourceOutput: manifest.sourceOutput,
    numSource,
    ...(textHead ? { clip: textHead } : {}),
  };
}

/** Side of the image on the canvas for a learnt scale, in float32 as the engine computes it. */
export function trainableImageSide(baseSize: number, scale: number, canvas: number): number {
  return Math.max(0, Math.min(canvas, Math.floor(Math.fround(Math.fround(baseSize) * Math.fround(scale)))));
}

/** The mask [canvas, canvas] (row-major) a prompt of this kind has for an image of side imageSize. */
export function expectedMask(kind: PromptKind, canvas: number, imageSize: number, patchSize: number): Float32Array {
  const mask = new Float32Array(canvas * canvas);
  if (kind === 'full' || fillsInput(kind)) return mask.fill(1);
  if (kind === 'patch') {
    const p = Math.min(patchSize, canvas);
    for (let r = 0; r < p; r++) mask.fill(1, r * canvas, r * canvas + p);
    return mask;
  }
  const top = Math.floor((canvas - imageSize) / 2);
  const inside = (i: number) => i >= top && i < top + imageSize;
  for (let r = 0; r < canvas; r++) for (let c = 0; c < canvas; c++) mask[r * canvas + c] = inside(r) && inside(c) ? 0 : 1;
  return mask;
}

/** Side of the image on the canvas for a design and its (learnt or fixed) scale. */
export function imageSideOf(design: Pick<VPDesign, 'baseSize' | 'inputScale' | 'trainableResize' | 'prompt'>, scale: number, canvas: number): number {
  if (fillsInput(design.prompt)) return canvas;
  return design.trainableResize ? trainableImageSide(design.baseSize, scale, canvas) : fixedImageSize(design.baseSize, design.inputScale, canvas);
}

const plainData = (data: PromptFileInput['data']): Record<string, number> | null => {
  if (!data) return null;
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(data)) if (typeof v === 'number') out[k] = v;
  return out;
};

/** Writes a prompt file. Throws if the inputs disagree with each other (a bug, not a user error). */
export function buildPromptFile(input: PromptFileInput): Uint8Array {
  const { prompt, mapping, design, model } = input;
  const c = prompt.canvas;
  const numTarget = input.targetClasses.length;
  if (c !== model.inputSize) throw new Error(`the prompt's canvas is ${c} but the model takes ${model.inputSize}`);
  if (prompt.delta.length !== c * c * 3 || prompt.mask.length !== c * c) throw new Error('prompt or mask has the wrong size');
  const scale = design.trainableResize ? Math.fround(prompt.scale) : design.inputScale;
  const imageSize = imageSideOf(design, scale, c);
  const mask = expectedMask(design.prompt, c, imageSize, design.patchSize);
  if (mask.some((v, i) => v !== prompt.mask[i])) throw new Error(`the prompt's mask does not match a ${design.prompt} prompt around a ${imageSize}-pixel image`);

  const tensors: Record<string, TensorInput> = {
    prompt: { dtype: 'F32', shape: [c, c, 3], data: prompt.delta },
    mask: { dtype: 'F32', shape: [c, c], data: mask },
  };
  if (design.trainableResize) tensors.resize_scale = { dtype: 'F32', shape: [], data: Float32Array.of(scale) };
  for (const [name, shape] of Object.entries(learntPromptTensorShapes(design, c))) {
    const data = prompt.tensors?.[name];
    if (data?.length !== shape.reduce((a, b) => a * b, 1)) throw new Error(`the ${design.prompt} prompt's "${name}" is missing or has the wrong size`);
    tensors[name] = { dtype: 'F32', shape, data };
  }
  if (mapping.kind === 'fully') {
    if (mapping.numSource !== model.numSource || mapping.numTarget !== numTarget) throw new Error('the mapping does not fit the model and classes');
    tensors.mapping_weight = { dtype: 'F32', shape: [mapping.numSource, numTarget], data: mapping.weight };
    tensors.mapping_bias = { dtype: 'F32', shape: [numTarget], data: mapping.bias };
  } else if ('omega' in mapping) {
    if (mapping.numSource !== model.numSource || mapping.numTarget !== numTarget) throw new Error('the mapping does not fit the model and classes');
    if (mapping.omega.length !== mapping.numSource * numTarget) throw new Error('the BLM weights have not been counted yet');
    tensors.mapping_omega = { dtype: 'F32', shape: [mapping.numSource, numTarget], data: mapping.omega };
  } else {
    if (mapping.assignment.length !== numTarget) throw new Error('the label mapping has not been computed yet');
    tensors.mapping_indices = { dtype: 'I32', shape: [numTarget, mapping.k], data: Int32Array.from(mapping.assignment.flat()) };
  }
  if (mapping.kind !== design.labelMapping) throw new Error(`a ${mapping.kind} mapping for a ${design.labelMapping} design`);

  const manifest: PromptFileManifest = {
    format: PROMPT_FILE_FORMAT,
    version: PROMPT_FILE_VERSION,
    createdAt: input.createdAt.toISOString(),
    generator: input.generator ?? 'AutoVP Playground',
    model,
    inputScale: design.inputScale,
    imageSize,
    trainableResize: design.trainableResize,
    resizeScale: scale,
    prompt: { kind: design.prompt, patchSize: design.patchSize },
    promptActivation: design.promptActivation,
    preprocessing: input.preprocessing,
    labelMapping: {
      kind: design.labelMapping,
      k: isOneToOne(design.labelMapping) ? design.k : null,
      interval: design.labelMapping === 'iter' ? design.interval : null,
    },
    targetClasses: [...input.targetClasses],
    metrics: input.metrics,
    config: { ...design },
    data: plainData(input.data),
    seed: design.seed,
    dataset: input.dataset ?? null,
    run: input.run ?? null,
    integrity: null,
  };
  // The digest covers the data section, which does not depend on the header: write once
  // without it to get the data, then again with it.
  const draft = encodeSafetensors(tensors, { [MANIFEST_KEY]: JSON.stringify(manifest) });
  const dataStart = 8 + Number(new DataView(draft.buffer).getBigUint64(0, true));
  manifest.integrity = { sha256: toHex(sha256(draft.subarray(dataStart))) };
  return encodeSafetensors(tensors, { [MANIFEST_KEY]: JSON.stringify(manifest) });
}
