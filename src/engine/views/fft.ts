/**
 * Discrete Fourier transforms in plain JavaScript for the prompt's frequency view: an iterative
 * radix-2 FFT for powers of two, a mixed-radix plan for a power of two times a small odd factor
 * (224 = 7 · 32) and Bluestein's chirp-z algorithm for every other length (299 = 13 · 23), then
 * the 2-D log-magnitude spectrum, centred, averaged over the colour channels, as AutoVP's
 * frequency analysis shows it.
 */

const isPowerOfTwo = (n: number) => n > 0 && (n & (n - 1)) === 0;

/** Twiddle factors and bit-reversal table of a radix-2 FFT of length n (a power of two). */
class Radix2 {
  private readonly cos: Float64Array;
  private readonly sin: Float64Array;
  private readonly reversed: Uint32Array;

  constructor(readonly n: number) {
    if (!isPowerOfTwo(n)) throw new Error(`radix-2 FFT needs a power of two, not ${n}`);
    this.cos = new Float64Array(n / 2);
    this.sin = new Float64Array(n / 2);
    for (let k = 0; k < n / 2; k++) {
      this.cos[k] = Math.cos((2 * Math.PI * k) / n);
      this.sin[k] = -Math.sin((2 * Math.PI * k) / n);
    }
    this.reversed = new Uint32Array(n);
    const bits = Math.log2(n);
    for (let i = 0; i < n; i++) {
      let r = 0;
      for (let b = 0, x = i; b < bits; b++, x >>= 1) r = (r << 1) | (x & 1);
      this.reversed[i] = r;
    }
  }

  /** In place; `inverse` conjugates the twiddles (no 1/n scaling). */
  transform(re: Float64Array, im: Float64Array, inverse = false): void {
    const { n, cos, sin, reversed } = this;
    for (let i = 0; i < n; i++) {
      const j = reversed[i]!;
      if (j > i) {
        const tr = re[i]!;
        re[i] = re[j]!;
        re[j] = tr;
        const ti = im[i]!;
        im[i] = im[j]!;
        im[j] = ti;
      }
    }
    const sign = inverse ? -1 : 1;
    for (let size = 2; size <= n; size *= 2) {
      const half = size / 2;
      const step = n / size;
      for (let start = 0; start < n; start += size) {
        for (let k = 0; k < half; k++) {
          const wr = cos[k * step]!;
          const wi = sign * sin[k * step]!;
          const a = start + k;
          const b = a + half;
          const xr = re[b]! * wr - im[b]! * wi;
          const xi = re[b]! * wi + im[b]! * wr;
          re[b] = re[a]! - xr;
          im[b] = im[a]! - xi;
          re[a] = re[a]! + xr;
          im[a] = im[a]! + xi;
        }
      }
    }
  }
}

/** Largest odd factor handled by a direct DFT in the mixed-radix plan (224 = 7 · 32). */
const MAX_DIRECT = 16;

/**
 * N = P·Q with Q a power of two and P small (Cooley–Tukey in four steps): P-point direct DFTs
 * over the strided inputs, twiddles, then Q-point radix-2 FFTs.
 */
class MixedRadix {
  private readonly radix: Radix2;
  /** e^(−2πi·ab/P), [P·P]. */
  private readonly dftRe: Float64Array;
  private readonly dftIm: Float64Array;
  /** e^(−2πi·n2·k1/N), [k1·Q + n2]. */
  private readonly twRe: Float64Array;
  private readonly twIm: Float64Array;
  private readonly bufRe: Float64Array;
  private readonly bufIm: Float64Array;
  private readonly rowsRe: Float64Array[];
  private readonly rowsIm: Float64Array[];

  constructor(
    readonly p: number,
    readonly q: number,
  ) {
    const n = p * q;
    this.radix = new Radix2(q);
    this.dftRe = new Float64Array(p * p);
    this.dftIm = new Float64Array(p * p);
    for (let a = 0; a < p; a++) {
      for (let b = 0; b < p; b++) {
        const angle = (-2 * Math.PI * ((a * b) % p)) / p;
        this.dftRe[a * p + b] = Math.cos(angle);
        this.dftIm[a * p + b] = Math.sin(angle);
      }
    }
    this.twRe = new Float64Array(n);
    this.twIm = new Float64Array(n);
    for (let k1 = 0; k1 < p; k1++) {
      for (let n2 = 0; n2 < q; n2++) {
        const angle = (-2 * Math.PI * ((n2 * k1) % n)) / n;
        this.twRe[k1 * q + n2] = Math.cos(angle);
        this.twIm[k1 * q + n2] = Math.sin(angle);
      }
    }
    this.bufRe = new Float64Array(n);
    this.bufIm = new Float64Array(n);
    this.rowsRe = Array.from({ length: p }, (_, k1) => this.bufRe.subarray(k1 * q, (k1 + 1) * q));
    this.rowsIm = Array.from({ length: p }, (_, k1) => this.bufIm.subarray(k1 * q, (k1 + 1) * q));
  }

