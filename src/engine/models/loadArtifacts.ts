import type * as tf from '@tensorflow/tfjs-core';

export type FetchLike = (url: string) => Promise<{
  ok: boolean;
  status: number;
  arrayBuffer(): Promise<ArrayBuffer>;
  json(): Promise<unknown>;
  /** When present, read in chunks so that progress moves inside a large file. */
  body?: ReadableStream<Uint8Array> | null;
}>;

export type LoadProgress = (loadedBytes: number, totalBytes: number) => void;

/** A model.json as TensorFlow.js writes it (layers or graph). */
export interface ModelJson {
  format?: string;
  modelTopology: unknown;
  weightsManifest: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[];
  [key: string]: unknown;
}

export interface LoadOptions {
  /** Refuse before downloading anything when model.json describes more weight bytes. */
  maxBytes?: number;
}

const DTYPE_BYTES: Record<string, number> = { float32: 4, int32: 4, bool: 1, uint8: 1, uint16: 2, float16: 2 };

/** Bytes a weight entry occupies in its shard (quantised entries store their quantised dtype). */
export function entryBytes(entry: tf.io.WeightsManifestEntry): number {
  const count = entry.shape.reduce((a, b) => a * b, 1);
  const dtype = entry.quantization?.dtype ?? entry.dtype;
  const bytes = DTYPE_BYTES[dtype];
  if (bytes === undefined) throw new Error(`weight ${entry.name} has an unsupported dtype ${dtype}`);
  return count * bytes;
}

/** Weight bytes model.json describes, over all groups. */
export function describedBytes(json: ModelJson): number {
  return json.weightsManifest.reduce((n, g) => n + g.weights.reduce((m, w) => m + entryBytes(w), 0), 0);
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Checks that a parsed value is a TensorFlow.js model.json, saying precisely what is wrong when it
 * is not. `where` names the file in messages.
 */
export function parseModelJson(value: unknown, where = 'model.json'): ModelJson {
  if (!isObject(value)) throw new Error(`${where} is not a TensorFlow.js model.json (it is not a JSON object).`);
  if (!isObject(value.modelTopology)) {
    throw new Error(`${where} is not a TensorFlow.js model.json: it has no "modelTopology" object.`);
  }
  if (!Array.isArray(value.weightsManifest)) {
    throw new Error(
      `${where} has no "weightsManifest" list. ` +
        (typeof value.weightsManifest === 'undefined' && 'weightSpecs' in value
          ? 'It looks like a model saved with its weights elsewhere; export it with tensorflowjs_converter.'
          : 'Convert the model with tensorflowjs_converter to get model.json plus weight files.'),
    );
  }
  value.weightsManifest.forEach((group: unknown, gi: number) => {
    const at = `${where}: weightsManifest[${gi}]`;
    if (!isObject(group)) throw new Error(`${at} is not an object.`);
    if (!Array.isArray(group.paths) || group.paths.some((p) => typeof p !== 'string' || p === '')) {
      throw new Error(`${at}.paths must be a list of weight file names.`);
    }
    if (!Array.isArray(group.weights)) throw new Error(`${at}.weights must be a list.`);
    group.weights.forEach((w: unknown, wi: number) => {
      const wat = `${at}.weights[${wi}]`;
      if (!isObject(w) || typeof w.name !== 'string') throw new Error(`${wat} has no name.`);
      if (!Array.isArray(w.shape) || w.shape.some((d) => !Number.isInteger(d) || (d as number) < 0)) {
        throw new Error(`${wat} ("${w.name}") has an invalid shape ${JSON.stringify(w.shape)}.`);
      }
      if (typeof w.dtype !== 'string' || DTYPE_BYTES[w.dtype] === undefined) {
        throw new Error(`${wat} ("${w.name}") has an unsupported dtype ${JSON.stringify(w.dtype)}.`);
      }
      if (w.quantization !== undefined) {
        const q = w.quantization;
        if (!isObject(q) || typeof q.dtype !== 'string' || DTYPE_BYTES[q.dtype] === undefined) {
          throw new Error(`${wat} ("${w.name}") has an unsupported quantization ${JSON.stringify(q)}.`);
        }
      }
    });
  });
  return value as unknown as ModelJson;
}

/** Parses model.json text (JSON syntax errors become a clear message). */
export function parseModelJsonText(text: string, where = 'model.json'): ModelJson {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new Error(`${where} is not valid JSON (${(e as Error).message}): is it a TensorFlow.js model.json?`, { cause: e });
  }
  return parseModelJson(value, where);
}

/**
 * Load a TensorFlow.js model (model.json + weight shards) into memory, without building it:
 * the engine rebuilds the network itself. Shard paths resolve against the model.json URL.
 * Every failure names the file and what to do.
 */
