// SPDX-License-Identifier: MIT
// Double-precision complex FFTs for host-side operator work (reference applications of blur and
// Fourier operators, kernel spectra, operator norms). Any length: radix-2 for powers of two,
// Bluestein's chirp-z through a power-of-two FFT otherwise. Unnormalised in both directions:
// forward X_k = Σ_j x_j e^{−2πi jk/n}, inverse x_j = Σ_k X_k e^{+2πi jk/n}. The native hot loop
// has its own float implementation (native/core/fft.h).

interface Plan {
  readonly n: number;
  readonly cos: Float64Array; // radix-2 twiddles of length M (M/2 entries)
  readonly sin: Float64Array;
  readonly M: number; // n for powers of two, else the Bluestein length ≥ 2n − 1
  readonly chirpRe?: Float64Array; // w_j = e^{−πi j²/n}
  readonly chirpIm?: Float64Array;
  readonly bRe?: Float64Array; // DFT_M(conj w wrapped) / M
  readonly bIm?: Float64Array;
}

const plans = new Map<number, Plan>();

function isPow2(n: number): boolean {
  return (n & (n - 1)) === 0;
}

function twiddles(M: number): { cos: Float64Array; sin: Float64Array } {
  const cos = new Float64Array(M / 2);
  const sin = new Float64Array(M / 2);
  for (let k = 0; k < M / 2; k++) {
    cos[k] = Math.cos((2 * Math.PI * k) / M);
    sin[k] = -Math.sin((2 * Math.PI * k) / M);
  }
  return { cos, sin };
}

/** In-place radix-2 FFT of (re, im)[off … off+n) with stride 1; tables for length n. */
function radix2(re: Float64Array, im: Float64Array, n: number, cos: Float64Array, sin: Float64Array): void {
  for (let i = 1, j = 0; i < n; i++) {
    let bit = n >> 1;
    for (; j & bit; bit >>= 1) j ^= bit;
    j ^= bit;
    if (i < j) {
      let t = re[i];
      re[i] = re[j];
      re[j] = t;
      t = im[i];
      im[i] = im[j];
      im[j] = t;
    }
  }
  for (let len = 2; len <= n; len <<= 1) {
    const half = len >> 1;
    const step = n / len;
    for (let k = 0; k < half; k++) {
      const wr = cos[k * step];
      const wi = sin[k * step];
      for (let i = k; i < n; i += len) {
        const v = i + half;
        const tr = re[v] * wr - im[v] * wi;
        const ti = re[v] * wi + im[v] * wr;
        re[v] = re[i] - tr;
        im[v] = im[i] - ti;
        re[i] += tr;
        im[i] += ti;
      }
    }
  }
}

function planFor(n: number): Plan {
  let p = plans.get(n);
  if (p) return p;
  if (isPow2(n)) {
    p = { n, M: n, ...twiddles(n) };
  } else {
    let M = 1;
    while (M < 2 * n - 1) M <<= 1;
    const { cos, sin } = twiddles(M);
    const chirpRe = new Float64Array(n);
    const chirpIm = new Float64Array(n);
    for (let j = 0; j < n; j++) {
      // j² mod 2n exactly (j < 2^26 keeps j² below 2^53).
      const a = (Math.PI * ((j * j) % (2 * n))) / n;
      chirpRe[j] = Math.cos(a);
      chirpIm[j] = -Math.sin(a);
    }
    const bRe = new Float64Array(M);
    const bIm = new Float64Array(M);
    for (let j = 0; j < n; j++) {
      bRe[j] = chirpRe[j];
      bIm[j] = -chirpIm[j];
      if (j > 0) {
        bRe[M - j] = chirpRe[j];
        bIm[M - j] = -chirpIm[j];
      }
    }
    radix2(bRe, bIm, M, cos, sin);
    for (let k = 0; k < M; k++) {
      bRe[k] /= M;
      bIm[k] /= M;
    }
    p = { n, M, cos, sin, chirpRe, chirpIm, bRe, bIm };
  }
  if (plans.size > 64) plans.clear();
  plans.set(n, p);
  return p;
}

/** In-place unnormalised 1-D transform of (re, im), both of length n. */
export function fft1d(re: Float64Array, im: Float64Array, inverse = false): void {
  const n = re.length;
  if (n <= 1) return;
  const p = planFor(n);
  if (inverse) for (let i = 0; i < n; i++) im[i] = -im[i];
  if (p.chirpRe === undefined) {
    radix2(re, im, n, p.cos, p.sin);
  } else {
    const { M, chirpRe, chirpIm, bRe, bIm } = p as Required<Plan>;
    const ar = new Float64Array(M);
    const ai = new Float64Array(M);
    for (let j = 0; j < n; j++) {
      ar[j] = re[j] * chirpRe[j] - im[j] * chirpIm[j];
      ai[j] = re[j] * chirpIm[j] + im[j] * chirpRe[j];
    }
    radix2(ar, ai, M, p.cos, p.sin);
    for (let k = 0; k < M; k++) {
      const xr = ar[k];
      const xi = ai[k];
      ar[k] = xr * bRe[k] - xi * bIm[k];
      ai[k] = -(xr * bIm[k] + xi * bRe[k]); // conjugated: the next forward FFT then inverts
    }
    radix2(ar, ai, M, p.cos, p.sin);
    for (let k = 0; k < n; k++) {
      const cr = ar[k];
      const ci = -ai[k];
      re[k] = cr * chirpRe[k] - ci * chirpIm[k];
      im[k] = cr * chirpIm[k] + ci * chirpRe[k];
    }
  }
  if (inverse) for (let i = 0; i < n; i++) im[i] = -im[i];
}

/** In-place unnormalised 2-D transform of row-major H×W arrays (re, im) (at offset off). */
export function fft2d(re: Float64Array, im: Float64Array, H: number, W: number, inverse = false, off = 0): void {
  const rr = new Float64Array(W);
  const ri = new Float64Array(W);
  for (let r = 0; r < H; r++) {
    const base = off + r * W;
    for (let j = 0; j < W; j++) {
      rr[j] = re[base + j];
      ri[j] = im[base + j];
    }
    fft1d(rr, ri, inverse);
    for (let j = 0; j < W; j++) {
      re[base + j] = rr[j];
      im[base + j] = ri[j];
    }
  }
  const cr = new Float64Array(H);
  const ci = new Float64Array(H);
  for (let c = 0; c < W; c++) {
    for (let r = 0; r < H; r++) {
      cr[r] = re[off + r * W + c];
      ci[r] = im[off + r * W + c];
    }
    fft1d(cr, ci, inverse);
    for (let r = 0; r < H; r++) {
      re[off + r * W + c] = cr[r];
      im[off + r * W + c] = ci[r];
    }
  }
}