  transform(re: Float64Array, im: Float64Array): void {
    const { p, q, dftRe, dftIm, twRe, twIm, bufRe, bufIm } = this;
    // x[q·n1 + n2] → y[k1][n2] = tw · Σ_n1 x[q·n1 + n2]·e^(−2πi·n1·k1/p)
    for (let n2 = 0; n2 < q; n2++) {
      for (let k1 = 0; k1 < p; k1++) {
        let sr = 0;
        let si = 0;
        for (let n1 = 0; n1 < p; n1++) {
          const xr = re[q * n1 + n2]!;
          const xi = im[q * n1 + n2]!;
          const wr = dftRe[n1 * p + k1]!;
          const wi = dftIm[n1 * p + k1]!;
          sr += xr * wr - xi * wi;
          si += xr * wi + xi * wr;
        }
        const o = k1 * q + n2;
        bufRe[o] = sr * twRe[o]! - si * twIm[o]!;
        bufIm[o] = sr * twIm[o]! + si * twRe[o]!;
      }
    }
    // X[k1 + p·k2] = Σ_n2 y[k1][n2]·e^(−2πi·n2·k2/q)
    for (let k1 = 0; k1 < p; k1++) {
      const rr = this.rowsRe[k1]!;
      const ri = this.rowsIm[k1]!;
      this.radix.transform(rr, ri);
      for (let k2 = 0; k2 < q; k2++) {
        re[k1 + p * k2] = rr[k2]!;
        im[k1 + p * k2] = ri[k2]!;
      }
    }
  }
}

/** Bluestein's chirp-z: a DFT of any length n through radix-2 FFTs of length ≥ 2n − 1. */
class Bluestein {
  private readonly radix: Radix2;
  /** The chirp e^(−πi·k²/n) and the FFT of its conjugate, zero-padded and wrapped. */
  private readonly chirpRe: Float64Array;
  private readonly chirpIm: Float64Array;
  private readonly fftRe: Float64Array;
  private readonly fftIm: Float64Array;
  private readonly workRe: Float64Array;
  private readonly workIm: Float64Array;

  constructor(readonly n: number) {
    let m = 1;
    while (m < 2 * n - 1) m *= 2;
    this.radix = new Radix2(m);
    this.chirpRe = new Float64Array(n);
    this.chirpIm = new Float64Array(n);
    for (let k = 0; k < n; k++) {
      // k² mod 2n keeps the angle exact for large k.
      const angle = (Math.PI * ((k * k) % (2 * n))) / n;
      this.chirpRe[k] = Math.cos(angle);
      this.chirpIm[k] = -Math.sin(angle);
    }
    this.fftRe = new Float64Array(m);
    this.fftIm = new Float64Array(m);
    for (let k = 0; k < n; k++) {
      this.fftRe[k] = this.chirpRe[k]!;
      this.fftIm[k] = -this.chirpIm[k]!;
      if (k > 0) {
        this.fftRe[m - k] = this.chirpRe[k]!;
        this.fftIm[m - k] = -this.chirpIm[k]!;
      }
    }
    this.radix.transform(this.fftRe, this.fftIm);
    this.workRe = new Float64Array(m);
    this.workIm = new Float64Array(m);
  }

  transform(re: Float64Array, im: Float64Array): void {
    const { n, chirpRe, chirpIm, fftRe, fftIm } = this;
    const m = this.radix.n;
    const ar = this.workRe;
    const ai = this.workIm;
    ar.fill(0);
    ai.fill(0);
    for (let k = 0; k < n; k++) {
      ar[k] = re[k]! * chirpRe[k]! - im[k]! * chirpIm[k]!;
      ai[k] = re[k]! * chirpIm[k]! + im[k]! * chirpRe[k]!;
    }
    this.radix.transform(ar, ai);
    for (let k = 0; k < m; k++) {
      const xr = ar[k]! * fftRe[k]! - ai[k]! * fftIm[k]!;
      const xi = ar[k]! * fftIm[k]! + ai[k]! * fftRe[k]!;
      ar[k] = xr;
      ai[k] = xi;
    }
    this.radix.transform(ar, ai, true);
    for (let k = 0; k < n; k++) {
      const cr = ar[k]! / m;
      const ci = ai[k]! / m;
      re[k] = cr * chirpRe[k]! - ci * chirpIm[k]!;
      im[k] = cr * chirpIm[k]! + ci * chirpRe[k]!;
    }
  }
}

/**
 * A forward DFT of one length, X[k] = Σ x[j]·e^(−2πi·jk/n), reusable for many signals: radix-2
 * when n is a power of two, mixed radix when n is a power of two times a small odd factor
 * (224 = 7 · 32), Bluestein's algorithm otherwise (299 = 13 · 23).
 */
export class FftPlan {
  private readonly impl: { transform(re: Float64Array, im: Float64Array): void };

