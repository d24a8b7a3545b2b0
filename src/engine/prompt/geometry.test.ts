import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { fixedImageSize, placeFixed, promptMask } from './geometry';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('padding prompt geometry on a 224 canvas with base size 128', () => {
  it.each([
    [0.5, 64, 80],
    [1.0, 128, 48],
    [1.5, 192, 16],
  ])('scale %s: image %s px, frame %s px', (scale, size, frame) => {
    expect(fixedImageSize(128, scale, 224)).toBe(size);
    const mask = promptMask('pad', 224, size, 0);
    const m = mask.arraySync() as number[][][];
    mask.dispose();
    const row = (r: number) => m[r]!.map((v) => v[0]);
    // The frame is exactly `frame` pixels wide on every side; the image area is 0.
    expect(row(frame - 1).every((v) => v === 1)).toBe(true);
    const middle = row(frame);
    expect(middle.slice(0, frame).every((v) => v === 1)).toBe(true);
    expect(middle.slice(frame, 224 - frame).every((v) => v === 0)).toBe(true);
    expect(middle.slice(224 - frame).every((v) => v === 1)).toBe(true);
    expect(row(224 - frame).every((v) => v === 1)).toBe(true);
    const ones = m.flat().filter((v) => v[0] === 1).length;
    expect(ones).toBe(224 * 224 - size * size);
  });

  it('caps the image at the canvas and leaves no frame', () => {
    expect(fixedImageSize(128, 2, 224)).toBe(224);
    const mask = promptMask('pad', 224, 224, 0);
    expect(tf.sum(mask).arraySync()).toBe(0);
    mask.dispose();
  });

  it('full and patch prompts cover everything and the top-left patch', () => {
    const full = promptMask('full', 8, 4, 0);
    expect(tf.sum(full).arraySync()).toBe(64);
    const patch = promptMask('patch', 8, 4, 3);
    const p = patch.arraySync() as number[][][];
    expect(p[2]![2]![0]).toBe(1);
    expect(p[3]![0]![0]).toBe(0);
    expect(tf.sum(patch).arraySync()).toBe(9);
    tf.dispose([full, patch]);
  });

  it('places the resized image in the centre of a zero canvas', () => {
    const x = tf.ones([1, 4, 4, 3]) as tf.Tensor4D;
    const placed = placeFixed(x, 2, 6);
    const v = placed.arraySync()[0]!;
    expect(v[0]![0]![0]).toBe(0);
    expect(v[2]![2]![0]).toBeCloseTo(1);
    expect(v[3]![3]![0]).toBeCloseTo(1);
    expect(v[4]![4]![0]).toBe(0);
    expect(tf.sum(placed).arraySync()).toBeCloseTo(2 * 2 * 3);
    tf.dispose([x, placed]);
  });
});
