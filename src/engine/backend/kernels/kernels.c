/*
 * Our kernels for tfjs's wasm backend: convolution (and, as its 1×1 case, matrix product), built
 * with relaxed SIMD's fused multiply-add and with plain SIMD128 multiply then add; and the
 * gradient of max pooling routed to each window's first maximum.
 *
 * The module owns no memory: it imports the tfjs module's memory and reads and writes tensors in
 * place, so it must use neither a stack nor static data (build.sh checks the binary for both).
 * Scratch (packed weights, padded bias) is allocated by the caller with tfjs's malloc.
 *
 * Layouts are tfjs's: x NHWC, filter [fh][fw][inC][outC], output NHWC. The convolution is an
 * implicit GEMM: each output pixel is a row, and each filter tap adds (the input pixel under the
 * tap) × (that tap's inC × outC slice). Weights are packed in panels of NR output channels so the
 * inner loop reads them contiguously, and MR neighbouring output pixels share each weight load.
 */
#include <wasm_simd128.h>

#define NR 8
#ifndef MR
#define MR 4
#endif

#ifdef USE_FMA
#define MADD(a, b, c) wasm_f32x4_relaxed_madd((a), (b), (c))
#else
#define MADD(a, b, c) wasm_f32x4_add(wasm_f32x4_mul((a), (b)), (c))
#endif

/* tfjs's FusableActivation values. */
enum { ACT_LINEAR = 0, ACT_RELU = 1, ACT_RELU6 = 2, ACT_PRELU = 3, ACT_LEAKY = 4 };

/* packed[p][t][k][j] = w[t*tapStride + k*kStride + (p*NR + j)*nStride], 0 past n. */
__attribute__((export_name("pack_weights"))) void pack_weights(const float *w, int taps, int k, int n,
                                                               int tapStride, int kStride, int nStride,
                                                               float *packed) {
  int panels = (n + NR - 1) / NR;
  for (int p = 0; p < panels; p++)
    for (int t = 0; t < taps; t++)
      for (int kk = 0; kk < k; kk++) {
        const float *src = w + t * tapStride + kk * kStride;
        for (int j = 0; j < NR; j++) {
          int col = p * NR + j;
          *packed++ = col < n ? src[col * nStride] : 0.0f;
        }
      }
}

/* slope: PReLU's slopes for these 4 channels. */
static inline v128_t activate(v128_t v, int act, float alpha, v128_t slope) {
  switch (act) {
  case ACT_RELU:
    return wasm_f32x4_max(v, wasm_f32x4_splat(0.0f));
  case ACT_RELU6:
    return wasm_f32x4_min(wasm_f32x4_max(v, wasm_f32x4_splat(0.0f)), wasm_f32x4_splat(6.0f));
  case ACT_PRELU:
    return wasm_v128_bitselect(wasm_f32x4_mul(v, slope), v, wasm_f32x4_lt(v, wasm_f32x4_splat(0.0f)));
  case ACT_LEAKY:
    return wasm_v128_bitselect(wasm_f32x4_mul(v, wasm_f32x4_splat(alpha)), v,
                               wasm_f32x4_lt(v, wasm_f32x4_splat(0.0f)));
  default:
    return v;
  }
}

/*
 * One output pixel's panel: bias and PReLU slopes (each padded to whole panels by the caller, or
 * null), activation, the first `cols` lanes.
 */
static inline void store(float *dst, v128_t lo, v128_t hi, const float *bias, const float *slopes, int cols,
                         int act, float alpha) {
  if (bias) {
    lo = wasm_f32x4_add(lo, wasm_v128_load(bias));
    hi = wasm_f32x4_add(hi, wasm_v128_load(bias + 4));
  }
  const v128_t s0 = slopes ? wasm_v128_load(slopes) : lo, s1 = slopes ? wasm_v128_load(slopes + 4) : hi;
  lo = activate(lo, act, alpha, s0);
  hi = activate(hi, act, alpha, s1);
  if (cols == NR) {
    wasm_v128_store(dst, lo);
    wasm_v128_store(dst + 4, hi);
    return;
  }
  if (cols >= 4) {
    wasm_v128_store(dst, lo);
    dst += 4;
    cols -= 4;
    lo = hi;
  }
  if (cols > 0) dst[0] = wasm_f32x4_extract_lane(lo, 0);
  if (cols > 1) dst[1] = wasm_f32x4_extract_lane(lo, 1);
  if (cols > 2) dst[2] = wasm_f32x4_extract_lane(lo, 2);
}

