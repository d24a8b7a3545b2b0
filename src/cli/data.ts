/**
 * Datasets for the CLI: an ImageFolder tree (or a .zip of one) read through the app's own import
 * pipeline (layout parser, sniffing, checks, skip reasons) with the Node decoder, or a built-in
 * dataset (mnist, fashion-mnist) from public/generated.
 */
import { openAsBlob } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { BUILTIN_DATASET_IDS, loadBuiltinDataset } from '../core/data/builtinDataset';
import type { ImageFit } from '../core/data/imageFit';
import { classNameKey, isHiddenOrSystem } from '../core/data/imageFolderLayout';
import type { Dataset, ImageSet } from '../core/data/imageSet';
import {
  ALPHA_BACKGROUND,
  ImageSetAssembler,
  type ImportedDatasetInfo,
  importPreprocessing,
  remapChunk,
} from '../core/data/importedDataset';
import { IMPORT_LIMITS, type ImportReport, type StoredDatasetInfo } from '../core/import/types';
import { type ImportStore, runImport, type StoredChunk } from '../core/import/importPipeline';
import { listSource, type SourceEntry, type SourceListing } from '../core/import/importSources';
import { CLI_RESAMPLING, createNodeDecoder } from './decode';
import { type CliEnv, CliError, publicDir } from './env';
import type { Progress } from './progress';

export interface LoadedData {
  dataset: Dataset;
  /** What was read: a folder, a zip or a built-in dataset id. */
  kind: 'folder' | 'zip' | 'builtin';
  /** Absolute path, or the built-in id. */
  location: string;
  /** The import report (folders and zips). */
  report: ImportReport | null;
}

export interface DataOptions {
  fit: ImageFit;
  /** Refuse more images than this (every image is held in memory, 49 KB each at 128²). */
  maxImages: number;
  progress: Progress;
}

const fmtInt = (n: number) => n.toLocaleString('en-US');

/** Node's file reader for paths relative to public/ (built-in datasets, WordNet, bundled models). */
export function publicBytes(env: CliEnv) {
  return async (relativePath: string): Promise<ArrayBuffer> => {
    const path = join(publicDir(env), relativePath);
    let bytes: Buffer;
    try {
      bytes = await readFile(path);
    } catch {
      throw new Error(
        `${path} is missing: run \`npm run prepare-assets\` (npm install does it) to derive public/generated/.`,
      );
    }
    return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  };
}

/**
 * Walks a folder as the browser walks a dropped one: paths start with the folder's own name,
 * every folder seen is listed (empty ones too), hidden folders are listed but not entered.
 */
async function listFolder(dir: string): Promise<SourceListing> {
  const name = basename(dir);
  const entries: SourceEntry[] = [];
  const dirs: string[] = [];
  const walk = async (abs: string, rel: string): Promise<void> => {
    dirs.push(`${rel}/`);
    if (rel !== name && isHiddenOrSystem(basename(abs))) return;
    let items;
    try {
      items = await readdir(abs, { withFileTypes: true });
    } catch (e) {
      throw new CliError(`Cannot read the folder ${abs}: ${(e as Error).message}`);
    }
    items.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const item of items) {
      const p = join(abs, item.name);
      const r = `${rel}/${item.name}`;
      let isDir = item.isDirectory();
      let isFile = item.isFile();
      if (item.isSymbolicLink()) {
        const s = await stat(p).catch(() => null);
        isDir = Boolean(s?.isDirectory());
        isFile = Boolean(s?.isFile());
      }
      if (isDir) await walk(p, r);
      else if (isFile) {
        const size = (await stat(p)).size;
        entries.push({ path: r, size, read: async () => new Uint8Array(await readFile(p)) });
      }
    }
  };
  await walk(dir, name);
  return { kind: 'folder', name, entries, dirs };
}

/** An in-memory ImportStore: the pipeline's chunks, kept to assemble the Dataset afterwards. */
class MemoryStore implements ImportStore {
  chunks: StoredChunk[] = [];
  info: StoredDatasetInfo | null = null;
  remap: Int32Array | null = null;
  async begin() {}
  async putChunk(_id: string, chunk: StoredChunk) {
    this.chunks.push(chunk);
  }
  async finish(info: StoredDatasetInfo, remap: Int32Array) {
    this.info = info;
    this.remap = remap;
  }
  async discard() {
    this.chunks = [];
  }
  async estimate() {
    return null;
  }
  async names() {
    return [];
  }
}

