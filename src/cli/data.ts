/**
 * Datasets for the CLI: an ImageFolder tree (or a .zip of one) read through the app's own import
 * pipeline (layout parser, sniffing, checks, skip reasons) with the Node decoder, or a built-in
 * dataset (mnist, fashion-mnist) from public/generated. A folder or zip of more than LAZY_ABOVE
 * images is not held in memory: its files are decoded again per batch (lazyImages.ts).
 */
import { openAsBlob } from 'node:fs';
import { readdir, readFile, realpath, stat } from 'node:fs/promises';
import { basename, join, resolve, sep } from 'node:path';
import { BUILTIN_DATASET_IDS, loadBuiltinDataset } from '../core/data/builtinDataset';
import type { ImageFit } from '../core/data/imageFit';
import { classNameKey, isHiddenOrSystem } from '../core/data/imageFolderLayout';
import type { Dataset, ImageCollection } from '../core/data/imageSet';
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
import { concatCollections, FileImageSet, LAZY_ABOVE, relabeled } from './lazyImages';
import { type CliEnv, CliError, publicDir } from './env';
import type { Progress } from './progress';

export interface LoadedData {
  /** In memory (built-ins, folders up to LAZY_ABOVE images) or decoded per batch from the files. */
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
  /** Refuse more images than this. */
  maxImages: number;
  /** Decode per batch from the files above this many images (default LAZY_ABOVE); below, hold them in memory. */
  lazyAbove?: number;
  /** Test images may cover a single class (default: a training set's two). */
  minClasses?: number;
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

/** An entry of a folder left out while listing it (before the import pipeline sees it). */
interface ListingSkip {
  path: string;
  detail: string;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** A file name as text, or null when its bytes are not UTF-8. */
function nameText(raw: Buffer): string | null {
  try {
    return utf8.decode(raw);
  } catch {
    return null;
  }
}

/** A non-UTF-8 name for messages: ASCII kept, other bytes as \xNN. */
const escapedName = (raw: Buffer) =>
  [...raw].map((b) => (b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : `\\x${b.toString(16).padStart(2, '0')}`)).join('');

const isInside = (path: string, dir: string) => path === dir || path.startsWith(dir.endsWith(sep) ? dir : dir + sep);

/**
 * Walks a folder as the browser walks a dropped one: paths start with the folder's own name,
 * every folder seen is listed (empty ones too), hidden folders are listed but not entered.
 * Left out, and listed in `skipped`: names that are not UTF-8 (they cannot be shown or matched)
 * and links to folders inside the dataset (a loop, or the same images twice under another class).
 * Names with a backslash are refused: the layout reads "\" as a separator (zips made on
 * Windows), so "cat\" would silently merge with "cat".
 */
async function listFolder(dir: string): Promise<SourceListing & { skipped: ListingSkip[] }> {
  const name = basename(dir);
  const entries: SourceEntry[] = [];
  const dirs: string[] = [];
  const skipped: ListingSkip[] = [];
  const rootReal = await realpath(dir);
  const walk = async (abs: Buffer, rel: string): Promise<void> => {
    dirs.push(`${rel}/`);
    if (rel !== name && isHiddenOrSystem(basename(rel))) return;
    let items;
    try {
      items = await readdir(abs, { withFileTypes: true, encoding: 'buffer' });
    } catch (e) {
      throw new CliError(`Cannot read the folder ${abs.toString()}: ${(e as Error).message}`);
    }
    items.sort((a, b) => Buffer.compare(a.name, b.name));
    for (const item of items) {
      const p = Buffer.concat([abs, Buffer.from(sep), item.name]);
      const text = nameText(item.name);
      if (text === null) {
        skipped.push({
          path: `${rel}/${escapedName(item.name)}`,
          detail: 'its name is not UTF-8 text (an old encoding such as Latin-1); rename it in UTF-8 to use it',
        });
        continue;
      }
      const r = `${rel}/${text}`;
      if (text.includes('\\')) {
        throw new CliError(`${r}: a name with a backslash ("\\") cannot be imported.`, [
          'The ImageFolder layout reads a backslash as a folder separator (as zips made on Windows write it),',
          `so it would merge with another folder. Rename ${JSON.stringify(text)} without the backslash.`,
        ]);
      }
      let isDir = item.isDirectory();
      let isFile = item.isFile();
      if (item.isSymbolicLink()) {
        const target = await realpath(p).catch(() => null);
        const s = target ? await stat(target).catch(() => null) : null;
        isDir = Boolean(s?.isDirectory());
        isFile = Boolean(s?.isFile());
        if (isDir && target && (isInside(target, rootReal) || isInside(rootReal, target))) {
          skipped.push({
            path: r,
            detail: `a symbolic link to ${target}, inside (or above) the dataset folder: following it would loop or read the same images twice under another class; not followed`,
          });
          continue;
        }
      }
      if (isDir) await walk(p, r);
      else if (isFile) {
        const size = (await stat(p)).size;
        entries.push({ path: r, size, read: async () => new Uint8Array(await readFile(p)) });
      }
    }
  };
  await walk(Buffer.from(dir), name);
  return { kind: 'folder', name, entries, dirs, skipped };
}

/** An in-memory ImportStore: the pipeline's chunks, kept to assemble the Dataset afterwards. */
class MemoryStore implements ImportStore {
  chunks: StoredChunk[] = [];
  info: StoredDatasetInfo | null = null;
  remap: Int32Array | null = null;
  /** False: keep each chunk's labels and files only (the pixels are decoded again when read). */
  constructor(private readonly keepPixels: boolean) {}
  async begin() {}
  async putChunk(_id: string, chunk: StoredChunk) {
    this.chunks.push(this.keepPixels ? chunk : { ...chunk, pixels: new Uint8Array(0) });
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
  let listingSkips: ListingSkip[] = [];
  if (s.isDirectory()) {
    const folder = await listFolder(path);
    listing = folder;
    listingSkips = folder.skipped;
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
  return importListing(listing, path, kind, options, listingSkips);
}

async function importListing(
  listing: SourceListing,
  path: string,
  kind: 'folder' | 'zip',
  options: DataOptions,
  listingSkips: readonly ListingSkip[],
): Promise<LoadedData> {
  const size = IMPORT_LIMITS.workingSize;
  const lazy = listing.entries.length > (options.lazyAbove ?? LAZY_ABOVE);
  const store = new MemoryStore(!lazy);
  const decode = createNodeDecoder(size, options.fit, ALPHA_BACKGROUND);
  const progress = options.progress;
  progress.line(`Reading ${path} (${fmtInt(listing.entries.length)} files)…`);
  const result = await runImport(
    listing,
    options.fit,
    {
      decode,
      store,
      newId: () => `cli-${Date.now().toString(36)}`,
      now: () => performance.now(),
      limits: { maxImages: options.maxImages, ...(options.minClasses ? { minClasses: options.minClasses } : {}) },
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
    const details = [
      ...(refusal?.paths.slice(0, 10) ?? []),
      ...report.notes,
      ...listingLines(listingSkips),
      ...skipLines(report, 5),
    ];
    throw new CliError(`${path}: ${refusal?.message ?? 'the import was cancelled.'}`, details);
  }
  const info = result.dataset;
  const remap = store.remap as Int32Array;
  const px = info.height * info.width;
  let trainSet: ImageCollection;
  let testSet: ImageCollection | null;
  if (lazy) {
    const files = { train: [] as SourceEntry[], test: [] as SourceEntry[] };
    const labels = { train: [] as number[], test: [] as number[] };
    for (const c of store.chunks) {
      c.labels.forEach((l, k) => {
        const cls = remap[l] ?? -1;
        if (cls < 0) return;
        files[c.split].push(listing.entries[c.entries[k]!]!);
        labels[c.split].push(cls);
      });
    }
    const lazySet = (split: 'train' | 'test') =>
      new FileImageSet(info.height, info.width, info.channels, Int32Array.from(labels[split]), files[split], decode, IMPORT_LIMITS.maxFileBytes);
    trainSet = lazySet('train');
    testSet = info.testCount > 0 ? lazySet('test') : null;
  } else {
    const train = new ImageSetAssembler(info.trainCount, info.height, info.width, info.channels);
    const test =
      info.testCount > 0 ? new ImageSetAssembler(info.testCount, info.height, info.width, info.channels) : null;
    for (const c of store.chunks) {
      const chunk = remapChunk(c, remap, px);
      if (c.split === 'train') train.add(chunk);
      else test?.add(chunk);
    }
    trainSet = train.finish();
    testSet = test ? test.finish() : null;
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
  const dataset: Dataset = testSet ? { meta, train: trainSet, test: testSet } : { meta, train: trainSet };
  const report = info.report;
  progress.line(
    `  ${fmtInt(report.classes)} classes, ${fmtInt(info.trainCount)} training images` +
      (info.testCount ? `, ${fmtInt(info.testCount)} test images (train/test layout)` : ' (one folder per class)') +
      ` in ${report.seconds.toFixed(1)} s`,
  );
  // Notes name what was left out (empty class folders, classes without a usable image).
  for (const line of [...report.warnings, ...report.notes, ...listingLines(listingSkips), ...skipLines(report, 3)])
    progress.line(`  ${line}`);
  return { dataset, kind, location: path, report };
}

/** The entries the folder walk left out, every one by name. */
function listingLines(skips: readonly ListingSkip[]): string[] {
  if (!skips.length) return [];
  return [
    `left out ${fmtInt(skips.length)} entr${skips.length === 1 ? 'y' : 'ies'} while listing the folder:`,
    ...skips.map((k) => `  ${k.path}: ${k.detail}`),
  ];
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

/**
 * Every image of `data` (its training pool and its test split) labelled with `classes` by class
 * name. Refuses classes `classes` does not have (`whose`: those classes, in words).
 */
export function relabelAll(data: LoadedData, classes: readonly string[], what: string, whose = 'the prompt'): ImageCollection {
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
  const parts = [data.dataset.train, ...(data.dataset.test ? [data.dataset.test] : [])].map((set) =>
    relabeled(set, Int32Array.from(set.labels, (l) => map[l] as number)),
  );
  return concatCollections(parts);
}

/** One split of `data` (its training pool or its test split) alone, labelled with `classes` by name. */
export function relabelSplit(data: LoadedData, set: ImageCollection, classes: readonly string[], what: string): ImageCollection {
  const only: LoadedData = { ...data, dataset: { meta: data.dataset.meta, train: set } };
  return relabelAll(only, classes, what);
}
