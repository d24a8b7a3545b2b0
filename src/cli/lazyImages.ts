/**
 * Image collections for the CLI that do not hold pixels: a large folder or zip is read again from
 * disk and decoded per batch (FileImageSet), so memory does not grow with the dataset; and the
 * relabelling and joining that evaluation needs, for in-memory and lazy sets alike.
 */
import { imageBytes, isInMemory, readImages, type ImageCollection, type ImageSet, type LazyImageSet } from '../core/data/imageSet';
import { ImageSetAssembler } from '../core/data/importedDataset';
import { sniffImage } from '../core/data/imageSniff';
import type { DecodeImage } from '../core/import/importPipeline';
import type { SourceEntry } from '../core/import/importSources';

/** Above this many images a folder or zip is decoded per batch instead of held in memory. */
export const LAZY_ABOVE = 5_000;

/** Images decoded from their files on every read (the decoder is deterministic: the same pixels as at import). */
export class FileImageSet implements LazyImageSet {
  constructor(
    readonly height: number,
    readonly width: number,
    readonly channels: 1 | 3,
    readonly labels: Int32Array,
    /** The file of every image. */
    private readonly files: readonly SourceEntry[],
    private readonly decode: DecodeImage,
    private readonly maxFileBytes: number,
  ) {
    if (files.length !== labels.length) throw new Error(`FileImageSet: ${files.length} files for ${labels.length} labels`);
  }

  async read(indices: ArrayLike<number>): Promise<Uint8Array> {
    const per = imageBytes(this);
    const px = this.height * this.width;
    const out = new Uint8Array(indices.length * per);
    for (let k = 0; k < indices.length; k++) {
      const i = indices[k]!;
      const file = this.files[i];
      if (!file) throw new Error(`image index ${i} is outside 0..${this.files.length - 1}`);
      let rgb: Uint8Array;
      try {
        const bytes = await file.read(this.maxFileBytes);
        rgb = await this.decode(bytes, sniffImage(bytes));
      } catch (e) {
        throw new Error(
          `${file.path} could not be read again (${e instanceof Error ? e.message : String(e)}): it changed or was removed after the import. Run the command again.`,
          { cause: e },
        );
      }
      if (rgb.length !== px * 3) throw new Error(`${file.path} decoded to ${rgb.length} bytes, expected ${px * 3}: it changed after the import. Run the command again.`);
      const at = k * per;
      if (this.channels === 3) out.set(rgb, at);
      else for (let p = 0; p < px; p++) out[at + p] = rgb[p * 3]!;
    }
    return out;
  }
}

/** The same images with other labels (no pixels copied). */
export function relabeled(set: ImageCollection, labels: Int32Array): ImageCollection {
  if (isInMemory(set)) return { ...set, labels };
  return { height: set.height, width: set.width, channels: set.channels, labels, read: (indices) => set.read(indices) };
}

/** Images of several sets in one (gray sets expanded when any is colour); pixels copied only when all are in memory. */
export function concatCollections(parts: ImageCollection[]): ImageCollection {
  const first = parts[0];
  if (!first) throw new Error('concatCollections: nothing to join');
  const { height, width } = first;
  if (parts.some((p) => p.height !== height || p.width !== width)) throw new Error('concatCollections: sets of different image sizes');
  const channels: 1 | 3 = parts.some((p) => p.channels === 3) ? 3 : 1;
  const n = parts.reduce((a, p) => a + p.labels.length, 0);
  const labels = new Int32Array(n);
  let offset = 0;
  const starts = parts.map((p) => {
    labels.set(p.labels, offset);
    offset += p.labels.length;
    return offset - p.labels.length;
  });
  if (parts.length === 1) return first;
  if (parts.every(isInMemory)) {
    const out = new ImageSetAssembler(n, height, width, channels);
    for (const p of parts as ImageSet[]) out.add({ count: p.labels.length, channels: p.channels, pixels: p.pixels, labels: p.labels });
    return out.finish();
  }
  const per = height * width * channels;
  return {
    height,
    width,
    channels,
    labels,
    async read(indices) {
      const out = new Uint8Array(indices.length * per);
      for (let k = 0; k < indices.length; k++) {
        const g = indices[k]!;
        if (!Number.isInteger(g) || g < 0 || g >= n) throw new Error(`image index ${g} is outside 0..${n - 1}`);
        let j = parts.length - 1;
        while (starts[j]! > g) j--;
        const part = parts[j]!;
        const px = await readImages(part, [g - starts[j]!]);
        if (part.channels === channels) out.set(px, k * per);
        else for (let p = 0; p < height * width; p++) out.fill(px[p]!, k * per + p * 3, k * per + p * 3 + 3);
      }
      return out;
    },
  };
}