const isBuiltinId = (spec: string) => (BUILTIN_DATASET_IDS as readonly string[]).includes(spec);

/**
 * Reads `spec`: an existing folder or .zip (ImageFolder layout), else a built-in dataset id.
 * Import problems (bad layout, no usable images, too many) become CliErrors naming the files.
 */
export async function loadData(spec: string, env: CliEnv, options: DataOptions): Promise<LoadedData> {
  const path = resolve(env.cwd, spec);
  const s = await stat(path).catch(() => null);
  if (!s) {
    if (isBuiltinId(spec)) {
      options.progress.line(`Loading the built-in dataset ${spec}…`);
      const dataset = await loadBuiltinDataset(spec, publicBytes(env)).catch((e: unknown) => {
        throw new CliError(e instanceof Error ? e.message : String(e));
      });
      return { dataset, kind: 'builtin', location: spec, report: null };
    }
    throw new CliError(`No such folder: ${path}`, [
      'Give an image folder (DIR/<class>/*.png|jpg, or DIR/train/<class>/… and DIR/test/<class>/…), a .zip of one,',
      `or a built-in dataset: ${BUILTIN_DATASET_IDS.join(', ')}.`,
    ]);
  }
  let listing: SourceListing;
  let kind: 'folder' | 'zip';
  if (s.isDirectory()) {
    listing = await listFolder(path);
    kind = 'folder';
  } else if (/\.zip$/i.test(path)) {
    const blob = await openAsBlob(path);
    listing = await listSource({
      kind: 'zip',
      name: basename(path).replace(/\.zip$/i, ''),
      file: blob as unknown as File,
    }).catch((e: unknown) => {
      throw new CliError(`${path} is not a readable zip: ${e instanceof Error ? e.message : String(e)}`);
    });
    kind = 'zip';
  } else {
    throw new CliError(`${path} is a file; give an image folder (or a .zip of one).`);
  }
  return importListing(listing, path, kind, options);
}

async function importListing(
  listing: SourceListing,
  path: string,
  kind: 'folder' | 'zip',
  options: DataOptions,
): Promise<LoadedData> {
  const size = IMPORT_LIMITS.workingSize;
  const store = new MemoryStore();
  const progress = options.progress;
  progress.line(`Reading ${path} (${fmtInt(listing.entries.length)} files)…`);
  const result = await runImport(
    listing,
    options.fit,
    {
      decode: createNodeDecoder(size, options.fit, ALPHA_BACKGROUND),
      store,
      newId: () => `cli-${Date.now().toString(36)}`,
      now: () => performance.now(),
      limits: { maxImages: options.maxImages },
      concurrency: 2,
    },
    {
      isCancelled: () => false,
      onProgress: (p) =>
        progress.status(
          `  decoding ${fmtInt(p.done)}/${fmtInt(p.total)} images${p.skipped ? `, ${fmtInt(p.skipped)} skipped` : ''}`,
        ),
    },
  );
  progress.clear();
  if (result.status !== 'imported') {
    const report = result.report;
    const refusal = result.status === 'refused' ? result.refusal : null;
    const details = [...(refusal?.paths.slice(0, 10) ?? []), ...report.notes, ...skipLines(report, 5)];
    throw new CliError(`${path}: ${refusal?.message ?? 'the import was cancelled.'}`, details);
  }
  const info = result.dataset;
  const remap = store.remap as Int32Array;
  const px = info.height * info.width;
  const train = new ImageSetAssembler(info.trainCount, info.height, info.width, info.channels);
  const test =
    info.testCount > 0 ? new ImageSetAssembler(info.testCount, info.height, info.width, info.channels) : null;
  for (const c of store.chunks) {
    const chunk = remapChunk(c, remap, px);
    if (c.split === 'train') train.add(chunk);
    else test?.add(chunk);
  }
  const preprocessing = { ...importPreprocessing(size, options.fit, ALPHA_BACKGROUND), resampling: CLI_RESAMPLING };
  const meta: ImportedDatasetInfo = {
    id: `${kind}:${path}`,
    name: info.name,
    classes: info.classes,
    source: `Imported by the autovp CLI from the ${kind} ${path}`,
    license: 'your own images (licence not recorded)',
    imported: true,
    alphaBackground: info.alphaBackground,
    preprocessing,
  };
  const trainSet = train.finish();
  const dataset: Dataset = test ? { meta, train: trainSet, test: test.finish() } : { meta, train: trainSet };
  const report = info.report;
  progress.line(
    `  ${fmtInt(report.classes)} classes, ${fmtInt(info.trainCount)} training images` +
      (info.testCount ? `, ${fmtInt(info.testCount)} test images (train/test layout)` : ' (one folder per class)') +
      ` in ${report.seconds.toFixed(1)} s`,
  );
  for (const line of [...report.warnings, ...skipLines(report, 3)]) progress.line(`  ${line}`);
  return { dataset, kind, location: path, report };
}

