import { describe, expect, it } from 'vitest';
import { thinPoints } from './thinPoints';

const range = (n: number) => Array.from({ length: n }, (_, i) => i);

describe('thinPoints', () => {
  it('keeps short curves whole', () => {
    expect(thinPoints(range(5), 10)).toEqual(range(5));
    expect(thinPoints(range(10), 10)).toEqual(range(10));
  });

  it('draws a long curve with at most max points, evenly spread, first and last kept', () => {
    const thin = thinPoints(range(1001), 11);
    expect(thin).toEqual([0, 100, 200, 300, 400, 500, 600, 700, 800, 900, 1000]);
    const odd = thinPoints(range(12345), 300);
    expect(odd).toHaveLength(300);
    expect(odd[0]).toBe(0);
    expect(odd.at(-1)).toBe(12344);
    expect(odd.every((v, i) => i === 0 || v > odd[i - 1]!)).toBe(true);
  });

  it('handles degenerate limits', () => {
    expect(thinPoints(range(5), 1)).toEqual([4]);
    expect(thinPoints(range(5), 0)).toEqual([]);
    expect(thinPoints([], 3)).toEqual([]);
  });
});
