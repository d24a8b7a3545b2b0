/**
 * Reads an AutoVP prompt file back (parsePromptFile), refusing anything that is not exactly what
 * buildPromptFile wrote: foreign files, newer versions, shapes that disagree with the manifest,
 * non-finite values, changed bytes. A file's design is checked more leniently than the form's
 * ranges (a file may come from another version or from PyTorch), but its kinds exactly.
 */
import type { VPDesign } from '../../core/design/design';
import type { ImageFit } from '../../core/data/imageFit';
import type { MappingState } from '../mapping/labelMapping';
import { RESIZE_SCALE_RANGE } from '../prompt/trainableResize';
import { decodeSafetensors, type RawTensor, SafetensorsError, tensorValues } from './safetensors';
import { sha256, toHex } from './sha256';
import { learntPromptTensorShapes, lowRankMismatch } from './promptTensors';
import { designParam } from '../../core/design/schema';
import { textHeadProblem } from '../models/clip/clipTextHead';

import { isBayesian, isOneToOne, LABEL_MAPPINGS, OPTIMIZERS, PROMPT_ACTIVATIONS, PROMPT_SHAPES, SCHEDULES } from '../../core/design/kinds';
import {
  expectedMask,
  imageSideOf,
  MANIFEST_KEY,
  MAX_CANVAS,
  MAX_CLASSES,
  PROMPT_FILE_FORMAT,
  PROMPT_FILE_MAX_BYTES,
  PROMPT_FILE_VERSION,
  type PromptFile,
  type PromptFileManifest,
  type PromptSplitMetrics,
  refuse,
} from './promptFile';

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
  if (typeof v !== 'string' || !values.includes(v as T))
    bad(`${where}${k}`, `is ${JSON.stringify(v)}, not one of ${values.join(', ')}`);
  return v as T;
}
const obj = (o: Json, k: string, where: string): Json => {
  const v = o[k];
  if (!isObject(v)) bad(`${where}${k}`, 'is not an object');
  return v as Json;
};
const numbers = (v: unknown, n: number, field: string): number[] => {
  if (!Array.isArray(v) || v.length !== n || !v.every((x) => typeof x === 'number' && Number.isFinite(x)))
    bad(field, `must be ${n} numbers`);
  return v as number[];
};

const ids = <T extends string>(kinds: readonly { id: T }[]): readonly T[] => kinds.map((k) => k.id);
const PROMPT_KINDS = ids(PROMPT_SHAPES);
const ACTIVATIONS = ids(PROMPT_ACTIVATIONS);
const MAPPINGS = ids(LABEL_MAPPINGS);
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
    // Files written before the low-rank prompt existed have no rank: they hold no low-rank prompt.
    promptRank: o.promptRank === undefined ? designParam('promptRank').default : int(o, 'promptRank', w, 1, MAX_CANVAS),
    labelMapping: oneOf(o, 'labelMapping', w, MAPPINGS),
    k: int(o, 'k', w, 1, MAX_CLASSES),
    interval: int(o, 'interval', w, 0, 1_000_000),
    identityInit: bool(o, 'identityInit', w),
    optimizer: oneOf(o, 'optimizer', w, ids(OPTIMIZERS)),
    learningRate: num(o, 'learningRate', w),
    weightDecay: num(o, 'weightDecay', w),
    momentum: num(o, 'momentum', w),
    schedule: oneOf(o, 'schedule', w, ids(SCHEDULES)),
    epochs: int(o, 'epochs', w, 0),
    batchSize: int(o, 'batchSize', w, 1),
    seed: num(o, 'seed', w, Number.isSafeInteger),
  };
}

function checkSplitMetrics(v: unknown, field: string): PromptSplitMetrics | null {
  if (v === null) return null;
  if (!isObject(v)) return bad(field, 'is not an object or null');
  const isNumber = (x: unknown) => typeof x === 'number' || x === null; // NaN is written as null
  if (!isNumber(v.accuracy) || !isNumber(v.loss) || typeof v.count !== 'number')
    bad(field, 'needs accuracy, loss and count');
  return v as unknown as PromptSplitMetrics;
}