/** "skipped 3 files: 2 unsupported-format (a.webp: …), 1 corrupt (…)" lines for a report. */
function skipLines(report: ImportReport, examplesPerReason: number): string[] {
  const lines: string[] = [];
  for (const [reason, count] of Object.entries(report.skippedByReason)) {
    lines.push(`skipped ${fmtInt(count)} file${count === 1 ? '' : 's'} (${reason}):`);
    for (const f of report.skipped.filter((x) => x.reason === reason).slice(0, examplesPerReason))
      lines.push(`  ${f.path}: ${f.detail}`);
    if (count > examplesPerReason) lines.push(`  …`);
  }
  return lines;
}

/** Images of several sets in one set (gray sets expanded when any is colour); labels as given. */
function concatSets(parts: { set: ImageSet; labels: Int32Array }[]): ImageSet {
  const first = parts[0]?.set;
  if (!first) throw new Error('concatSets: nothing to join');
  const { height, width } = first;
  const channels: 1 | 3 = parts.some((p) => p.set.channels === 3) ? 3 : 1;
  const n = parts.reduce((a, p) => a + p.labels.length, 0);
  const out = new ImageSetAssembler(n, height, width, channels);
  for (const p of parts) {
    if (p.set.height !== height || p.set.width !== width) throw new Error('concatSets: sets of different image sizes');
    out.add({ count: p.labels.length, channels: p.set.channels, pixels: p.set.pixels, labels: p.labels });
  }
  return out.finish();
}

/**
 * Every image of `data` (its training pool and its test split) labelled with `classes` by class
 * name. Refuses classes `classes` does not have (`whose`: those classes, in words).
 */
export function relabelAll(data: LoadedData, classes: readonly string[], what: string, whose = 'the prompt'): ImageSet {
  const index = new Map(classes.map((c, i) => [classNameKey(c), i]));
  const own = data.dataset.meta.classes;
  const unknown = own.filter((c) => !index.has(classNameKey(c)));
  if (unknown.length) {
    throw new CliError(
      `${what} has classes ${whose} does not know: ${unknown
        .slice(0, 10)
        .map((c) => JSON.stringify(c))
        .join(', ')}${unknown.length > 10 ? ', …' : ''}.`,
      [`Known classes: ${classes.slice(0, 20).join(', ')}${classes.length > 20 ? ', …' : ''}.`],
    );
  }
  const map = own.map((c) => index.get(classNameKey(c)) as number);
  const parts = [data.dataset.train, ...(data.dataset.test ? [data.dataset.test] : [])].map((set) => ({
    set,
    labels: Int32Array.from(set.labels, (l) => map[l] as number),
  }));
  return concatSets(parts);
}

/** One split of `data` (its training pool or its test split) alone, labelled with `classes` by name. */
export function relabelSplit(data: LoadedData, set: ImageSet, classes: readonly string[], what: string): ImageSet {
  const only: LoadedData = { ...data, dataset: { meta: data.dataset.meta, train: set } };
  return relabelAll(only, classes, what);
}