  constructor(readonly n: number) {
    if (!Number.isInteger(n) || n < 1) throw new Error(`FFT length must be a positive integer, not ${n}`);
    let q = 1;
    while (n % (q * 2) === 0) q *= 2;
    const p = n / q;
    if (p === 1) this.impl = new Radix2(n);
    else if (p <= MAX_DIRECT) this.impl = new MixedRadix(p, q);
    else this.impl = new Bluestein(n);
  }

  /** The forward DFT of (re, im), in place (arrays of length n). */
  transform(re: Float64Array, im: Float64Array): void {
    if (re.length !== this.n || im.length !== this.n) throw new Error(`FFT plan of length ${this.n} got ${re.length}`);
    this.impl.transform(re, im);
  }
}

/** The 2-D DFT of a height×width complex image (row-major), in place: rows, then columns. */
export function fft2d(re: Float64Array, im: Float64Array, height: number, width: number): void {
  if (re.length !== height * width || im.length !== height * width) throw new Error('fft2d: size mismatch');
  const rows = new FftPlan(width);
  const rowRe = new Float64Array(width);
  const rowIm = new Float64Array(width);
  for (let y = 0; y < height; y++) {
    const o = y * width;
    rowRe.set(re.subarray(o, o + width));
    rowIm.set(im.subarray(o, o + width));
    rows.transform(rowRe, rowIm);
    re.set(rowRe, o);
    im.set(rowIm, o);
  }
  const cols = height === width ? rows : new FftPlan(height);
  const colRe = new Float64Array(height);
  const colIm = new Float64Array(height);
  for (let x = 0; x < width; x++) {
    for (let y = 0; y < height; y++) {
      colRe[y] = re[y * width + x]!;
      colIm[y] = im[y * width + x]!;
    }
    cols.transform(colRe, colIm);
    for (let y = 0; y < height; y++) {
      re[y * width + x] = colRe[y]!;
      im[y * width + x] = colIm[y]!;
    }
  }
}

/**
 * Moves the zero frequency to the centre (numpy's fftshift): element (y, x) goes to
 * ((y + ⌊h/2⌋) mod h, (x + ⌊w/2⌋) mod w).
 */
export function fftShift(values: Float32Array, height: number, width: number): Float32Array {
  const out = new Float32Array(values.length);
  const dy = Math.floor(height / 2);
  const dx = Math.floor(width / 2);
  for (let y = 0; y < height; y++) {
    const ty = (y + dy) % height;
    for (let x = 0; x < width; x++) out[ty * width + ((x + dx) % width)] = values[y * width + x]!;
  }
  return out;
}

/**
 * The log-magnitude spectrum log(1 + |F|) of an H×W×C image (row-major, channels last), one 2-D
 * DFT per channel, averaged over the channels and centred (zero frequency at (⌊h/2⌋, ⌊w/2⌋)).
 * Channels are real, so two of them share one complex transform: with z = a + ib,
 * A[u,v] = (Z[u,v] + conj Z[−u,−v]) / 2 and B[u,v] = (Z[u,v] − conj Z[−u,−v]) / 2i.
 */
export function logMagnitudeSpectrum(
  values: Float32Array,
  height: number,
  width: number,
  channels: number,
): Float32Array {
  if (values.length !== height * width * channels) throw new Error('logMagnitudeSpectrum: size mismatch');
  const n = height * width;
  const sum = new Float32Array(n);
  const re = new Float64Array(n);
  const im = new Float64Array(n);
  for (let c = 0; c < channels; c += 2) {
    const pair = c + 1 < channels;
    for (let p = 0; p < n; p++) {
      re[p] = values[p * channels + c]!;
      im[p] = pair ? values[p * channels + c + 1]! : 0;
    }
    fft2d(re, im, height, width);
    if (!pair) {
      for (let p = 0; p < n; p++) sum[p] = sum[p]! + Math.log1p(Math.sqrt(re[p]! * re[p]! + im[p]! * im[p]!));
      continue;
    }
    for (let u = 0; u < height; u++) {
      const mu = (height - u) % height;
      for (let v = 0; v < width; v++) {
        const p = u * width + v;
        const m = mu * width + ((width - v) % width);
        const zr = re[p]!;
        const zi = im[p]!;
        const cr = re[m]!;
        const ci = -im[m]!;
        // A = (z + conj z_m)/2, B = (z − conj z_m)/(2i)
        const ar = (zr + cr) / 2;
        const ai = (zi + ci) / 2;
        const br = (zi - ci) / 2;
        const bi = -(zr - cr) / 2;
        sum[p] = sum[p]! + Math.log1p(Math.sqrt(ar * ar + ai * ai)) + Math.log1p(Math.sqrt(br * br + bi * bi));
      }
    }
  }
  for (let p = 0; p < n; p++) sum[p] = sum[p]! / channels;
  return fftShift(sum, height, width);
}
