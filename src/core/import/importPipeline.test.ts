import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { ImageSetAssembler, remapChunk } from '../data/importedDataset';
import type { ImportProgress, ImportResult, StorageInfo, StoredDatasetInfo } from './types';
import { runImport, UnsupportedImageError, type DecodeImage, type ImportDeps, type ImportStore, type StoredChunk } from './importPipeline';
import type { SourceEntry, SourceListing } from './importSources';

const SIZE = 4;

function png(width: number, height: number, rgb: [number, number, number], alpha = 255): Uint8Array {
  const p = new PNG({ width, height });
  for (let i = 0; i < width * height; i++) p.data.set([...rgb, alpha], i * 4);
  return new Uint8Array(PNG.sync.write(p));
}

function jpg(width: number, height: number, gray: number): Uint8Array {
  return new Uint8Array(jpeg.encode({ data: Buffer.alloc(width * height * 4, gray), width, height }, 90).data);
}

/** Decodes with pngjs / jpeg-js and samples to SIZE² (nearest), compositing alpha onto white. */
const decode: DecodeImage = async (bytes, sniff) => {
  await new Promise((r) => setTimeout(r, (bytes.length * 7) % 5)); // finish out of order
  const img = sniff.kind === 'png' ? PNG.sync.read(Buffer.from(bytes)) : jpeg.decode(bytes, { useTArray: true });
  const out = new Uint8Array(SIZE * SIZE * 3);
  for (let y = 0; y < SIZE; y++) {
    for (let x = 0; x < SIZE; x++) {
      const s = (Math.floor((y * img.height) / SIZE) * img.width + Math.floor((x * img.width) / SIZE)) * 4;
      const a = img.data[s + 3]! / 255;
      for (let c = 0; c < 3; c++) out[(y * SIZE + x) * 3 + c] = Math.round(img.data[s + c]! * a + 255 * (1 - a));
    }
  }
  return out;
};

class MemoryStore implements ImportStore {
  chunks = new Map<string, StoredChunk[]>();
  ready = new Map<string, { info: StoredDatasetInfo; remap: Int32Array }>();
  begun: string[] = [];
  discarded: string[] = [];
  storage: StorageInfo | null = { usage: 0, quota: 1e12 };
  failAfterChunks = Infinity;
  async begin(id: string) {
    this.begun.push(id);
    this.chunks.set(id, []);
  }
  async putChunk(id: string, chunk: StoredChunk) {
    if (this.failAfterChunks-- <= 0) throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
    this.chunks.get(id)!.push(chunk);
  }
  async finish(info: StoredDatasetInfo, remap: Int32Array) {
    this.ready.set(info.id, { info, remap });
  }
  async discard(id: string) {
    this.discarded.push(id);
    this.chunks.delete(id);
    this.ready.delete(id);
  }
  async estimate() {
    return this.storage;
  }
  async names() {
    return [...this.ready.values()].map((r) => r.info.name);
  }
  /** The train set as the engine worker would load it. */
  load(id: string) {
    const { info, remap } = this.ready.get(id)!;
    const a = new ImageSetAssembler(info.trainCount, SIZE, SIZE, info.channels);
    for (const c of this.chunks.get(id)!.filter((c) => c.split === 'train')) a.add(remapChunk(c, remap, SIZE * SIZE));
    return a.finish();
  }
}

function listing(files: Record<string, Uint8Array>, dirs: string[] = []): SourceListing {
  const entries: SourceEntry[] = Object.entries(files).map(([path, bytes]) => ({
    path,
    size: bytes.length,
    read: async () => bytes,
  }));
  return { kind: 'folder', name: 'drop', entries, dirs };
}

let ids = 0;
function deps(store: MemoryStore, extra: Partial<ImportDeps> = {}): ImportDeps {
  return {
    decode,
    store,
    newId: () => `id-${++ids}`,
    now: () => 0,
    limits: { workingSize: SIZE, maxFileBytes: 10_000, maxPixels: 1_000_000 },
    chunkSize: 2,
    concurrency: 3,
    ...extra,
  };
}

