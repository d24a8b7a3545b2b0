import { describe, expect, it } from 'vitest';
import { stretchContrast, valueRange } from './stretch';

const picture = (pixels: number[][]) => ({
  width: pixels.length,
  height: 1,
  rgba: Uint8ClampedArray.from(pixels.flat()),
});

describe('stretchContrast', () => {
  it('maps the darkest value to 0 and the brightest to 255, the same for every channel, ignoring transparent pixels', () => {
    const p = picture([
      [120, 130, 125, 255],
      [140, 120, 128, 255],
      [0, 0, 0, 0],
    ]);
    expect(valueRange(p)).toBe(20);
    const s = stretchContrast(p)!;
    expect(Array.from(s.rgba)).toEqual([0, 128, 64, 255, 255, 0, 102, 255, 0, 0, 0, 0]);
  });

  it('leaves a flat picture alone', () => {
    expect(
      stretchContrast(
        picture([
          [128, 128, 128, 255],
          [129, 128, 128, 255],
        ]),
      ),
    ).toBeNull();
  });
});
