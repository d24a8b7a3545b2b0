import { describe, expect, it } from 'vitest';
import { ImageSetAssembler, importPreprocessing, remapChunk } from './importedDataset';

describe('ImageSetAssembler', () => {
  it('joins gray and colour chunks into an RGB set, expanding gray', () => {
    const a = new ImageSetAssembler(3, 1, 2, 3);
    a.add({ count: 1, channels: 1, pixels: Uint8Array.from([10, 20]), labels: Int32Array.from([1]) });
    a.add({ count: 2, channels: 3, pixels: Uint8Array.from({ length: 12 }, (_, i) => i), labels: Int32Array.from([0, 2]) });
    const set = a.finish();
    expect(Array.from(set.pixels.subarray(0, 6))).toEqual([10, 10, 10, 20, 20, 20]);
    expect(Array.from(set.pixels.subarray(6))).toEqual(Array.from({ length: 12 }, (_, i) => i));
    expect(Array.from(set.labels)).toEqual([1, 0, 2]);
    expect(set.channels).toBe(3);
  });

  it('checks sizes and counts', () => {
    const a = new ImageSetAssembler(2, 1, 1, 1);
    expect(() => a.add({ count: 1, channels: 3, pixels: new Uint8Array(3), labels: new Int32Array(1) })).toThrow(/colour chunk/);
    expect(() => a.add({ count: 1, channels: 1, pixels: new Uint8Array(2), labels: new Int32Array(1) })).toThrow(/2 bytes/);
    a.add({ count: 1, channels: 1, pixels: new Uint8Array(1), labels: new Int32Array(1) });
    expect(() => a.finish()).toThrow(/lists 2 images .* hold 1/);
    expect(() => a.add({ count: 2, channels: 1, pixels: new Uint8Array(2), labels: new Int32Array(2) })).toThrow(/more images/);
  });
});

describe('remapChunk', () => {
  it('renumbers labels and drops images of left-out classes', () => {
    const chunk = { count: 3, channels: 1 as const, pixels: Uint8Array.from([1, 1, 2, 2, 3, 3]), labels: Int32Array.from([0, 1, 2]) };
    const r = remapChunk(chunk, [0, -1, 1], 2);
    expect(r.count).toBe(2);
    expect(Array.from(r.labels)).toEqual([0, 1]);
    expect(Array.from(r.pixels)).toEqual([1, 1, 3, 3]);
    expect(remapChunk(chunk, [2, 1, 0], 2).pixels).toBe(chunk.pixels);
    expect(() => remapChunk(chunk, [0, 1], 2)).toThrow(/outside/);
  });
});

describe('helpers', () => {
  it('records white compositing and the fit', () => {
    const p = importPreprocessing(128, 'pad');
    expect(p.alphaBackground).toEqual([255, 255, 255]);
    expect(p).toMatchObject({ workingSize: 128, fit: 'pad', orientation: 'exif', colorSpace: 'sRGB' });
  });
});