/* x (batch × inH × inW × c) copied into the middle of a zeroed batch × hp × wp × c buffer. */
__attribute__((export_name("pad_input"))) void pad_input(const float *x, int batch, int inH, int inW, int c,
                                                         int top, int left, int hp, int wp, float *out) {
  const v128_t zero = wasm_f32x4_splat(0);
  for (int b = 0; b < batch; b++)
    for (int y = 0; y < hp; y++) {
      float *dst = out + ((long)(b * hp + y) * wp) * c;
      const int iy = y - top;
      int n = 0;
      if (iy >= 0 && iy < inH) {
        for (; n < left * c; n++) dst[n] = 0;
        const float *src = x + ((long)(b * inH + iy) * inW) * c;
        int m = 0;
        for (; m + 4 <= inW * c; m += 4) wasm_v128_store(dst + n + m, wasm_v128_load(src + m));
        for (; m < inW * c; m++) dst[n + m] = src[m];
        n += inW * c;
      }
      for (; n + 4 <= wp * c; n += 4) wasm_v128_store(dst + n, zero);
      for (; n < wp * c; n++) dst[n] = 0;
    }
}

typedef struct {
  const float *x; /* padded: every tap of every output pixel lies inside */
  int hp, wp, inC;
  const float *packed;
  const float *bias, *slopes;
  int outC, fh, fw, sh, sw, dh, dw, outH, outW, act;
  float alpha;
  float *out;
} Conv;

/* Where output pixel `pix` (flattened over batch, rows, columns) starts reading x. */
static inline const float *origin(const Conv *c, int pix) {
  const int ox = pix % c->outW, rest = pix / c->outW, oy = rest % c->outH, b = rest / c->outH;
  return c->x + ((long)(b * c->hp + oy * c->sh) * c->wp + ox * c->sw) * c->inC;
}

static inline int cols_of(const Conv *c, int p) { return c->outC - p * NR < NR ? c->outC - p * NR : NR; }

/* A pixel's partial sums so far (from out), or zeros for the first group of taps. */
static inline void resume(const Conv *c, int pix, int p, int first, v128_t *lo, v128_t *hi) {
  *lo = *hi = wasm_f32x4_splat(0);
  if (first) return;
  const float *src = c->out + (long)pix * c->outC + p * NR;
  const int cols = cols_of(c, p);
  if (cols == NR) {
    *lo = wasm_v128_load(src);
    *hi = wasm_v128_load(src + 4);
    return;
  }
  /* Lane by lane (no stack array); the lanes past outC stay 0 and are never stored. */
  v128_t l = *lo, h = *hi;
  if (cols > 0) l = wasm_f32x4_replace_lane(l, 0, src[0]);
  if (cols > 1) l = wasm_f32x4_replace_lane(l, 1, src[1]);
  if (cols > 2) l = wasm_f32x4_replace_lane(l, 2, src[2]);
  if (cols > 3) l = wasm_f32x4_replace_lane(l, 3, src[3]);
  if (cols > 4) h = wasm_f32x4_replace_lane(h, 0, src[4]);
  if (cols > 5) h = wasm_f32x4_replace_lane(h, 1, src[5]);
  if (cols > 6) h = wasm_f32x4_replace_lane(h, 2, src[6]);
  *lo = l;
  *hi = h;
}

/* Partial sums back to out, or, after the last group of taps, with bias and activation. */
static inline void finish(const Conv *c, int pix, int p, int last, v128_t lo, v128_t hi) {
  float *dst = c->out + (long)pix * c->outC + p * NR;
  if (last)
    store(dst, lo, hi, c->bias ? c->bias + p * NR : 0, c->slopes ? c->slopes + p * NR : 0, cols_of(c, p), c->act,
          c->alpha);
  else
    store(dst, lo, hi, 0, 0, cols_of(c, p), ACT_LINEAR, 0);
}

