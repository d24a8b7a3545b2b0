/**
 * The AutoVP prompt file: one .safetensors file per trained prompt, readable by numpy, PyTorch
 * and the Hugging Face tools, and loadable back into the app. docs/prompt-format.md describes it
 * for people; this module writes it (buildPromptFile) and reads it back (parsePromptFile),
 * refusing anything that is not exactly what it wrote: foreign files, newer versions, shapes
 * that disagree with the manifest, non-finite values, changed bytes.
 *
 * Plain data in, bytes out (and back): no worker, no IndexedDB, no tfjs tensors, so the worker
 * and a Node CLI share it.
 */
import type { LabelMappingKind, PromptActivation, PromptKind } from '../../core/design/kinds';
import type { VPDesign } from '../../core/design/design';
import type { ImageFit } from '../../core/data/imageFit';
import type { ImportPreprocessing, Rgb } from '../../core/data/importedDataset';
import type { MappingState } from '../mapping/labelMapping';
import type { ModelManifest, ModelWeightsOrigin } from '../models/manifest';
import { fixedImageSize } from '../prompt/geometry';
import type { PromptState } from '../prompt/prompter';
import { RESIZE_SCALE_RANGE } from '../prompt/trainableResize';
import type { EpochMetrics } from '../train/trainer';
import { decodeSafetensors, encodeSafetensors, type RawTensor, SafetensorsError, type TensorInput, tensorValues } from './safetensors';
import { sha256, toHex } from './sha256';

export const PROMPT_FILE_FORMAT = 'autovp-prompt';
export const PROMPT_FILE_VERSION = 1;
/** Metadata key holding the JSON manifest. */
export const MANIFEST_KEY = 'autovp';
/** Larger files are refused unread (a 1000-source × 1000-class FullyMap is 4 MB). */
export const PROMPT_FILE_MAX_BYTES = 64 * 1024 * 1024;
const MAX_CLASSES = 10_000;
const MAX_CANVAS = 2048;

/** What the model is and how it wants its input: enough to rebuild the pipeline elsewhere. */
export interface PromptModelInfo {
  id: string;
  name: string;
  /** Where the weights come from: an npm package the app bundles, or a URL. */
  source: ModelWeightsOrigin;
  format: 'layers' | 'graph';
  inputSize: number;
  /** Range the model expects input values in. */
  valueRange: [number, number];
  /** Per-channel normalisation after mapping to valueRange, or null. */
  normalization: { mean: [number, number, number]; std: [number, number, number] } | null;
  /** Layer / tensor whose (pre-softmax) output are the source logits. */
  sourceOutput: string;
  /** Number of source logits (S). */
  numSource: number;
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

const refuse = (code: PromptFileErrorCode, message: string): never => {
  throw new PromptFileError(code, message);
};

/** The model part of a manifest, from the app's model manifest and the loaded network's size. */
export function promptModelInfo(manifest: ModelManifest, numSource: number): PromptModelInfo {
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
  };
}

/** Side of the image on the canvas for a learnt scale, in float32 as the engine computes it. */
export function trainableImageSide(baseSize: number, scale: number, canvas: number): number {
  return Math.max(0, Math.min(canvas, Math.floor(Math.fround(Math.fround(baseSize) * Math.fround(scale)))));
}

