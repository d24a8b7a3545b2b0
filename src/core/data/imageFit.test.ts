import { describe, expect, it } from 'vitest';
import { fitRects } from './imageFit';

describe('fitRects', () => {
  it('crops the centre square of landscape and portrait images', () => {
    expect(fitRects(400, 200, 128, 'crop')).toEqual({ sx: 100, sy: 0, sw: 200, sh: 200, dx: 0, dy: 0, dw: 128, dh: 128 });
    expect(fitRects(30, 61, 128, 'crop')).toEqual({ sx: 0, sy: 15.5, sw: 30, sh: 30, dx: 0, dy: 0, dw: 128, dh: 128 });
  });

  it('letterboxes with whole-pixel bars, centred', () => {
    expect(fitRects(400, 200, 128, 'pad')).toEqual({ sx: 0, sy: 0, sw: 400, sh: 200, dx: 0, dy: 32, dw: 128, dh: 64 });
    expect(fitRects(1, 1000, 128, 'pad')).toMatchObject({ dx: 63, dy: 0, dw: 1, dh: 128 });
  });

  it('stretches, and treats squares the same in every mode', () => {
    expect(fitRects(400, 200, 128, 'stretch')).toEqual({ sx: 0, sy: 0, sw: 400, sh: 200, dx: 0, dy: 0, dw: 128, dh: 128 });
    for (const fit of ['crop', 'pad', 'stretch'] as const) expect(fitRects(50, 50, 128, fit)).toEqual(fitRects(50, 50, 128, 'stretch'));
    expect(() => fitRects(0, 5, 128, 'crop')).toThrow();
  });
});
