import { describe, expect, it } from 'vitest';
import { copyImages, type ImageSet } from './imageSet';
import { encodeImage } from './imageCodec';
import { REIMPORT_ADVICE, StoredImageSet } from './storedImageSet';

const W = 6;
const H = 5;

/** n images with distinct, row-varying pixels; even images gray (stored with one channel). */
function fixture(n: number, channels: 1 | 3) {
  const per = W * H * channels;
  const pixels = new Uint8Array(n * per);
  const stored = new Map<number, Uint8Array>();
  for (let i = 0; i < n; i++) {
    const gray = channels === 1 || i % 2 === 0;
    const img = new Uint8Array(W * H * (gray ? 1 : 3));
    for (let p = 0; p < img.length; p++) img[p] = (i * 37 + p * 11 + ((p * 7919) % 13)) & 255;
    if (gray) {
      for (let p = 0; p < W * H; p++) for (let c = 0; c < channels; c++) pixels[i * per + p * channels + c] = img[p]!;
    } else {
      pixels.set(img, i * per);
    }
    stored.set(100 + i, encodeImage(img, W, H, gray ? 1 : 3));
  }
  const labels = Int32Array.from({ length: n }, (_, i) => i % 3);
  const memory: ImageSet = { height: H, width: W, channels, pixels, labels };
  const fetches: number[][] = [];
  const lazy = (over: Partial<ConstructorParameters<typeof StoredImageSet>[0]> = {}) =>
    new StoredImageSet({
      height: H,
      width: W,
      channels,
      labels,
      keys: Int32Array.from({ length: n }, (_, i) => 100 + i),
      name: 'digits',
      fetch: async (keys) => {
        fetches.push([...keys]);
        return keys.map((k) => stored.get(k));
      },
      ...over,
    });
  return { memory, stored, lazy, fetches };
}

describe('StoredImageSet', () => {
  it('reads the same pixels as the in-memory set, RGB and gray, repeats and any order', async () => {
    for (const channels of [1, 3] as const) {
      const { memory, lazy } = fixture(9, channels);
      const set = lazy({ cacheImages: 0 });
      const idx = [8, 0, 3, 3, 5, 1];
      expect(Array.from(await set.read(idx))).toEqual(Array.from(copyImages(memory, idx)));
    }
  });

  it('fetches each image once per read and keeps at most cacheImages decoded', async () => {
    const { memory, lazy, fetches } = fixture(20, 3);
    const set = lazy({ cacheImages: 4 });
    await set.read([1, 2, 2, 1]);
    expect(fetches).toEqual([[101, 102]]);
    const all = Array.from({ length: 20 }, (_, i) => i);
    expect(Array.from(await set.read(all))).toEqual(Array.from(copyImages(memory, all)));
    expect(set.cached).toBe(4);
    fetches.length = 0;
    await set.read([19, 18, 0]); // 18 and 19 are among the last four decoded; 0 is not
    expect(fetches).toEqual([[100]]);
    expect(set.cached).toBe(4);
  });

  it('names the image and says what to do when one is missing or damaged', async () => {
    const { lazy, stored } = fixture(4, 1);
    stored.delete(102);
    await expect(lazy().read([2])).rejects.toThrow(/Image 3 of "digits" is missing .*Delete this dataset/);
    const bad = stored.get(101)!.slice();
    bad[8] = bad[8]! ^ 0xff;
    bad[9] = bad[9]! ^ 0xff;
    stored.set(101, bad.subarray(0, 9));
    await expect(lazy().read([1])).rejects.toThrow(new RegExp(`Image 2 of "digits" is damaged.*${REIMPORT_ADVICE.slice(0, 20)}`));
    stored.set(101, Uint8Array.of(7, 7, 7, 7, 7, 7, 7));
    await expect(lazy().read([1])).rejects.toThrow(/damaged .*unknown image format/);
    await expect(lazy().read([4])).rejects.toThrow(/outside 0\.\.3/);
  });
});