/** The mask [canvas, canvas] (row-major) a prompt of this kind has for an image of side imageSize. */
export function expectedMask(kind: PromptKind, canvas: number, imageSize: number, patchSize: number): Float32Array {
  const mask = new Float32Array(canvas * canvas);
  if (kind === 'full') return mask.fill(1);
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
export function imageSideOf(design: Pick<VPDesign, 'baseSize' | 'inputScale' | 'trainableResize'>, scale: number, canvas: number): number {
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
  if (mapping.kind === 'fully') {
    if (mapping.numSource !== model.numSource || mapping.numTarget !== numTarget) throw new Error('the mapping does not fit the model and classes');
    tensors.mapping_weight = { dtype: 'F32', shape: [mapping.numSource, numTarget], data: mapping.weight };
    tensors.mapping_bias = { dtype: 'F32', shape: [numTarget], data: mapping.bias };
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
      k: design.labelMapping === 'fully' ? null : design.k,
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

// ---------------------------------------------------------------------------------------------
// Reading

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

function bad(field: string, why: string): never {
  return refuse('manifest', `The file's manifest is invalid: "${field}" ${why}.`);
}

const num = (o: Json, k: string, where: string, check: (v: number) => boolean = Number.isFinite): number => {
  const v = o[k];
  if (typeof v !== 'number' || !check(v)) bad(`${where}${k}`, `is ${JSON.stringify(v)}`);
  return v as number;
};
const int = (o: Json, k: string, where: string, min: number, max = Number.MAX_SAFE_INTEGER) =>
  num(o, k, where, (v) => Number.isSafeInteger(v) && v >= min && v <= max);
const str = (o: Json, k: string, where: string): string => {
  const v = o[k];
  if (typeof v !== 'string') bad(`${where}${k}`, 'is not a string');
  return v as string;
};
const bool = (o: Json, k: string, where: string): boolean => {
  const v = o[k];
  if (typeof v !== 'boolean') bad(`${where}${k}`, 'is not true or false');
  return v as boolean;
};
function oneOf<T extends string>(o: Json, k: string, where: string, values: readonly T[]): T {
  const v = o[k];
  if (typeof v !== 'string' || !values.includes(v as T)) bad(`${where}${k}`, `is ${JSON.stringify(v)}, not one of ${values.join(', ')}`);
  return v as T;
}
const obj = (o: Json, k: string, where: string): Json => {
  const v = o[k];
  if (!isObject(v)) bad(`${where}${k}`, 'is not an object');
  return v as Json;
};
const numbers = (v: unknown, n: number, field: string): number[] => {
  if (!Array.isArray(v) || v.length !== n || !v.every((x) => typeof x === 'number' && Number.isFinite(x))) bad(field, `must be ${n} numbers`);
  return v as number[];
};

const PROMPT_KINDS: readonly PromptKind[] = ['pad', 'full', 'patch'];
const ACTIVATIONS: readonly PromptActivation[] = ['sigmoid', 'identity'];
const MAPPINGS: readonly LabelMappingKind[] = ['random', 'freq', 'iter', 'semantic', 'fully'];
const FITS: readonly ImageFit[] = ['crop', 'pad', 'stretch'];

function checkDesign(o: Json): VPDesign {
  const w = 'config.';
  return {
    ...(o as unknown as VPDesign),
    baseSize: int(o, 'baseSize', w, 1, MAX_CANVAS),
    inputScale: num(o, 'inputScale', w, (v) => Number.isFinite(v) && v > 0 && v <= 16),
    trainableResize: bool(o, 'trainableResize', w),
    prompt: oneOf(o, 'prompt', w, PROMPT_KINDS),
    promptActivation: oneOf(o, 'promptActivation', w, ACTIVATIONS),
    patchSize: int(o, 'patchSize', w, 1, MAX_CANVAS),
    labelMapping: oneOf(o, 'labelMapping', w, MAPPINGS),
    k: int(o, 'k', w, 1, MAX_CLASSES),
    interval: int(o, 'interval', w, 0, 1_000_000),
    identityInit: bool(o, 'identityInit', w),
    optimizer: oneOf(o, 'optimizer', w, ['adam', 'sgd'] as const),
    learningRate: num(o, 'learningRate', w),
    weightDecay: num(o, 'weightDecay', w),
    momentum: num(o, 'momentum', w),
    schedule: oneOf(o, 'schedule', w, ['step', 'cosine', 'constant'] as const),
    epochs: int(o, 'epochs', w, 0),
    batchSize: int(o, 'batchSize', w, 1),
    seed: num(o, 'seed', w, Number.isSafeInteger),
  };
}

function checkSplitMetrics(v: unknown, field: string): PromptSplitMetrics | null {
  if (v === null) return null;
  if (!isObject(v)) return bad(field, 'is not an object or null');
  const isNumber = (x: unknown) => typeof x === 'number' || x === null; // NaN is written as null
  if (!isNumber(v.accuracy) || !isNumber(v.loss) || typeof v.count !== 'number') bad(field, 'needs accuracy, loss and count');
  return v as unknown as PromptSplitMetrics;
}

/** Checks a manifest's fields and their agreement with each other. */
export function checkManifest(raw: unknown): PromptFileManifest {
  if (!isObject(raw)) return refuse('not-autovp', 'The file has an "autovp" entry but it is not a JSON object.');
  if (raw.format !== PROMPT_FILE_FORMAT) refuse('not-autovp', `The file's "autovp" entry is not an AutoVP prompt manifest (format ${JSON.stringify(raw.format)}).`);
  const version = raw.version;
  if (typeof version !== 'number' || !Number.isInteger(version) || version < 1) return refuse('version', `The prompt file has an unknown format version ${JSON.stringify(version)}.`);
  if (version > PROMPT_FILE_VERSION) {
    refuse('version', `The prompt file was written in format version ${version} by a newer version of the app; this app reads version ${PROMPT_FILE_VERSION}. Update the app to load it.`);
  }
  const m = raw;
  str(m, 'createdAt', '');
  if (Number.isNaN(Date.parse(m.createdAt as string))) bad('createdAt', 'is not a date');
  const model = obj(m, 'model', '');
  str(model, 'id', 'model.');
  str(model, 'name', 'model.');
  str(model, 'sourceOutput', 'model.');
  const inputSize = int(model, 'inputSize', 'model.', 1, MAX_CANVAS);
  const numSource = int(model, 'numSource', 'model.', 1, 1_000_000);
  numbers(model.valueRange, 2, 'model.valueRange');
  if (model.normalization !== null) {
    const n = obj(model, 'normalization', 'model.');
    numbers(n.mean, 3, 'model.normalization.mean');
    if (numbers(n.std, 3, 'model.normalization.std').some((s) => s === 0)) bad('model.normalization.std', 'has a zero');
  }
  if (!isObject(model.source)) bad('model.source', 'is not an object');

  const config = checkDesign(obj(m, 'config', ''));
  const inputScale = num(m, 'inputScale', '', (v) => v > 0);
  const trainableResize = bool(m, 'trainableResize', '');
  const resizeScale = num(m, 'resizeScale', '', (v) => v >= RESIZE_SCALE_RANGE[0] && v <= RESIZE_SCALE_RANGE[1]);
  const imageSize = int(m, 'imageSize', '', 0, inputSize);
  const prompt = obj(m, 'prompt', '');
  const promptKind = oneOf(prompt, 'kind', 'prompt.', PROMPT_KINDS);
  const patchSize = int(prompt, 'patchSize', 'prompt.', 1, MAX_CANVAS);
  const promptActivation = oneOf(m, 'promptActivation', '', ACTIVATIONS);
  const pre = obj(m, 'preprocessing', '');
  const baseSize = int(pre, 'baseSize', 'preprocessing.', 1, MAX_CANVAS);
  oneOf(pre, 'fit', 'preprocessing.', FITS);
  if (numbers(pre.alphaBackground, 3, 'preprocessing.alphaBackground').some((v) => !Number.isInteger(v) || v < 0 || v > 255)) {
    bad('preprocessing.alphaBackground', 'must be three integers in 0–255');
  }
  const mapping = obj(m, 'labelMapping', '');
  const kind = oneOf(mapping, 'kind', 'labelMapping.', MAPPINGS);
  const k = kind === 'fully' ? null : int(mapping, 'k', 'labelMapping.', 1, MAX_CLASSES);
  const classes = m.targetClasses;
  if (!Array.isArray(classes) || classes.length < 1 || classes.length > MAX_CLASSES || !classes.every((c) => typeof c === 'string')) {
    bad('targetClasses', `must list 1 to ${MAX_CLASSES} class names`);
  }
  const seed = num(m, 'seed', '', Number.isSafeInteger);
  const metrics = obj(m, 'metrics', '');
  checkSplitMetrics(metrics.validation, 'metrics.validation');
  checkSplitMetrics(metrics.test, 'metrics.test');
  if (!Array.isArray(metrics.epochs)) bad('metrics.epochs', 'is not a list');
  if (m.integrity !== null) {
    const digest = obj(m, 'integrity', '').sha256;
    if (typeof digest !== 'string' || !/^[0-9a-f]{64}$/.test(digest)) bad('integrity.sha256', 'is not a SHA-256 digest');
  }

  // The summary fields repeat the config: they must agree.
  const agree: [string, unknown, unknown][] = [
    ['inputScale', inputScale, config.inputScale],
    ['trainableResize', trainableResize, config.trainableResize],
    ['prompt.kind', promptKind, config.prompt],
    ['prompt.patchSize', patchSize, config.patchSize],
    ['promptActivation', promptActivation, config.promptActivation],
    ['preprocessing.baseSize', baseSize, config.baseSize],
    ['labelMapping.kind', kind, config.labelMapping],
    ['seed', seed, config.seed],
  ];
  if (k !== null) agree.push(['labelMapping.k', k, config.k]);
  if (!trainableResize) agree.push(['resizeScale', resizeScale, inputScale]);
  for (const [field, a, b] of agree) if (a !== b) bad(field, `is ${JSON.stringify(a)} but the config says ${JSON.stringify(b)}`);
  if (imageSize !== imageSideOf(config, resizeScale, inputSize)) {
    bad('imageSize', `is ${imageSize}, but a ${baseSize}-pixel image at scale ${resizeScale} on a ${inputSize}-pixel canvas is ${imageSideOf(config, resizeScale, inputSize)}`);
  }
  if (k !== null && (classes as string[]).length * k > numSource) {
    bad('labelMapping.k', `asks for ${(classes as string[]).length} × ${k} distinct source labels but the model has ${numSource}`);
  }
  return m as unknown as PromptFileManifest;
}

function tensorOf(tensors: Map<string, RawTensor>, name: string, dtype: 'F32' | 'I32', shape: number[]): Float32Array | Int32Array {
  const t = tensors.get(name);
  if (!t) return refuse('tensors', `The file has no "${name}" tensor, which its manifest needs.`);
  if (t.dtype !== dtype) refuse('tensors', `The "${name}" tensor is ${t.dtype}; it should be ${dtype === 'F32' ? 'float32' : 'int32'}.`);
  if (t.shape.length !== shape.length || t.shape.some((d, i) => d !== shape[i])) {
    refuse('tensors', `The "${name}" tensor has shape [${t.shape.join(', ')}] but the manifest implies [${shape.join(', ')}].`);
  }
  const values = tensorValues(t) as Float32Array | Int32Array;
  if (dtype === 'F32' && !values.every(Number.isFinite)) refuse('tensors', `The "${name}" tensor holds values that are not finite numbers (NaN or infinity).`);
  return values;
}

/**
 * Reads and fully checks a prompt file. Throws PromptFileError with a message for the user when
 * the file is not one this app wrote, or was changed since.
 */
export function parsePromptFile(bytes: Uint8Array, maxBytes = PROMPT_FILE_MAX_BYTES): PromptFile {
  if (bytes.length > maxBytes) refuse('too-large', `The file is ${(bytes.length / 1024 ** 2).toFixed(1)} MB; a prompt file is at most ${maxBytes / 1024 ** 2} MB.`);
  let file;
  try {
    file = decodeSafetensors(bytes);
  } catch (e) {
    if (e instanceof SafetensorsError) return refuse('not-safetensors', `This is not a valid .safetensors file: ${e.message}.`);
    throw e;
  }
  const text = file.metadata[MANIFEST_KEY];
  if (text === undefined) {
    const names = [...file.tensors.keys()].slice(0, 5).join(', ');
    return refuse('not-autovp', `This .safetensors file is not an AutoVP prompt: it has no "${MANIFEST_KEY}" manifest (its tensors: ${names || 'none'}).`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return refuse('not-autovp', `The file's "${MANIFEST_KEY}" manifest is not valid JSON.`);
  }
  const manifest = checkManifest(raw);

  if (manifest.integrity) {
    const digest = toHex(sha256(bytes.subarray(file.dataOffset)));
    if (digest !== manifest.integrity.sha256) {
      refuse('integrity', "The file's tensors differ from the ones it was written with (its SHA-256 does not match the manifest): it was changed or damaged after export. Tools that edit the tensors must update or remove \"integrity\".");
    }
  }

  const c = manifest.model.inputSize;
  const numTarget = manifest.targetClasses.length;
  const numSource = manifest.model.numSource;
  const expected = new Set(['prompt', 'mask']);
  const delta = tensorOf(file.tensors, 'prompt', 'F32', [c, c, 3]) as Float32Array;
  const mask = tensorOf(file.tensors, 'mask', 'F32', [c, c]) as Float32Array;
  let scale = manifest.resizeScale;
  if (manifest.trainableResize) {
    expected.add('resize_scale');
    const s = (tensorOf(file.tensors, 'resize_scale', 'F32', []) as Float32Array)[0]!;
    if (s !== Math.fround(manifest.resizeScale)) refuse('tensors', `The "resize_scale" tensor (${s}) disagrees with the manifest's resizeScale (${manifest.resizeScale}).`);
    scale = s;
  }
  const want = expectedMask(manifest.prompt.kind, c, manifest.imageSize, manifest.prompt.patchSize);
  if (want.some((v, i) => v !== mask[i])) {
    refuse('tensors', `The "mask" tensor is not the ${manifest.prompt.kind} mask around a ${manifest.imageSize}-pixel image that the manifest describes.`);
  }

  let mapping: MappingState;
  if (manifest.labelMapping.kind === 'fully') {
    expected.add('mapping_weight').add('mapping_bias');
    const weight = tensorOf(file.tensors, 'mapping_weight', 'F32', [numSource, numTarget]) as Float32Array;
    const bias = tensorOf(file.tensors, 'mapping_bias', 'F32', [numTarget]) as Float32Array;
    mapping = { kind: 'fully', weight, bias, numSource, numTarget };
  } else {
    expected.add('mapping_indices');
    const k = manifest.labelMapping.k as number;
    const indices = tensorOf(file.tensors, 'mapping_indices', 'I32', [numTarget, k]) as Int32Array;
    const seen = new Set<number>();
    for (const s of indices) {
      if (s < 0 || s >= numSource) refuse('tensors', `"mapping_indices" names source label ${s}, outside 0–${numSource - 1}.`);
      if (seen.has(s)) refuse('tensors', `"mapping_indices" gives source label ${s} to two target classes; a one-to-one mapping never does.`);
      seen.add(s);
    }
    const assignment = Array.from({ length: numTarget }, (_, t) => Array.from(indices.subarray(t * k, (t + 1) * k)));
    mapping = { kind: manifest.labelMapping.kind, k, assignment };
  }
  const extra = [...file.tensors.keys()].filter((n) => !expected.has(n));
  if (extra.length) refuse('tensors', `The file has tensors its manifest does not describe: ${extra.join(', ')}.`);

  return {
    manifest,
    prompt: { canvas: c, delta, mask, scale, imageSize: manifest.imageSize },
    mapping,
  };
}
