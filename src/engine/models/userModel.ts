import type * as tf from '@tensorflow/tfjs-core';
import { artifactsFromParts, describedBytes, type ModelJson, parseModelJsonText } from './loadArtifacts';
import { MAX_MODEL_BYTES, ModelRefusal, type ModelInspection, tooLargeMessage } from './inspectModel';
import type { ModelManifest } from './manifest';

/** A file before it is read: only its size is known. */
export interface NamedSize {
  path: string;
  size: number;
}

const baseName = (path: string) => path.slice(path.lastIndexOf('/') + 1);
const dirName = (path: string) => path.slice(0, path.lastIndexOf('/') + 1);

/** Picks model.json among the given files (or the one .json there is). */
export function findModelJson<T extends { path: string }>(files: T[]): T {
  const named = files.filter((f) => baseName(f.path).toLowerCase() === 'model.json');
  if (named.length > 1) {
    throw new ModelRefusal('not-a-model', `There are ${named.length} model.json files (${named.map((f) => f.path).join(', ')}): add one model at a time.`);
  }
  if (named.length === 1) return named[0] as T;
  const jsons = files.filter((f) => /\.json$/i.test(f.path));
  if (jsons.length === 1) return jsons[0] as T;
  throw new ModelRefusal('not-a-model', 'No model.json among these files: a TensorFlow.js model is a model.json plus the weight files it lists.');
}

/**
 * Matches the weight files model.json lists to the given files (by path next to model.json, then
 * by name), refusing with the list of missing ones.
 */
export function matchShards<T extends { path: string }>(json: ModelJson, modelJsonPath: string, files: T[]): T[][] {
  const folder = dirName(modelJsonPath);
  const byPath = new Map(files.map((f) => [f.path, f]));
  const byName = new Map<string, T>();
  for (const f of files) if (!byName.has(baseName(f.path))) byName.set(baseName(f.path), f);
  const missing: string[] = [];
  const groups = json.weightsManifest.map((g) =>
    g.paths.map((p) => {
      const found = byPath.get(folder + p) ?? byName.get(baseName(p));
      if (!found) missing.push(p);
      return found as T;
    }),
  );
  if (missing.length > 0) {
    const all = json.weightsManifest.reduce((n, g) => n + g.paths.length, 0);
    throw new ModelRefusal(
      'missing-files',
      `model.json lists ${all} weight file${all === 1 ? '' : 's'}; ${missing.length} ${missing.length === 1 ? 'is' : 'are'} missing: ` +
        `${missing.slice(0, 8).join(', ')}${missing.length > 8 ? ', …' : ''}. Add model.json together with all its weight files.`,
    );
  }
  return groups;
}

/**
 * A user's model from its files: model.json checked, every listed shard present, sizes matching,
 * and no more than MAX_MODEL_BYTES of weights. `read` is called only for the files needed.
 */
export async function artifactsFromFiles<T extends NamedSize>(
  files: T[],
  read: (file: T) => Promise<ArrayBuffer>,
): Promise<{ artifacts: tf.io.ModelArtifacts; json: ModelJson; weightBytes: number; files: string[] }> {
  const modelFile = findModelJson(files);
  if (modelFile.size > 50_000_000) throw new ModelRefusal('not-a-model', `${modelFile.path} is ${(modelFile.size / 1e6).toFixed(0)} MB: not a model.json.`);
  const text = new TextDecoder().decode(await read(modelFile));
  const parsed = wrapSync(() => parseModelJsonText(text, modelFile.path));
  const weightBytes = wrapSync(() => describedBytes(parsed));
  if (weightBytes > MAX_MODEL_BYTES) throw new ModelRefusal('too-large', tooLargeMessage(weightBytes));
  const groups = matchShards(parsed, modelFile.path, files);
  const buffers: ArrayBuffer[][] = [];
  for (const g of groups) {
    const gb: ArrayBuffer[] = [];
    for (const f of g) gb.push(await read(f));
    buffers.push(gb);
  }
  const artifacts = wrapSync(() => artifactsFromParts(parsed, buffers), 'wrong-shapes');
  return { artifacts, json: parsed, weightBytes, files: [modelFile.path, ...groups.flat().map((f) => f.path)] };
}

