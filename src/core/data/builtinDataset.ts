/**
 * Built-in datasets (MNIST, Fashion-MNIST) that scripts/prepare-assets.mjs derives into
 * public/generated/datasets/<id>/: a meta.json plus raw uint8 image and label files per split.
 */
import type { Dataset, DatasetMeta, DatasetSplitMeta, ImageSet } from './imageSet';

/** Ids of the datasets prepare-assets generates. */
export const BUILTIN_DATASET_IDS = ['mnist', 'fashion-mnist'] as const;
/** Folder of the built-in datasets, relative to the app's public root (its base URL). */
export const BUILTIN_DATASETS_DIR = 'generated/datasets';

/**
 * Reads a file given its path relative to the app's public root, e.g.
 * `generated/datasets/mnist/meta.json`. The worker passes a fetch against the app's base URL;
 * Node tests pass a reader of public/.
 */
export type FetchBytes = (relativePath: string) => Promise<ArrayBuffer>;

/** Path, relative to the public root, of a file of a built-in dataset. */
export function builtinDatasetPath(id: string, file: string): string {
  return `${BUILTIN_DATASETS_DIR}/${id}/${file}`;
}

const SAFE_NAME = /^[A-Za-z0-9][\w.-]*$/;

async function fetchChecked(fetchBytes: FetchBytes, path: string, what: string): Promise<ArrayBuffer> {
  try {
    return await fetchBytes(path);
  } catch (e) {
    throw new Error(`${what}: could not read ${path}: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  }
}

function fail(id: string, message: string): never {
  throw new Error(`Built-in dataset "${id}": ${message}`);
}

/** Parses and checks a meta.json; throws a clear error on anything malformed. */
export function parseDatasetMeta(id: string, bytes: ArrayBuffer): DatasetMeta {
  const text = new TextDecoder().decode(bytes);
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    const start = text.slice(0, 40).replace(/\s+/g, ' ');
    fail(id, `meta.json is not JSON (it starts with ${JSON.stringify(start)}); were the assets generated? Run \`npm run prepare-assets\`.`);
  }
  if (typeof raw !== 'object' || raw === null) fail(id, 'meta.json is not an object');
  const m = raw as Partial<DatasetMeta>;
  if (m.id !== id) fail(id, `meta.json has id ${JSON.stringify(m.id)}`);
  if (typeof m.name !== 'string') fail(id, 'meta.json has no name');
  if (!Array.isArray(m.classes) || m.classes.length < 2 || !m.classes.every((c) => typeof c === 'string')) {
    fail(id, 'meta.json needs "classes": at least two class names');
  }
  if (m.classes.length > 256) fail(id, `${m.classes.length} classes do not fit one-byte labels`);
  for (const k of ['height', 'width'] as const) {
    const v = m[k];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) fail(id, `meta.json has bad ${k} ${String(v)}`);
  }
  if (m.channels !== 1 && m.channels !== 3) fail(id, `meta.json has ${String(m.channels)} channels, expected 1 or 3`);
  if (typeof m.splits !== 'object' || m.splits === null || !m.splits.train) fail(id, 'meta.json has no train split');
  for (const [name, s] of Object.entries(m.splits)) {
    if (name !== 'train' && name !== 'test') fail(id, `meta.json has an unknown split "${name}"`);
    const split = s as Partial<DatasetSplitMeta> | undefined;
    if (!split) continue;
    if (typeof split.count !== 'number' || !Number.isInteger(split.count) || split.count < 1) {
      fail(id, `${name} split has bad count ${String(split.count)}`);
    }
    for (const f of ['images', 'labels'] as const) {
      const file = split[f];
      if (typeof file !== 'string' || !SAFE_NAME.test(file)) fail(id, `${name} split has bad ${f} file ${JSON.stringify(file)}`);
    }
  }
  return { source: '', license: '', ...m } as DatasetMeta;
}

async function loadSplit(meta: DatasetMeta, name: 'train' | 'test', split: DatasetSplitMeta, fetchBytes: FetchBytes): Promise<ImageSet> {
  const { id, height, width, channels } = meta;
  const what = `Built-in dataset "${id}"`;
  const [imgBuf, labBuf] = await Promise.all([
    fetchChecked(fetchBytes, builtinDatasetPath(id, split.images), what),
    fetchChecked(fetchBytes, builtinDatasetPath(id, split.labels), what),
  ]);
  const expected = split.count * height * width * channels;
  if (imgBuf.byteLength !== expected) {
    fail(id, `${name} images (${split.images}) are ${imgBuf.byteLength} bytes, expected ${expected} (${split.count} × ${height}×${width}×${channels}); regenerate with \`npm run prepare-assets\``);
  }
  if (labBuf.byteLength !== split.count) {
    fail(id, `${name} labels (${split.labels}) are ${labBuf.byteLength} bytes, expected ${split.count}; regenerate with \`npm run prepare-assets\``);
  }
  const raw = new Uint8Array(labBuf);
  const labels = new Int32Array(split.count);
  const k = meta.classes.length;
  for (let i = 0; i < raw.length; i++) {
    const l = raw[i]!;
    if (l >= k) fail(id, `${name} label ${l} of image ${i} is outside 0..${k - 1}`);
    labels[i] = l;
  }
  return { height, width, channels, pixels: new Uint8Array(imgBuf), labels };
}

/**
 * Loads a built-in dataset: `generated/datasets/<id>/meta.json` and the split files it names,
 * all read through fetchBytes. Sizes and labels are checked against the meta; errors say what
 * is wrong and how to regenerate.
 */
export async function loadBuiltinDataset(id: string, fetchBytes: FetchBytes): Promise<Dataset<ImageSet>> {
  if (!SAFE_NAME.test(id)) throw new Error(`Built-in dataset id ${JSON.stringify(id)} is not a plain name`);
  const meta = parseDatasetMeta(id, await fetchChecked(fetchBytes, builtinDatasetPath(id, 'meta.json'), `Built-in dataset "${id}"`));
  const testMeta = meta.splits.test;
  const [train, test] = await Promise.all([
    loadSplit(meta, 'train', meta.splits.train, fetchBytes),
    testMeta ? loadSplit(meta, 'test', testMeta, fetchBytes) : Promise.resolve(undefined),
  ]);
  return test ? { meta, train, test } : { meta, train };
}
