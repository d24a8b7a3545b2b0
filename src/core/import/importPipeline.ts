/**
 * One import, start to end: layout → checks → decode every image (a few at a time, results kept
 * in file order) → chunks into the store → report. The decoder and the store are passed in, so
 * the browser worker uses createImageBitmap/OffscreenCanvas and IndexedDB while Node tests use
 * fakes. One bad file never stops an import: every failure becomes a skipped file with a reason.
 */
import { dropEmptyClasses, parseImageFolder, type LayoutFile } from '../data/imageFolderLayout';
import type { ImageFit } from '../data/imageFit';
import { sniffImage, type SniffResult } from '../data/imageSniff';
import { ALPHA_BACKGROUND, importPreprocessing, type PixelChunk } from '../data/importedDataset';
import { IMPORT_LIMITS, REPORT_FILES_PER_REASON, type ImportProgress, type ImportRefusal, type ImportReport, type ImportResult, type SkippedFile, type SkipReason, type StorageInfo, type StoredDatasetInfo } from './types';
import type { SourceListing } from './importSources';
import { ZipFormatError } from './zipArchive';

/**
 * Decodes one image to workingSize² RGB bytes (row-major, 3 per pixel). Throws when it cannot:
 * UnsupportedImageError for a format this decoder does not read, any other error for damaged data.
 */
export type DecodeImage = (bytes: Uint8Array, sniff: SniffResult) => Promise<Uint8Array>;

/** A decoder's "I do not read this format" (its message says what to do), as opposed to a damaged file. */
export class UnsupportedImageError extends Error {
  override readonly name = 'UnsupportedImageError';
}

/** A stored chunk: labels are the layout's class indices (see ImportStore.finish's remap). */
export interface StoredChunk extends PixelChunk {
  split: 'train' | 'test';
  index: number;
  /** The listing entry each image was decoded from (a store may read the file again instead of keeping pixels). */
  entries: Int32Array;
}

export interface ImportStore {
  /** Marks an import as under way (so an abandoned one can be cleaned up). */
  begin(id: string): Promise<void>;
  putChunk(id: string, chunk: StoredChunk): Promise<void>;
  /** Makes the dataset visible. `labelRemap[layoutLabel]` is its class index, or -1 (dropped). */
  finish(info: StoredDatasetInfo, labelRemap: Int32Array): Promise<void>;
  /** Deletes whatever was stored under the id. */
  discard(id: string): Promise<void>;
  estimate(): Promise<StorageInfo | null>;
  /** Names of the stored datasets (a new one gets a unique name). */
  names(): Promise<string[]>;
}

export type ImportLimits = { -readonly [K in keyof typeof IMPORT_LIMITS]: number };

export interface ImportDeps {
  decode: DecodeImage;
  store: ImportStore;
  newId(): string;
  /** Milliseconds (performance.now or Date.now). */
  now(): number;
  limits?: Partial<ImportLimits>;
  /** Images per stored chunk. */
  chunkSize?: number;
  /** Files read and decoded at once. */
  concurrency?: number;
}

export interface ImportControl {
  isCancelled(): boolean;
  onProgress(p: ImportProgress): void;
}

type Outcome = { ok: true; rgb: Uint8Array } | { ok: false; reason: SkipReason; detail: string };

const MB = 1024 * 1024;
const fmtMB = (n: number) => (n >= 100 * MB ? `${Math.round(n / MB)} MB` : `${(n / MB).toFixed(1)} MB`);
const fmtInt = (n: number) => n.toLocaleString('en-US');

export function isQuotaError(e: unknown): boolean {
  return typeof e === 'object' && e !== null && (e as { name?: string }).name === 'QuotaExceededError';
}

/** What to tell a user whose storage is full. */
export function quotaMessage(needBytes: number | null, storage: StorageInfo | null): string {
  const need = needBytes !== null ? ` It needs about ${fmtMB(needBytes)}.` : '';
  const have = storage
    ? ` This site is using ${fmtMB(storage.usage)} of the ${fmtMB(storage.quota)} the browser allows it.`
    : '';
  return (
    `The browser's storage for this site is full, so the dataset could not be saved.${need}${have} ` +
    'Delete imported datasets you no longer need (the Delete button next to each), free disk space on this device ' +
    '(browsers size the quota from free disk space), or import fewer images. Nothing of this import was kept.'
  );
}