/* The next output pixel's origin, given this one's column (advanced in place). */
static inline const float *next_origin(const Conv *c, const float *o, int *ox, int *oy) {
  if (++*ox < c->outW) return o + (long)c->sw * c->inC;
  *ox = 0;
  if (++*oy < c->outH) return o + ((long)c->sh * c->wp - (long)(c->outW - 1) * c->sw) * c->inC;
  *oy = 0;
  /* Next image: from the last row's last pixel to the next image's first. */
  return o + ((long)(c->hp - (c->outH - 1) * c->sh) * c->wp - (long)(c->outW - 1) * c->sw) * c->inC;
}

/*
 * The reduction over taps t0..t1-1 and channels k0..k1-1 runs as spans, worked out once per slice
 * (no division in the pixel loops). With no horizontal dilation, a whole filter row's taps × all
 * channels are contiguous both in x and in the packed weights: one long loop instead of fw short
 * ones (3 channels × 3 taps → 9). A span is 3 ints: offset from a pixel's origin in x, length,
 * offset of its weights within a panel.
 */
static int make_spans(const Conv *c, int t0, int t1, int k0, int k1, int *spans) {
  int n = 0;
  for (int t = t0; t < t1; n++) {
    const int ky = t / c->fw, kx = t % c->fw;
    const int whole = k0 == 0 && k1 == c->inC && c->dw == 1 && kx == 0 && t + c->fw <= t1;
    spans[3 * n] = (ky * c->dh * c->wp + kx * c->dw) * c->inC + k0;
    spans[3 * n + 1] = whole ? c->fw * c->inC : k1 - k0;
    spans[3 * n + 2] = (t * c->inC + k0) * NR;
    t += whole ? c->fw : 1;
  }
  return n;
}

/* Output pixels pix..pix+MR-1 (any rows, any images), panel p, the slice's spans. */
static inline void block(const Conv *c, int pix, int p, const int *spans, int n, int first, int last) {
  v128_t lo[MR], hi[MR];
  const float *o[MR];
  int ox = pix % c->outW, oy = (pix / c->outW) % c->outH;
  o[0] = origin(c, pix);
#pragma clang loop unroll(full)
  for (int m = 1; m < MR; m++) o[m] = next_origin(c, o[m - 1], &ox, &oy);
#pragma clang loop unroll(full)
  for (int m = 0; m < MR; m++) resume(c, pix + m, p, first, &lo[m], &hi[m]);
  const float *panel = c->packed + (long)p * c->fh * c->fw * c->inC * NR;
  for (int s = 0; s < n; s++) {
    const int offset = spans[3 * s], length = spans[3 * s + 1];
    const float *w = panel + spans[3 * s + 2];
    for (int k = 0; k < length; k++) {
      const v128_t w0 = wasm_v128_load(w), w1 = wasm_v128_load(w + 4);
      w += NR;
#pragma clang loop unroll(full)
      for (int m = 0; m < MR; m++) {
        const v128_t v = wasm_v128_load32_splat(o[m] + offset + k);
        lo[m] = MADD(v, w0, lo[m]);
        hi[m] = MADD(v, w1, hi[m]);
      }
    }
  }
#pragma clang loop unroll(full)
  for (int m = 0; m < MR; m++) finish(c, pix + m, p, last, lo[m], hi[m]);
}

static inline void pixel(const Conv *c, int pix, int p, const int *spans, int n, int first, int last) {
  v128_t a0, a1;
  resume(c, pix, p, first, &a0, &a1);
  const float *o0 = origin(c, pix);
  const float *panel = c->packed + (long)p * c->fh * c->fw * c->inC * NR;
  for (int s = 0; s < n; s++) {
    const float *r = o0 + spans[3 * s];
    const float *w = panel + spans[3 * s + 2];
    for (int k = 0; k < spans[3 * s + 1]; k++) {
      const v128_t v = wasm_v128_load32_splat(r + k);
      a0 = MADD(v, wasm_v128_load(w), a0);
      a1 = MADD(v, wasm_v128_load(w + 4), a1);
      w += NR;
    }
  }
  finish(c, pix, p, last, a0, a1);
}

