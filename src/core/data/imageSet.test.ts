import { describe, expect, it } from 'vitest';
import { countByClass, subset, validateImageSet, type ImageSet } from './imageSet';

describe('imageSet helpers', () => {
  const set: ImageSet = {
    height: 1,
    width: 2,
    channels: 1,
    pixels: Uint8Array.from([1, 2, 3, 4, 5, 6]),
    labels: Int32Array.from([0, 2, 1]),
  };

  it('counts images per class', () => {
    expect(countByClass(set.labels, 3)).toEqual([1, 1, 1]);
    expect(countByClass([0, 0, 1], 4)).toEqual([2, 1, 0, 0]);
    expect(() => countByClass([0, 3], 3)).toThrow(/outside/);
  });

  it('subsets copy pixels and labels in the order given', () => {
    const s = subset(set, [2, 0, 2]);
    expect(Array.from(s.pixels)).toEqual([5, 6, 1, 2, 5, 6]);
    expect(Array.from(s.labels)).toEqual([1, 0, 1]);
    s.pixels[0] = 99;
    expect(set.pixels[4]).toBe(5);
    expect(() => subset(set, [3])).toThrow(/outside/);
  });

  it('validates sizes and labels', () => {
    expect(() => validateImageSet(set, 3)).not.toThrow();
    expect(() => validateImageSet(set, 2)).toThrow(/label 2/);
    expect(() => validateImageSet({ ...set, pixels: new Uint8Array(5) })).toThrow(/expected 6/);
  });
});