/** Per-split chunk buffer: RGB until flushed; stored gray when every image in it is gray. */
class ChunkBuffer {
  private rgb: Uint8Array;
  private labels: Int32Array;
  private entries: Int32Array;
  private count = 0;
  private allGray = true;
  index = 0;

  constructor(
    readonly split: 'train' | 'test',
    private readonly capacity: number,
    private readonly px: number,
  ) {
    this.rgb = new Uint8Array(capacity * px * 3);
    this.labels = new Int32Array(capacity);
    this.entries = new Int32Array(capacity);
  }

  get full() {
    return this.count === this.capacity;
  }

  get empty() {
    return this.count === 0;
  }

  add(rgb: Uint8Array, label: number, gray: boolean, entry: number): void {
    this.rgb.set(rgb, this.count * this.px * 3);
    this.entries[this.count] = entry;
    this.labels[this.count++] = label;
    this.allGray &&= gray;
  }

  take(): StoredChunk {
    const n = this.count;
    let pixels: Uint8Array;
    if (this.allGray) {
      pixels = new Uint8Array(n * this.px);
      for (let p = 0; p < pixels.length; p++) pixels[p] = this.rgb[p * 3]!;
    } else {
      pixels = this.rgb.slice(0, n * this.px * 3);
    }
    const chunk: StoredChunk = {
      split: this.split,
      index: this.index++,
      count: n,
      channels: this.allGray ? 1 : 3,
      pixels,
      labels: this.labels.slice(0, n),
      entries: this.entries.slice(0, n),
    };
    this.count = 0;
    this.allGray = true;
    return chunk;
  }
}

function isGray(rgb: Uint8Array): boolean {
  for (let p = 0; p < rgb.length; p += 3) if (rgb[p] !== rgb[p + 1] || rgb[p] !== rgb[p + 2]) return false;
  return true;
}

/** Skipped files sorted by reason then path, at most REPORT_FILES_PER_REASON per reason, and the counts. */
function listedSkips(skipped: readonly SkippedFile[]): Pick<ImportReport, 'skipped' | 'skippedByReason'> {
  const byReason: Partial<Record<SkipReason, number>> = {};
  const listed: SkippedFile[] = [];
  const sorted = [...skipped].sort((a, b) =>
    a.reason === b.reason ? (a.path < b.path ? -1 : a.path > b.path ? 1 : 0) : a.reason < b.reason ? -1 : 1,
  );
  for (const s of sorted) {
    const n = (byReason[s.reason] ?? 0) + 1;
    byReason[s.reason] = n;
    if (n <= REPORT_FILES_PER_REASON) listed.push(s);
  }
  return { skipped: listed, skippedByReason: byReason };
}

function uniqueName(name: string, taken: readonly string[]): string {
  const used = new Set(taken);
  if (!used.has(name)) return name;
  for (let k = 2; ; k++) if (!used.has(`${name} (${k})`)) return `${name} (${k})`;
}