/*
 * x must already be padded (pad_input) so that hp ≥ (outH-1)·sh + (fh-1)·dh + 1, likewise wp.
 * spans: scratch for 3·fh·fw ints.
 * Blocked for the caches like a GEMM: the reduction (taps × input channels) goes in slices of
 * about KC multiply-adds per output (whole taps when a tap has fewer channels, else one tap's
 * channels in ranges), so a panel's slice (KC × NR floats) stays in L1; the output pixels go in
 * chunks whose input under a slice (about 256 KB) stays in L2 while every panel passes over it.
 * Partial sums wait in the output between slices.
 */
#define KC 512
__attribute__((export_name("conv2d"))) void conv2d(const float *x, int batch, int hp, int wp, int inC,
                                                   const float *packed, const float *bias, const float *slopes,
                                                   int outC, int fh,
                                                   int fw, int sh, int sw, int dh, int dw, int outH, int outW,
                                                   int act, float alpha, int *spans, float *out) {
  const Conv c = {x, hp, wp, inC, packed, bias, slopes, outC, fh, fw, sh, sw, dh, dw, outH, outW, act, alpha, out};
  const int panels = (outC + NR - 1) / NR, pixels = batch * outH * outW, taps = fh * fw;
  /* Slices: tapsPer taps × channelsPer channels; one of the two is whole. */
  const int ranges = (inC + KC - 1) / KC;
  const int channelsPer = (inC + ranges - 1) / ranges;
  const int tapGroups = ranges > 1 ? taps : (taps * inC + KC - 1) / KC < taps ? (taps * inC + KC - 1) / KC : taps;
  const int tapsPer = ranges > 1 ? 1 : (taps + tapGroups - 1) / tapGroups;
  int chunk = 65536 / (tapsPer * channelsPer);
  chunk = chunk < MR ? MR : chunk > 4096 ? 4096 : chunk - chunk % MR;
  for (int start = 0; start < pixels; start += chunk) {
    const int end = start + chunk < pixels ? start + chunk : pixels;
    for (int t0 = 0; t0 < taps; t0 += tapsPer) {
      const int t1 = t0 + tapsPer < taps ? t0 + tapsPer : taps;
      for (int k0 = 0; k0 < inC; k0 += channelsPer) {
        const int k1 = k0 + channelsPer < inC ? k0 + channelsPer : inC;
        const int first = t0 == 0 && k0 == 0, last = t1 == taps && k1 == inC;
        const int n = make_spans(&c, t0, t1, k0, k1, spans);
        for (int p = 0; p < panels; p++) {
          int pix = start;
          for (; pix + MR <= end; pix += MR) block(&c, pix, p, spans, n, first, last);
          for (; pix < end; pix++) pixel(&c, pix, p, spans, n, first, last);
        }
      }
    }
  }
}

/*
 * dx of y = maxPool(x), from dy: each window's gradient goes to its FIRST maximal cell in row-major
 * order (PyTorch's rule; ties are common after ReLU), summed where windows overlap. x, dx are
 * batch × h × w × c; y, dy batch × oh × ow × c; windows start at (oy·sh − top, ox·sw − left) and
 * their cells outside x (padding) are skipped. Four channels at a time.
 */
