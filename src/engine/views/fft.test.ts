import { describe, expect, it } from 'vitest';
import { Rng } from '../../core/util/rng';
import { FftPlan, fft2d, fftShift, logMagnitudeSpectrum } from './fft';

/** X[k] = Σ x[j]·e^(−2πi·jk/n), straight from the definition. */
function naiveDft(re: ArrayLike<number>, im: ArrayLike<number>): { re: Float64Array; im: Float64Array } {
  const n = re.length;
  const outRe = new Float64Array(n);
  const outIm = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    for (let j = 0; j < n; j++) {
      const a = (-2 * Math.PI * ((j * k) % n)) / n;
      outRe[k] = outRe[k]! + re[j]! * Math.cos(a) - im[j]! * Math.sin(a);
      outIm[k] = outIm[k]! + re[j]! * Math.sin(a) + im[j]! * Math.cos(a);
    }
  }
  return { re: outRe, im: outIm };
}

function randomSignal(n: number, seed: number) {
  const rng = new Rng(seed);
  return {
    re: Float64Array.from({ length: n }, () => rng.normal()),
    im: Float64Array.from({ length: n }, () => rng.normal()),
  };
}

const maxDiff = (a: ArrayLike<number>, b: ArrayLike<number>) =>
  Array.from(a).reduce((m, v, i) => Math.max(m, Math.abs(v - b[i]!)), 0);

describe('FftPlan', () => {
  // Powers of two (radix-2), a power of two times a small odd factor (mixed radix: 3, 5, 7, 12, 224) and other
  // lengths (Bluestein: 31, 100, 299), model canvases 224 and 299 among them.
  it.each([1, 2, 3, 5, 7, 8, 12, 16, 31, 64, 100, 224, 299])('matches a naive DFT for length %i', (n) => {
    const x = randomSignal(n, n);
    const want = naiveDft(x.re, x.im);
    const re = x.re.slice();
    const im = x.im.slice();
    new FftPlan(n).transform(re, im);
    const scale = Math.sqrt(n);
    expect(maxDiff(re, want.re) / scale).toBeLessThan(1e-9);
    expect(maxDiff(im, want.im) / scale).toBeLessThan(1e-9);
  });

  it('gives known transforms: an impulse is flat, a constant is all at zero frequency, a cosine has two peaks', () => {
    const n = 12;
    const plan = new FftPlan(n);
    const impulse = { re: new Float64Array(n), im: new Float64Array(n) };
    impulse.re[0] = 1;
    plan.transform(impulse.re, impulse.im);
    expect(maxDiff(impulse.re, new Float64Array(n).fill(1))).toBeLessThan(1e-12);
    expect(maxDiff(impulse.im, new Float64Array(n))).toBeLessThan(1e-12);

    const constant = { re: new Float64Array(n).fill(2), im: new Float64Array(n) };
    plan.transform(constant.re, constant.im);
    expect(constant.re[0]).toBeCloseTo(2 * n, 10);
    expect(maxDiff(constant.re.subarray(1), new Float64Array(n - 1))).toBeLessThan(1e-10);

    const cosine = {
      re: Float64Array.from({ length: n }, (_, j) => Math.cos((2 * Math.PI * 3 * j) / n)),
      im: new Float64Array(n),
    };
    plan.transform(cosine.re, cosine.im);
    const mags = Array.from(cosine.re, (r, k) => Math.hypot(r, cosine.im[k]!));
    mags.forEach((m, k) => expect(m).toBeCloseTo(k === 3 || k === n - 3 ? n / 2 : 0, 9));
  });

  it('refuses a signal of another length', () => {
    expect(() => new FftPlan(8).transform(new Float64Array(4), new Float64Array(4))).toThrow(/length 8/);
    expect(() => new FftPlan(0)).toThrow();
  });
});

describe('fft2d', () => {
  it('matches a naive 2-D DFT of a non-square, non-power-of-two image', () => {
    const h = 6;
    const w = 10;
    const x = randomSignal(h * w, 3);
    const want = { re: new Float64Array(h * w), im: new Float64Array(h * w) };
    for (let u = 0; u < h; u++) {
      for (let v = 0; v < w; v++) {
        for (let y = 0; y < h; y++) {
          for (let z = 0; z < w; z++) {
            const a = -2 * Math.PI * ((u * y) / h + (v * z) / w);
            const r = x.re[y * w + z]!;
            const i = x.im[y * w + z]!;
            const o = u * w + v;
            want.re[o] = want.re[o]! + r * Math.cos(a) - i * Math.sin(a);
            want.im[o] = want.im[o]! + r * Math.sin(a) + i * Math.cos(a);
          }
        }
      }
    }
    const re = x.re.slice();
    const im = x.im.slice();
    fft2d(re, im, h, w);
    expect(maxDiff(re, want.re)).toBeLessThan(1e-9);
    expect(maxDiff(im, want.im)).toBeLessThan(1e-9);
  });
});

describe('fftShift', () => {
  it('moves the zero frequency to the centre like numpy.fft.fftshift', () => {
    // numpy.fft.fftshift(np.arange(5)) = [3, 4, 0, 1, 2]; for 4: [2, 3, 0, 1].
    expect(Array.from(fftShift(Float32Array.of(0, 1, 2, 3, 4), 1, 5))).toEqual([3, 4, 0, 1, 2]);
    expect(Array.from(fftShift(Float32Array.of(0, 1, 2, 3), 1, 4))).toEqual([2, 3, 0, 1]);
    expect(Array.from(fftShift(Float32Array.of(0, 1, 2, 3, 4, 5), 3, 2))).toEqual([5, 4, 1, 0, 3, 2]);
  });
});

describe('logMagnitudeSpectrum', () => {
  it('puts a constant image all at the centre, averaged over channels', () => {
    const h = 5;
    const w = 4;
    const values = new Float32Array(h * w * 3);
    for (let p = 0; p < h * w; p++) values.set([1, 2, 3], p * 3);
    const s = logMagnitudeSpectrum(values, h, w, 3);
    const centre = Math.floor(h / 2) * w + Math.floor(w / 2);
    const expected = (Math.log1p(h * w * 1) + Math.log1p(h * w * 2) + Math.log1p(h * w * 3)) / 3;
    expect(s[centre]).toBeCloseTo(expected, 5);
    s.forEach((v, p) => {
      if (p !== centre) expect(v).toBeCloseTo(0, 5);
    });
  });

  it('shows a horizontal stripe pattern as two peaks beside the centre on the horizontal axis', () => {
    const n = 16;
    const values = new Float32Array(n * n);
    for (let y = 0; y < n; y++) for (let x = 0; x < n; x++) values[y * n + x] = Math.cos((2 * Math.PI * 4 * x) / n);
    const s = logMagnitudeSpectrum(values, n, n, 1);
    const peak = Math.log1p((n * n) / 2);
    expect(s[8 * n + 8 + 4]).toBeCloseTo(peak, 4);
    expect(s[8 * n + 8 - 4]).toBeCloseTo(peak, 4);
    expect(s[8 * n + 8]).toBeCloseTo(0, 4);
  });

  it('costs little for a 224×224×3 prompt', () => {
    const c = 224;
    const rng = new Rng(5);
    const values = Float32Array.from({ length: c * c * 3 }, () => rng.next());
    logMagnitudeSpectrum(values, c, c, 3); // warm up
    const t0 = performance.now();
    logMagnitudeSpectrum(values, c, c, 3);
    const ms = performance.now() - t0;
    console.info(`logMagnitudeSpectrum 224×224×3: ${ms.toFixed(1)} ms`);
    expect(ms).toBeLessThan(1000);
  });
});