/** Runs one import. Never throws for bad input; an unexpected storage failure becomes a refusal. */
export async function runImport(
  listing: SourceListing,
  fit: ImageFit,
  deps: ImportDeps,
  control: ImportControl,
): Promise<ImportResult> {
  const limits: ImportLimits = { ...IMPORT_LIMITS, ...deps.limits };
  const started = deps.now();
  const size = limits.workingSize;
  const px = size * size;
  const entries = listing.entries;
  const layout = parseImageFolder(
    entries.map((e) => e.path),
    { dirs: listing.dirs, maxClasses: limits.maxClasses, minClasses: limits.minClasses },
  );
  const skipped: SkippedFile[] = layout.skipped.map(({ path, reason, detail }) => ({ path, reason, detail }));
  const notes = [...layout.notes];
  const warnings: string[] = [];
  let trainCount = 0;
  let testCount = 0;
  const report = (): ImportReport => ({
    source: listing.name,
    root: layout.root,
    layout: layout.kind,
    files: entries.length,
    trainCount,
    testCount,
    classes: layout.classes.length,
    ...listedSkips(skipped),
    ignored: layout.ignored.length,
    notes,
    warnings,
    seconds: (deps.now() - started) / 1000,
  });
  const refuse = (refusal: ImportRefusal): ImportResult => ({ status: 'refused', refusal, report: report() });

  if (layout.refusal) return refuse(layout.refusal);
  const files = layout.files;
  if (files.length > limits.maxImages) {
    return refuse({
      code: 'too-many-images',
      message:
        `${fmtInt(files.length)} images were found; an import takes at most ${fmtInt(limits.maxImages)} (each is stored at ` +
        `${size}×${size} in this browser, up to ${fmtInt(px * 3)} bytes before compression). Import a subset, for example fewer images per class.`,
      paths: layout.classes.slice(0, 20).map((c) => `${layout.root}${c.folder}/`),
    });
  }
  if (files.length > limits.warnImages) {
    warnings.push(
      `A large dataset: ${fmtInt(files.length)} images take a while to import and up to ${fmtMB(files.length * px * 3)} of this browser's storage (less once compressed).`,
    );
  }
  const storage = await deps.store.estimate().catch(() => null);
  const need = files.length * px * 3;
  if (storage && storage.quota - storage.usage < need * 1.05) {
    return refuse({ code: 'quota', message: quotaMessage(need, storage), paths: [] });
  }

  const id = deps.newId();
  const name = uniqueName(
    layout.root ? layout.root.split('/')[0]! : listing.name,
    await deps.store.names().catch(() => []),
  );
  const progress: ImportProgress = {
    datasetId: id,
    phase: 'decoding',
    done: 0,
    total: files.length,
    skipped: 0,
    path: '',
  };
  if (warnings[0]) progress.warning = warnings[0];
  let lastReport = -Infinity;
  const emit = (force = false) => {
    const t = deps.now();
    if (force || t - lastReport >= 100) {
      lastReport = t;
      control.onProgress({ ...progress });
    }
  };
  emit(true);

  const outcome = async (file: LayoutFile): Promise<Outcome> => {
    const entry = entries[file.entry]!;
    const no = (reason: SkipReason, detail: string): Outcome => ({ ok: false, reason, detail });
    if (entry.unreadable) return no('unreadable', entry.unreadable);
    if (entry.size === 0) return no('empty-file', 'the file is empty (0 bytes)');
    if (entry.size > limits.maxFileBytes)
      return no('too-large', `${fmtMB(entry.size)}; files over ${fmtMB(limits.maxFileBytes)} are not read`);
    let bytes: Uint8Array;
    try {
      bytes = await entry.read(limits.maxFileBytes);
    } catch (e) {
      const msg = e instanceof Error ? e.message : String(e);
      return e instanceof ZipFormatError
        ? no('corrupt', `damaged inside the zip: ${msg}`)
        : no('unreadable', `could not be read: ${msg}`);
    }
    if (bytes.length === 0) return no('empty-file', 'the file is empty (0 bytes)');
    const sniff = sniffImage(bytes);
    if (!sniff.decodable) {
      return no(
        sniff.unsupportedImage ? 'unsupported-format' : 'not-image',
        `its content is ${sniff.description}, not a PNG, JPEG, WebP, GIF or BMP image; it was not opened`,
      );
    }
    if (sniff.width === undefined || sniff.height === undefined)
      return no('corrupt', `the ${sniff.description} header is damaged or cut short`);
    const pixels = sniff.width * sniff.height;
    if (pixels > limits.maxPixels) {
      return no(
        'too-many-pixels',
        `${fmtInt(sniff.width)}×${fmtInt(sniff.height)} is ${(pixels / 1e6).toFixed(1)} megapixels; the limit is ${limits.maxPixels / 1e6}`,
      );
    }
    try {
      const rgb = await deps.decode(bytes, sniff);
      if (rgb.length !== px * 3) throw new Error(`decoder returned ${rgb.length} bytes`);
      return { ok: true, rgb };
    } catch (e) {
      if (e instanceof UnsupportedImageError) return no('unsupported-format', e.message);
      return no(
        'corrupt',
        `the ${sniff.description} could not be decoded (${e instanceof Error ? e.message : String(e)})`,
      );
    }
  };

  const chunkSize = deps.chunkSize ?? 256;
  const buffers = { train: new ChunkBuffer('train', chunkSize, px), test: new ChunkBuffer('test', chunkSize, px) };
  const trainByLayout = new Array<number>(layout.classes.length).fill(0);
  const testByLayout = new Array<number>(layout.classes.length).fill(0);
  const testPaths: { path: string; label: number }[] = [];
  let storedBytes = 0;
  let allGray = true;
  const flush = async (buffer: ChunkBuffer) => {
    const chunk = buffer.take();
    storedBytes += chunk.pixels.length;
    await deps.store.putChunk(id, chunk);
  };

  try {
    await deps.store.begin(id);
    const concurrency = Math.max(1, deps.concurrency ?? 4);
    const pending = new Map<number, Promise<Outcome>>();
    let next = 0;
    for (let k = 0; k < files.length; k++) {
      while (next < files.length && next < k + concurrency) {
        pending.set(next, outcome(files[next]!));
        next++;
      }
      const file = files[k]!;
      progress.path = file.path;
      const result = await pending.get(k)!;
      pending.delete(k);
      if (control.isCancelled()) {
        await deps.store.discard(id);
        notes.push(`Cancelled after ${fmtInt(k)} of ${fmtInt(files.length)} images; nothing was kept.`);
        return { status: 'cancelled', report: report() };
      }
      if (result.ok) {
        const gray = isGray(result.rgb);
        allGray &&= gray;
        const buffer = buffers[file.split];
        buffer.add(result.rgb, file.label, gray, file.entry);
        if (file.split === 'train') trainByLayout[file.label]!++;
        else {
          testByLayout[file.label]!++;
          testPaths.push({ path: file.path, label: file.label });
        }
        if (buffer.full) {
          progress.phase = 'saving';
          emit(true);
          await flush(buffer);
          progress.phase = 'decoding';
        }
      } else {
        skipped.push({ path: file.path, reason: result.reason, detail: result.detail });
        progress.skipped++;
      }
      progress.done = k + 1;
      emit();
    }
    progress.phase = 'saving';
    emit(true);
    for (const buffer of [buffers.train, buffers.test]) if (!buffer.empty) await flush(buffer);

    const { remap, kept, dropped } = dropEmptyClasses(layout.classes, trainByLayout);
    for (const c of dropped) {
      notes.push(`Class ${JSON.stringify(c.name)} was left out: none of its training images could be used.`);
    }
    for (const t of testPaths) {
      if (remap[t.label] === -1)
        skipped.push({ path: t.path, reason: 'unknown-test-class', detail: 'its class has no usable training images' });
    }
    const keep = (counts: number[]) => counts.filter((_, i) => remap[i] !== -1);
    const countsByClass = keep(trainByLayout);
    const testCountsByClass = keep(testByLayout);
    trainCount = countsByClass.reduce((a, b) => a + b, 0);
    testCount = testCountsByClass.reduce((a, b) => a + b, 0);
    if (kept.length < Math.max(1, limits.minClasses)) {
      await deps.store.discard(id);
      const decodedNone = kept.length === 0;
      return refuse({
        code: decodedNone ? 'no-usable-images' : 'single-class',
        message: decodedNone
          ? `None of the ${fmtInt(files.length)} image files could be used; the skipped files below say why.`
          : `Only one class (${JSON.stringify(kept[0]!.name)}) has usable images; a classifier needs at least two. The skipped files below say why the others failed.`,
        paths: layout.classes.map((c) => `${layout.root}${c.folder}/`),
      });
    }
    if (allGray) notes.push('Every image is grayscale, so the dataset is stored with one channel.');
    const preprocessing = importPreprocessing(size, fit, ALPHA_BACKGROUND);
    const info: StoredDatasetInfo = {
      id,
      name,
      classes: kept.map((c) => c.name),
      classFolders: kept.map((c) => c.folder),
      createdAt: Date.now(),
      source: { kind: listing.kind, name: listing.name },
      trainCount,
      testCount,
      countsByClass,
      testCountsByClass,
      height: size,
      width: size,
      channels: allGray ? 1 : 3,
      bytes: storedBytes,
      alphaBackground: preprocessing.alphaBackground,
      preprocessing,
      report: { ...report(), classes: kept.length },
    };
    await deps.store.finish(info, remap);
    progress.done = files.length;
    emit(true);
    return { status: 'imported', dataset: info };
  } catch (e) {
    await deps.store.discard(id).catch(() => undefined);
    if (isQuotaError(e)) {
      return refuse({
        code: 'quota',
        message: quotaMessage(need, await deps.store.estimate().catch(() => null)),
        paths: [],
      });
    }
    return refuse({
      code: 'failed',
      message: `The import failed while saving: ${e instanceof Error ? e.message : String(e)}. Nothing was kept.`,
      paths: [],
    });
  }
}