async function run(files: SourceListing, store: MemoryStore, extra: Partial<ImportDeps> = {}, cancelAt = Infinity) {
  const progress: ImportProgress[] = [];
  let checks = 0;
  const result = await runImport(files, 'crop', deps(store, extra), {
    isCancelled: () => ++checks > cancelAt,
    onProgress: (p) => progress.push(p),
  });
  return { result, progress };
}

const imported = (r: ImportResult) => {
  if (r.status !== 'imported') throw new Error(`expected an import, got ${JSON.stringify(r)}`);
  return r.dataset;
};

/** A PNG whose header claims 5000×5000 (25 MP) but holds nothing more. */
function bombHeader(): Uint8Array {
  const p = png(1, 1, [0, 0, 0]).slice();
  const v = new DataView(p.buffer);
  v.setUint32(16, 5000);
  v.setUint32(20, 5000);
  return p;
}

describe('runImport', () => {
  it('imports the good files and reports every bad one with its reason, never stopping', async () => {
    const store = new MemoryStore();
    const good = png(8, 8, [255, 0, 0]);
    const { result, progress } = await run(
      listing({
        'set/red/1.png': good,
        'set/red/2.png': png(6, 3, [250, 10, 10]),
        'set/red/broken.png': good.subarray(0, 60),
        'set/red/empty.png': new Uint8Array(0),
        'set/gray/1.jpg': jpg(8, 8, 100),
        'set/gray/2.jpg': jpg(9, 5, 200),
        'set/gray/evil.png': new TextEncoder().encode('<svg onload="alert(1)"><script>alert(2)</script></svg>'),
        'set/gray/huge.png': bombHeader(),
        'set/gray/big.png': new Uint8Array(20_000),
        'set/gray/notes.txt': new TextEncoder().encode('hello'),
        'set/gray/phone.heic': new Uint8Array(10),
        'set/.DS_Store': new Uint8Array(10),
      }),
      store,
    );
    const info = imported(result);
    expect(info.name).toBe('set');
    expect(info.classes).toEqual(['gray', 'red']);
    expect(info.countsByClass).toEqual([2, 2]);
    expect(info.trainCount).toBe(4);
    expect(info.testCount).toBe(0);
    expect(info.channels).toBe(3);
    expect(info.alphaBackground).toEqual([255, 255, 255]);
    expect(info.preprocessing).toMatchObject({ workingSize: SIZE, fit: 'crop' });
    const reasons = Object.fromEntries(info.report.skipped.map((s) => [s.path, s.reason]));
    expect(reasons).toEqual({
      'set/red/broken.png': 'corrupt',
      'set/red/empty.png': 'empty-file',
      'set/gray/evil.png': 'unsupported-format',
      'set/gray/huge.png': 'too-many-pixels',
      'set/gray/big.png': 'too-large',
      'set/gray/notes.txt': 'not-image',
      'set/gray/phone.heic': 'unsupported-format',
    });
    const detail = (p: string) => info.report.skipped.find((s) => s.path === p)!.detail;
    expect(detail('set/gray/evil.png')).toMatch(/SVG .* not opened/);
    expect(detail('set/gray/huge.png')).toMatch(/5,000×5,000 is 25\.0 megapixels; the limit is 1/);
    expect(detail('set/red/broken.png')).toMatch(/PNG image could not be decoded/);
    expect(info.report.ignored).toBe(1);
    expect(info.report.files).toBe(12);
    // stored: a gray chunk (the two JPEGs, 1 channel) and a colour one
    const chunks = store.chunks.get(info.id)!;
    expect(chunks.map((c) => [c.split, c.index, c.count, c.channels])).toEqual([
      ['train', 0, 2, 1],
      ['train', 1, 2, 3],
    ]);
    expect(info.bytes).toBe(SIZE * SIZE * (2 + 2 * 3));
    const set = store.load(info.id);
    expect(Array.from(set.labels)).toEqual([0, 0, 1, 1]);
    const [r, g, b] = set.pixels.subarray(0, 3); // a gray JPEG, expanded to RGB
    expect([g, b]).toEqual([r, r]);
    expect(Math.abs(r! - 100)).toBeLessThan(3);
    expect(set.pixels[3 * SIZE * SIZE * 2]).toBe(255); // first red image, R
    expect(progress.at(-1)).toMatchObject({ done: 9, total: 9, skipped: 5 });
  });

  it("files a format the decoder does not read under unsupported-format with the decoder's advice, not as corrupt", async () => {
    const store = new MemoryStore();
    const pngOnly: DecodeImage = async (bytes, sniff) => {
      if (sniff.kind !== 'png') throw new UnsupportedImageError('this decoder reads PNG only; convert JPEGs to PNG');
      return decode(bytes, sniff);
    };
    const files = {
      'a/1.png': png(2, 2, [0, 0, 0]),
      'a/2.png': png(2, 2, [9, 9, 9]),
      'b/1.png': png(2, 2, [255, 255, 255]),
      'b/2.jpg': jpg(2, 2, 200),
    };
    const { result } = await run(listing(files), store, { decode: pngOnly });
    expect(imported(result).report.skipped).toEqual([
      { path: 'b/2.jpg', reason: 'unsupported-format', detail: 'this decoder reads PNG only; convert JPEGs to PNG' },
    ]);
  });

  it('stores a dataset whose every image is gray with one channel, and composites alpha onto white', async () => {
    const store = new MemoryStore();
    const info = imported(
      (
        await run(
          listing({ 'a/1.jpg': jpg(4, 4, 10), 'a/2.png': png(4, 4, [0, 0, 0], 0), 'b/1.jpg': jpg(4, 4, 90) }),
          store,
        )
      ).result,
    );
    expect(info.channels).toBe(1);
    expect(info.report.notes.join(' ')).toMatch(/grayscale/);
    const set = store.load(info.id);
    expect(set.pixels[SIZE * SIZE]).toBe(255); // transparent black PNG became white
  });

  it('keeps the folder test split and drops a class whose images all failed, with its test images', async () => {
    const store = new MemoryStore();
    const p = png(4, 4, [1, 2, 3]);
    const { result } = await run(
      listing({
        'd/train/a/1.png': p,
        'd/train/b/1.png': p,
        'd/train/c/bad.png': p.subarray(0, 30),
        'd/test/a/1.png': p,
        'd/test/c/1.png': p,
        'd/test/b/1.png': p,
        'd/test/b/2.png': p,
      }),
      store,
    );
    const info = imported(result);
    expect(info.classes).toEqual(['a', 'b']);
    expect(info.countsByClass).toEqual([1, 1]);
    expect(info.testCountsByClass).toEqual([1, 2]);
    expect(info.testCount).toBe(3);
    expect(info.report.notes.join(' ')).toMatch(/Class "c" was left out/);
    expect(info.report.skipped.find((s) => s.path === 'd/test/c/1.png')).toMatchObject({
      reason: 'unknown-test-class',
    });
    expect(Array.from(store.ready.get(info.id)!.remap)).toEqual([0, 1, -1]);
  });

  it('refuses layouts and leaves nothing stored', async () => {
    const store = new MemoryStore();
    const one = await run(listing({ 'cats/a/1.png': png(2, 2, [0, 0, 0]) }), store);
    expect(one.result).toMatchObject({ status: 'refused', refusal: { code: 'single-class' } });
    const dup = await run(listing({ 'r/Cat/1.png': png(2, 2, [0, 0, 0]), 'r/cat/1.png': png(2, 2, [0, 0, 0]) }), store);
    expect(dup.result).toMatchObject({ status: 'refused', refusal: { code: 'duplicate-classes' } });
    expect(store.begun).toEqual([]);
  });

  it('refuses when fewer than two classes decode, and discards what it stored', async () => {
    const store = new MemoryStore();
    const p = png(4, 4, [0, 0, 0]);
    const { result } = await run(
      listing({ 'r/a/1.png': p, 'r/a/2.png': p, 'r/a/3.png': p, 'r/b/1.png': p.subarray(0, 40) }),
      store,
    );
    expect(result.status).toBe('refused');
    if (result.status !== 'refused') return;
    expect(result.refusal.code).toBe('single-class');
    expect(result.refusal.message).toMatch(/Only one class \("a"\)/);
    expect(result.report.skipped).toHaveLength(1);
    expect(store.discarded).toEqual(store.begun);
    expect(store.chunks.size).toBe(0);
  });

  it('refuses too many images before decoding anything, and warns about large ones', async () => {
    const store = new MemoryStore();
    const p = png(2, 2, [0, 0, 0]);
    const files = Object.fromEntries(Array.from({ length: 6 }, (_, i) => [`r/${i % 2 ? 'a' : 'b'}/${i}.png`, p]));
    const many = await run(listing(files), store, { limits: { workingSize: SIZE, maxImages: 5 } });
    expect(many.result).toMatchObject({ status: 'refused', refusal: { code: 'too-many-images' } });
    expect(store.begun).toEqual([]);
    const warned = await run(listing(files), store, { limits: { workingSize: SIZE, warnImages: 5 } });
    expect(imported(warned.result).report.warnings.join(' ')).toMatch(/large dataset: 6 images/);
    expect(warned.progress.find((p) => p.warning)).toBeDefined();
  });

  it('explains a full quota, before starting and when a write fails, keeping nothing', async () => {
    const p = png(2, 2, [0, 0, 0]);
    const files = listing({ 'r/a/1.png': p, 'r/a/2.png': p, 'r/b/1.png': p, 'r/b/2.png': p, 'r/b/3.png': p });
    const early = new MemoryStore();
    early.storage = { usage: 990, quota: 1000 };
    const e = await run(files, early);
    expect(e.result).toMatchObject({ status: 'refused', refusal: { code: 'quota' } });
    if (e.result.status === 'refused')
      expect(e.result.refusal.message).toMatch(/storage for this site is full.*Delete imported datasets/s);
    const late = new MemoryStore();
    late.failAfterChunks = 1;
    const l = await run(files, late);
    expect(l.result).toMatchObject({ status: 'refused', refusal: { code: 'quota' } });
    expect(late.chunks.size).toBe(0);
    expect(late.ready.size).toBe(0);
  });

  it('cancels between files, deleting what it stored', async () => {
    const store = new MemoryStore();
    const p = png(2, 2, [0, 0, 0]);
    const files = Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`r/${i % 2 ? 'a' : 'b'}/${i}.png`, p]));
    const { result } = await run(listing(files), store, {}, 5);
    expect(result.status).toBe('cancelled');
    expect(result.status === 'cancelled' && result.report.notes.join(' ')).toMatch(/Cancelled after 5 of 10/);
    expect(store.chunks.size).toBe(0);
    expect(store.ready.size).toBe(0);
  });

  it('is deterministic whatever order decodes finish in, and names datasets uniquely', async () => {
    const store = new MemoryStore();
    const files: Record<string, Uint8Array> = {};
    for (let i = 0; i < 12; i++) files[`r/${['x', 'y', 'z'][i % 3]}/${i}.png`] = png(2 + i, 2, [i * 20, 0, 0]);
    const a = imported((await run(listing(files), store, { concurrency: 5 })).result);
    const b = imported((await run(listing(files), store, { concurrency: 1 })).result);
    expect(b.name).toBe('r (2)');
    expect(Array.from(store.load(a.id).pixels)).toEqual(Array.from(store.load(b.id).pixels));
  });
});

describe('report', () => {
  it('lists at most REPORT_FILES_PER_REASON skipped files per reason and counts them all', async () => {
    const store = new MemoryStore();
    const p = png(2, 2, [0, 0, 0]);
    const files: Record<string, Uint8Array> = { 'r/a/1.png': p, 'r/b/1.png': p };
    for (let i = 0; i < 520; i++) files[`r/a/note${i}.txt`] = new Uint8Array(1);
    const info = imported((await run(listing(files), store)).result);
    expect(info.report.skippedByReason).toEqual({ 'not-image': 520 });
    expect(info.report.skipped).toHaveLength(500);
  });
});