/** Checks a manifest's fields and their agreement with each other. */
export function checkManifest(raw: unknown): PromptFileManifest {
  if (!isObject(raw)) return refuse('not-autovp', 'The file has an "autovp" entry but it is not a JSON object.');
  if (raw.format !== PROMPT_FILE_FORMAT)
    refuse(
      'not-autovp',
      `The file's "autovp" entry is not an AutoVP prompt manifest (format ${JSON.stringify(raw.format)}).`,
    );
  const version = raw.version;
  if (typeof version !== 'number' || !Number.isInteger(version) || version < 1)
    return refuse('version', `The prompt file has an unknown format version ${JSON.stringify(version)}.`);
  if (version > PROMPT_FILE_VERSION) {
    refuse(
      'version',
      `The prompt file was written in format version ${version} by a newer version of the app; this app reads version ${PROMPT_FILE_VERSION}. Update the app to load it.`,
    );
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
  if (model.clip !== undefined) {
    const problem = textHeadProblem(model.clip, numSource);
    if (problem) bad('model.clip', problem);
  }

  const config = checkDesign(obj(m, 'config', ''));
  m.config = config;
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
  if (
    numbers(pre.alphaBackground, 3, 'preprocessing.alphaBackground').some(
      (v) => !Number.isInteger(v) || v < 0 || v > 255,
    )
  ) {
    bad('preprocessing.alphaBackground', 'must be three integers in 0–255');
  }
  const mapping = obj(m, 'labelMapping', '');
  const kind = oneOf(mapping, 'kind', 'labelMapping.', MAPPINGS);
  const k = isOneToOne(kind) ? int(mapping, 'k', 'labelMapping.', 1, MAX_CLASSES) : null;
  const classes = m.targetClasses;
  if (
    !Array.isArray(classes) ||
    classes.length < 1 ||
    classes.length > MAX_CLASSES ||
    !classes.every((c) => typeof c === 'string')
  ) {
    bad('targetClasses', `must list 1 to ${MAX_CLASSES} class names`);
  }
  const seed = num(m, 'seed', '', Number.isSafeInteger);
  const metrics = obj(m, 'metrics', '');
  checkSplitMetrics(metrics.validation, 'metrics.validation');
  checkSplitMetrics(metrics.test, 'metrics.test');
  if (!Array.isArray(metrics.epochs)) bad('metrics.epochs', 'is not a list');
  if (m.integrity !== null) {
    const digest = obj(m, 'integrity', '').sha256;
    if (typeof digest !== 'string' || !/^[0-9a-f]{64}$/.test(digest))
      bad('integrity.sha256', 'is not a SHA-256 digest');
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
  for (const [field, a, b] of agree)
    if (a !== b) bad(field, `is ${JSON.stringify(a)} but the config says ${JSON.stringify(b)}`);
  if (imageSize !== imageSideOf(config, resizeScale, inputSize)) {
    bad(
      'imageSize',
      `is ${imageSize}, but a ${baseSize}-pixel image at scale ${resizeScale} on a ${inputSize}-pixel canvas is ${imageSideOf(config, resizeScale, inputSize)}`,
    );
  }
  if (k !== null && (classes as string[]).length * k > numSource) {
    bad(
      'labelMapping.k',
      `asks for ${(classes as string[]).length} × ${k} distinct source labels but the model has ${numSource}`,
    );
  }
  return m as unknown as PromptFileManifest;
}

function tensorOf(
  tensors: Map<string, RawTensor>,
  name: string,
  dtype: 'F32' | 'I32',
  shape: number[],
): Float32Array | Int32Array {
  const t = tensors.get(name);
  if (!t) return refuse('tensors', `The file has no "${name}" tensor, which its manifest needs.`);
  if (t.dtype !== dtype)
    refuse('tensors', `The "${name}" tensor is ${t.dtype}; it should be ${dtype === 'F32' ? 'float32' : 'int32'}.`);
  if (t.shape.length !== shape.length || t.shape.some((d, i) => d !== shape[i])) {
    refuse(
      'tensors',
      `The "${name}" tensor has shape [${t.shape.join(', ')}] but the manifest implies [${shape.join(', ')}].`,
    );
  }
  const values = tensorValues(t) as Float32Array | Int32Array;
  if (dtype === 'F32' && !values.every(Number.isFinite))
    refuse('tensors', `The "${name}" tensor holds values that are not finite numbers (NaN or infinity).`);
  return values;
}

/** A BLM ω is non-negative with every column summing to 1. */
function checkOmega(omega: Float32Array, numSource: number, numTarget: number): void {
  if (omega.some((v) => v < 0)) refuse('tensors', 'The "mapping_omega" tensor has negative weights; BLM weights are never negative.');
  for (let t = 0; t < numTarget; t++) {
    let sum = 0;
    for (let s = 0; s < numSource; s++) sum += omega[s * numTarget + t] as number;
    if (Math.abs(sum - 1) > 1e-3)
      refuse('tensors', `Column ${t} of "mapping_omega" sums to ${sum.toPrecision(4)}; each class's BLM weights sum to 1.`);
  }
}

/**
 * Reads and fully checks a prompt file. Throws PromptFileError with a message for the user when
 * the file is not one this app wrote, or was changed since.
 */
export function parsePromptFile(bytes: Uint8Array, maxBytes = PROMPT_FILE_MAX_BYTES): PromptFile {
  if (bytes.length > maxBytes)
    refuse(
      'too-large',
      `The file is ${(bytes.length / 1024 ** 2).toFixed(1)} MB; a prompt file is at most ${maxBytes / 1024 ** 2} MB.`,
    );
  let file;
  try {
    file = decodeSafetensors(bytes);
  } catch (e) {
    if (e instanceof SafetensorsError)
      return refuse('not-safetensors', `This is not a valid .safetensors file: ${e.message}.`);
    throw e;
  }
  const text = file.metadata[MANIFEST_KEY];
  if (text === undefined) {
    const names = [...file.tensors.keys()].slice(0, 5).join(', ');
    return refuse(
      'not-autovp',
      `This .safetensors file is not an AutoVP prompt: it has no "${MANIFEST_KEY}" manifest (its tensors: ${names || 'none'}).`,
    );
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
      refuse(
        'integrity',
        'The file\'s tensors differ from the ones it was written with (its SHA-256 does not match the manifest): it was changed or damaged after export. Tools that edit the tensors must update or remove "integrity".',
      );
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
    if (s !== Math.fround(manifest.resizeScale))
      refuse(
        'tensors',
        `The "resize_scale" tensor (${s}) disagrees with the manifest's resizeScale (${manifest.resizeScale}).`,
      );
    scale = s;
  }
  const learnt: Record<string, Float32Array> = {};
  for (const [name, shape] of Object.entries(learntPromptTensorShapes(manifest.config, c))) {
    expected.add(name);
    learnt[name] = tensorOf(file.tensors, name, 'F32', shape) as Float32Array;
  }
  if (manifest.config.prompt === 'lowrank' && lowRankMismatch(delta, learnt, c, manifest.config.promptRank) > 1e-4) {
    refuse('tensors', 'The "prompt" tensor is not the product of the low-rank factors "lowrank_b" · "lowrank_a" that the file holds.');
  }
  const want = expectedMask(manifest.prompt.kind, c, manifest.imageSize, manifest.prompt.patchSize);
  if (want.some((v, i) => v !== mask[i])) {
    refuse(
      'tensors',
      `The "mask" tensor is not the ${manifest.prompt.kind} mask around a ${manifest.imageSize}-pixel image that the manifest describes.`,
    );
  }

  let mapping: MappingState;
  if (manifest.labelMapping.kind === 'fully') {
    expected.add('mapping_weight').add('mapping_bias');
    const weight = tensorOf(file.tensors, 'mapping_weight', 'F32', [numSource, numTarget]) as Float32Array;
    const bias = tensorOf(file.tensors, 'mapping_bias', 'F32', [numTarget]) as Float32Array;
    mapping = { kind: 'fully', weight, bias, numSource, numTarget };
  } else if (isBayesian(manifest.labelMapping.kind)) {
    expected.add('mapping_omega');
    const omega = tensorOf(file.tensors, 'mapping_omega', 'F32', [numSource, numTarget]) as Float32Array;
    checkOmega(omega, numSource, numTarget);
    mapping = { kind: manifest.labelMapping.kind, omega, numSource, numTarget };
  } else {
    expected.add('mapping_indices');
    const k = manifest.labelMapping.k as number;
    const indices = tensorOf(file.tensors, 'mapping_indices', 'I32', [numTarget, k]) as Int32Array;
    const seen = new Set<number>();
    for (const s of indices) {
      if (s < 0 || s >= numSource)
        refuse('tensors', `"mapping_indices" names source label ${s}, outside 0–${numSource - 1}.`);
      if (seen.has(s))
        refuse(
          'tensors',
          `"mapping_indices" gives source label ${s} to two target classes; a one-to-one mapping never does.`,
        );
      seen.add(s);
    }
    const assignment = Array.from({ length: numTarget }, (_, t) => Array.from(indices.subarray(t * k, (t + 1) * k)));
    mapping = { kind: manifest.labelMapping.kind, k, assignment };
  }
  const extra = [...file.tensors.keys()].filter((n) => !expected.has(n));
  if (extra.length) refuse('tensors', `The file has tensors its manifest does not describe: ${extra.join(', ')}.`);

  return {
    manifest,
    prompt: { canvas: c, delta, mask, scale, imageSize: manifest.imageSize, ...(Object.keys(learnt).length ? { tensors: learnt } : {}) },
    mapping,
  };
}