export async function loadModelArtifacts(
  modelJsonUrl: string,
  fetchFn: FetchLike,
  onProgress?: LoadProgress,
  options: LoadOptions = {},
): Promise<tf.io.ModelArtifacts> {
  const json = await fetchModelJson(modelJsonUrl, fetchFn);
  const total = describedBytes(json);
  if (options.maxBytes !== undefined && total > options.maxBytes) {
    throw new Error(
      `${modelJsonUrl} describes ${(total / 1e6).toFixed(0)} MB of weights; this app holds at most ` +
        `${(options.maxBytes / 1e6).toFixed(0)} MB in memory for a model.`,
    );
  }
  const buffers: ArrayBuffer[][] = [];
  let loaded = 0;
  onProgress?.(0, total);
  for (const group of json.weightsManifest) {
    const groupBuffers: ArrayBuffer[] = [];
    for (const path of group.paths) {
      const url = resolveShard(modelJsonUrl, path);
      const shard = await fetchFn(url).catch((e: unknown) => {
        throw new Error(`Could not fetch weight file ${path}: ${(e as Error).message}.`);
      });
      if (!shard.ok) {
        throw new Error(`Weight file ${path} is missing (HTTP ${shard.status} at ${url}). Provide every file model.json lists.`);
      }
      const base = loaded;
      const buffer = await readBytes(shard, (n) => onProgress?.(Math.min(base + n, total), total));
      groupBuffers.push(buffer);
      loaded += buffer.byteLength;
      onProgress?.(Math.min(loaded, total), total);
    }
    buffers.push(groupBuffers);
  }
  return artifactsFromParts(json, buffers);
}

/** Fetches and checks model.json. */
export async function fetchModelJson(modelJsonUrl: string, fetchFn: FetchLike): Promise<ModelJson> {
  const res = await fetchFn(modelJsonUrl).catch((e: unknown) => {
    throw new Error(`Could not fetch ${modelJsonUrl}: ${(e as Error).message}. Check the address and your connection.`);
  });
  if (!res.ok) throw new Error(`Could not fetch ${modelJsonUrl} (HTTP ${res.status}).`);
  let value: unknown;
  try {
    value = await res.json();
  } catch {
    throw new Error(`${modelJsonUrl} is not valid JSON: is it a TensorFlow.js model.json?`);
  }
  return parseModelJson(value, modelJsonUrl);
}

/**
 * Artifacts from a checked model.json and the bytes of its shards (one list per weight group, in
 * the order of `paths`). Each group's bytes must match what its entries describe.
 */
export function artifactsFromParts(json: ModelJson, groups: ArrayBuffer[][]): tf.io.ModelArtifacts {
  json.weightsManifest.forEach((group, gi) => {
    const want = group.weights.reduce((n, w) => n + entryBytes(w), 0);
    const have = (groups[gi] ?? []).reduce((n, b) => n + b.byteLength, 0);
    if (want !== have) {
      throw new Error(
        `The weight file${group.paths.length > 1 ? 's' : ''} ${group.paths.join(', ')} hold${group.paths.length > 1 ? '' : 's'} ` +
          `${have} bytes but model.json describes ${want} for them: a file is truncated or belongs to another model.`,
      );
    }
  });
  return {
    modelTopology: json.modelTopology as tf.io.ModelArtifacts['modelTopology'],
    weightSpecs: json.weightsManifest.flatMap((g) => g.weights),
    weightData: concat(groups.flat()),
    ...(json.format ? { format: json.format } : {}),
  };
}

/** Every file a model consists of: model.json first, then its shards. */
export function modelFileUrls(modelJsonUrl: string, json: ModelJson): string[] {
  return [modelJsonUrl, ...json.weightsManifest.flatMap((g) => g.paths.map((p) => resolveShard(modelJsonUrl, p)))];
}

/**
 * Resolve a shard path against the model.json URL, as tfjs does: relative to its folder, keeping
 * its query string (TF-Hub serves files as `…/model.json?tfjs-format=file`).
 */
export function resolveShard(modelJsonUrl: string, path: string): string {
  if (/^[a-z][a-z0-9+.-]*:/i.test(path) || path.startsWith('/')) return path;
  const q = modelJsonUrl.indexOf('?');
  const base = q < 0 ? modelJsonUrl : modelJsonUrl.slice(0, q);
  const query = q < 0 ? '' : modelJsonUrl.slice(q);
  const slash = base.lastIndexOf('/');
  return (slash < 0 ? path : base.slice(0, slash + 1) + path) + query;
}

/** Reads a response fully, reporting bytes as they arrive when it can stream. */
async function readBytes(res: Awaited<ReturnType<FetchLike>>, onBytes: (n: number) => void): Promise<ArrayBuffer> {
  const reader = res.body?.getReader?.();
  if (!reader) return res.arrayBuffer();
  const chunks: Uint8Array[] = [];
  let n = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    n += value.byteLength;
    onBytes(n);
  }
  return concat(chunks);
}

function concat(parts: (ArrayBuffer | Uint8Array)[]): ArrayBuffer {
  if (parts.length === 1 && parts[0] instanceof ArrayBuffer) return parts[0];
  const out = new Uint8Array(parts.reduce((n, b) => n + b.byteLength, 0));
  let offset = 0;
  for (const b of parts) {
    out.set(b instanceof Uint8Array ? b : new Uint8Array(b), offset);
    offset += b.byteLength;
  }
  return out.buffer;
}