__attribute__((export_name("max_pool_first_max_grad"))) void max_pool_first_max_grad(
    const float *x, const float *y, const float *dy, int batch, int h, int w, int c, int kh, int kw, int sh, int sw,
    int top, int left, int oh, int ow, float *dx) {
  const long size = (long)batch * h * w * c;
  long n = 0;
  for (; n + 4 <= size; n += 4) wasm_v128_store(dx + n, wasm_f32x4_splat(0));
  for (; n < size; n++) dx[n] = 0;
  for (int b = 0; b < batch; b++)
    for (int oy = 0; oy < oh; oy++)
      for (int ox = 0; ox < ow; ox++) {
        const long at = (((long)b * oh + oy) * ow + ox) * c;
        const int y0 = oy * sh - top, x0 = ox * sw - left;
        int ch = 0;
        for (; ch + 4 <= c; ch += 4) {
          const v128_t m = wasm_v128_load(y + at + ch), g = wasm_v128_load(dy + at + ch);
          v128_t found = wasm_i32x4_splat(0);
          for (int i = 0; i < kh; i++) {
            const int iy = y0 + i;
            if (iy < 0 || iy >= h) continue;
            for (int j = 0; j < kw; j++) {
              const int ix = x0 + j;
              if (ix < 0 || ix >= w) continue;
              const long cell = (((long)b * h + iy) * w + ix) * c + ch;
              const v128_t hit = wasm_v128_andnot(wasm_f32x4_eq(wasm_v128_load(x + cell), m), found);
              wasm_v128_store(dx + cell, wasm_f32x4_add(wasm_v128_load(dx + cell), wasm_v128_and(g, hit)));
              found = wasm_v128_or(found, hit);
            }
          }
        }
        for (; ch < c; ch++) {
          const float m = y[at + ch];
          int done = 0;
          for (int i = 0; i < kh && !done; i++) {
            const int iy = y0 + i;
            if (iy < 0 || iy >= h) continue;
            for (int j = 0; j < kw && !done; j++) {
              const int ix = x0 + j;
              if (ix < 0 || ix >= w) continue;
              const long cell = (((long)b * h + iy) * w + ix) * c + ch;
              if (x[cell] == m) {
                dx[cell] += dy[at + ch];
                done = 1;
              }
            }
          }
        }
      }
}

/*
 * The multiply-add peak of this build on this machine: 12 independent accumulators (enough to
 * cover the instruction's latency) times `n` rounds, 96 flops a round. Returns their sum so the
 * work cannot be optimised away.
 */
__attribute__((export_name("peak"))) float peak(int n) {
  v128_t a0 = wasm_f32x4_splat(0.f), a1 = wasm_f32x4_splat(1.f), a2 = wasm_f32x4_splat(2.f),
         a3 = wasm_f32x4_splat(3.f), a4 = wasm_f32x4_splat(4.f), a5 = wasm_f32x4_splat(5.f),
         a6 = wasm_f32x4_splat(6.f), a7 = wasm_f32x4_splat(7.f), a8 = wasm_f32x4_splat(8.f),
         a9 = wasm_f32x4_splat(9.f), a10 = wasm_f32x4_splat(10.f), a11 = wasm_f32x4_splat(11.f);
  const v128_t m = wasm_f32x4_splat(0.999999f), d = wasm_f32x4_splat(1e-7f);
  for (int i = 0; i < n; i++) {
    a0 = MADD(a0, m, d), a1 = MADD(a1, m, d), a2 = MADD(a2, m, d), a3 = MADD(a3, m, d);
    a4 = MADD(a4, m, d), a5 = MADD(a5, m, d), a6 = MADD(a6, m, d), a7 = MADD(a7, m, d);
    a8 = MADD(a8, m, d), a9 = MADD(a9, m, d), a10 = MADD(a10, m, d), a11 = MADD(a11, m, d);
  }
  v128_t s = wasm_f32x4_add(wasm_f32x4_add(wasm_f32x4_add(a0, a1), wasm_f32x4_add(a2, a3)),
                            wasm_f32x4_add(wasm_f32x4_add(a4, a5), wasm_f32x4_add(a6, a7)));
  s = wasm_f32x4_add(s, wasm_f32x4_add(wasm_f32x4_add(a8, a9), wasm_f32x4_add(a10, a11)));
  return wasm_f32x4_extract_lane(s, 0) + wasm_f32x4_extract_lane(s, 1) + wasm_f32x4_extract_lane(s, 2) +
         wasm_f32x4_extract_lane(s, 3);
}
