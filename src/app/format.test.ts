import { describe, expect, it } from 'vitest';
import { downloadPace, duration } from './format';

describe('duration', () => {
  it.each([
    [0, '0 s'],
    [0.4, '0 s'],
    [42.2, '42 s'],
    [59.4, '59 s'],
    [59.6, '1 min 0 s'],
    [60, '1 min 0 s'],
    [65, '1 min 5 s'],
    [119.5, '2 min 0 s'],
    [179.6, '3 min 0 s'],
    [3599.4, '59 min 59 s'],
    [3599.9, '1 h 0 min'],
    [3600, '1 h 0 min'],
    [3629, '1 h 0 min'],
    [3631, '1 h 1 min'],
    [7140, '1 h 59 min'],
    [7199, '2 h 0 min'],
  ])('%s s reads "%s"', (seconds, text) => {
    expect(duration(seconds)).toBe(text);
  });

  it('never shows a full unit as a remainder', () => {
    for (let s = 0; s < 2 * 3600; s += 0.25) {
      const text = duration(s);
      expect(text, `${s} s`).not.toMatch(/\b60 s|\b60 min/);
    }
  });

  it('says nothing for times it cannot know', () => {
    expect(duration(NaN)).toBe('–');
    expect(duration(-1)).toBe('–');
    expect(duration(Infinity)).toBe('–');
  });
});

describe('downloadPace', () => {
  it('extrapolates the rate so far to what is left', () => {
    // 100 MiB of 600 MiB in 10 s: 10 MiB/s, 50 s left.
    expect(downloadPace(100 * 1024 ** 2, 600 * 1024 ** 2, 10)).toBe('10.0 MB/s, about 50 s left');
  });
  it('says nothing before a rate means anything', () => {
    expect(downloadPace(0, 1000, 5)).toBeNull();
    expect(downloadPace(500, 1000, 0.5)).toBeNull();
  });
  it('reads "0 s left" when the total was underestimated', () => {
    expect(downloadPace(2000, 1000, 2)).toBe('1000 B/s, about 0 s left');
  });
});