function wrapSync<T>(fn: () => T, code: 'not-a-model' | 'wrong-shapes' = 'not-a-model'): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof ModelRefusal) throw e;
    throw new ModelRefusal(code, e instanceof Error ? e.message : String(e));
  }
}

/** Input value conventions a user can pick for their model. */
export type ValuePreset = 'unit' | 'symmetric' | 'bytes' | 'imagenet';

export const VALUE_PRESETS: Record<ValuePreset, { label: string; valueRange: [number, number]; normalization?: ModelManifest['normalization'] }> = {
  unit: { label: '[0, 1]', valueRange: [0, 1] },
  symmetric: { label: '[-1, 1]', valueRange: [-1, 1] },
  bytes: { label: '[0, 255]', valueRange: [0, 255] },
  imagenet: {
    label: 'ImageNet mean/std (torchvision)',
    valueRange: [0, 1],
    normalization: { mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] },
  },
};

export interface UserModelChoices {
  name: string;
  sourceOutput: string;
  featureOutput: string;
  values: ValuePreset;
  /** Class names in output order, when the user has them (else "class 0", "class 1", …). */
  classNames?: string[];
}

/** The manifest of a user's model, from what inspection found and what the user chose. */
export function userManifest(
  id: string,
  inspection: ModelInspection,
  choices: UserModelChoices,
  origin: { url?: string; files?: string[] },
  numSource: number,
): ModelManifest {
  const preset = VALUE_PRESETS[choices.values];
  const classes = choices.classNames && choices.classNames.length === numSource
    ? choices.classNames
    : Array.from({ length: numSource }, (_, i) => `class ${i}`);
  return {
    id,
    name: choices.name.trim() || 'My model',
    summary: `Your own ${inspection.format === 'graph' ? 'graph' : 'layers'} model: ${numSource} source outputs from "${choices.sourceOutput}", features from "${choices.featureOutput}".`,
    trainedOn: 'Unknown (your model).',
    license: 'Yours: check the licence of the weights you added.',
    weights: { kind: 'user', ...(origin.url ? { url: origin.url } : {}), ...(origin.files ? { files: origin.files } : {}), addedAt: Date.now() },
    format: inspection.format,
    inputSize: inspection.inputSize,
    valueRange: [...preset.valueRange],
    ...(preset.normalization ? { normalization: preset.normalization } : {}),
    sourceOutput: choices.sourceOutput,
    featureOutput: choices.featureOutput,
    sourceClasses: classes,
    sizeBytes: inspection.weightBytes,
    parameterCount: inspection.parameterCount,
    notes: [
      'Kept in this browser (IndexedDB); delete it from the model card.',
      ...(choices.classNames ? [] : ['Source class names are not known: they are numbered.']),
      ...inspection.notes.filter((n) => !/could not tell/.test(n)),
    ].join(' '),
  };
}

/** Files beside a model that may hold its class names. */
export const CLASS_NAME_FILES = /(^|\/)(classes|labels|class_names|metadata)\.(json|txt)$/i;

/**
 * Class names from a file dropped with a model: a JSON array (classes.json, labels.json), one name
 * per line (labels.txt), or Teachable Machine's metadata.json ({"labels": [...]}). Null when the
 * file holds no such list.
 */
export function parseSidecarClassNames(path: string, text: string): string[] | null {
  if (/\.txt$/i.test(path)) {
    const lines = text.split(/\r?\n/).map((l) => l.trim()).filter((l) => l !== '');
    return lines.length > 0 ? lines : null;
  }
  try {
    const value: unknown = JSON.parse(text);
    const list = Array.isArray(value) ? value : (value as { labels?: unknown } | null)?.labels;
    if (Array.isArray(list) && list.length > 0 && list.every((v) => typeof v === 'string')) return list as string[];
  } catch {
    // not JSON
  }
  return null;
}
