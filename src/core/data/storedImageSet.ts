/**
 * A LazyImageSet over compressed images in a store (IndexedDB in the worker, a Map in tests): only
 * the labels and each image's key are held; `read` fetches and decodes the images of one batch.
 * Memory therefore does not grow with the dataset: a batch's compressed and decoded bytes, plus a
 * small LRU of recently decoded images (64 by default, 3 MB at 128×128×3: the live views and
 * thumbnails read the same few images again and again; shuffled batches rarely repeat).
 */
import { CorruptImageError, decodeImageInto } from './imageCodec';
import { imageBytes, type LazyImageSet } from './imageSet';

/** Fetches encoded images by key, in order; undefined where a key has no image. */
type FetchEncoded = (keys: readonly number[]) => Promise<(Uint8Array | undefined)[]>;

interface StoredImageSetOptions {
  height: number;
  width: number;
  channels: 1 | 3;
  labels: Int32Array;
  /** The store key of every image (keys[i] is image i's). */
  keys: Int32Array;
  fetch: FetchEncoded;
  /** The dataset's name, for messages. */
  name: string;
  /** Decoded images kept for reuse (most recently used). 0 disables the cache. */
  cacheImages?: number;
}

/** What a user can do about a dataset whose stored images are missing or damaged. */
export const REIMPORT_ADVICE = 'Delete this dataset (the Delete button next to it in the dataset list) and import its folder or zip again.';

export class StoredImageSet implements LazyImageSet {
  readonly height: number;
  readonly width: number;
  readonly channels: 1 | 3;
  readonly labels: Int32Array;
  private readonly keys: Int32Array;
  private readonly fetch: FetchEncoded;
  private readonly name: string;
  private readonly cacheLimit: number;
  /** Decoded images by index; Map order = least recently used first. */
  private readonly cache = new Map<number, Uint8Array>();
  /** Images fetched from the store so far (for tests and the benchmark). */
  fetched = 0;

  constructor(o: StoredImageSetOptions) {
    if (o.keys.length !== o.labels.length) throw new Error(`StoredImageSet: ${o.keys.length} keys for ${o.labels.length} labels`);
    this.height = o.height;
    this.width = o.width;
    this.channels = o.channels;
    this.labels = o.labels;
    this.keys = o.keys;
    this.fetch = o.fetch;
    this.name = o.name;
    this.cacheLimit = Math.max(0, o.cacheImages ?? 64);
  }

  /** Decoded images held in the cache now (at most cacheImages). */
  get cached(): number {
    return this.cache.size;
  }

  async read(indices: ArrayLike<number>): Promise<Uint8Array> {
    const per = imageBytes(this);
    const total = this.labels.length;
    const out = new Uint8Array(indices.length * per);
    const wanted = new Map<number, number[]>(); // index → positions in the batch
    for (let k = 0; k < indices.length; k++) {
      const i = indices[k]!;
      if (!Number.isInteger(i) || i < 0 || i >= total) throw new Error(`${this.name}: image index ${i} is outside 0..${total - 1}`);
      const hit = this.cache.get(i);
      if (hit) {
        this.cache.delete(i);
        this.cache.set(i, hit);
        out.set(hit, k * per);
        continue;
      }
      const at = wanted.get(i);
      if (at) at.push(k);
      else wanted.set(i, [k]);
    }
    if (wanted.size === 0) return out;
    const order = [...wanted.keys()];
    const encoded = await this.fetch(order.map((i) => this.keys[i]!));
    order.forEach((i, j) => {
      const bytes = encoded[j];
      if (!bytes) {
        throw new Error(`Image ${i + 1} of "${this.name}" is missing from this browser's storage (it was partly cleared or the import was cut short). ${REIMPORT_ADVICE}`);
      }
      const positions = wanted.get(i)!;
      const first = positions[0]! * per;
      try {
        decodeImageInto(bytes, out, first, this.channels);
      } catch (e) {
        const why = e instanceof CorruptImageError ? e.message : String(e);
        throw new Error(`Image ${i + 1} of "${this.name}" is damaged in this browser's storage (${why}). ${REIMPORT_ADVICE}`, { cause: e });
      }
      for (const k of positions.slice(1)) out.copyWithin(k * per, first, first + per);
      this.fetched++;
      this.remember(i, out.slice(first, first + per));
    });
    return out;
  }

  private remember(i: number, pixels: Uint8Array): void {
    if (this.cacheLimit === 0) return;
    this.cache.set(i, pixels);
    while (this.cache.size > this.cacheLimit) this.cache.delete(this.cache.keys().next().value as number);
  }
}
