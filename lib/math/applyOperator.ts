// SPDX-License-Identifier: MIT
// A x and Aᵀ y in double precision, for diagnostics and set-up work on the host (the hot loop is
// native). Conventions of each operator: see the Operator type in types.ts.
import { invalid } from '../errors.js';
import { fft2d } from '../imaging/fft.js';
import type { Operator } from '../types.js';
import { operatorCols, operatorRows } from '../types.js';

type BlurOp = Extract<Operator, { type: 'blur' }>;
type FourierOp = Extract<Operator, { type: 'fourier' }>;

/** Above this many kernel taps the double-precision blur goes through the FFT. */
const DIRECT_BLUR_MAX_TAPS = 64;

export function applyOperator(op: Operator, x: ArrayLike<number>, out = new Float64Array(operatorRows(op))): Float64Array {
  checkLength('x', x, operatorCols(op));
  switch (op.type) {
    case 'identity':
      for (let i = 0; i < op.dim; i++) out[i] = x[i];
      break;
    case 'mask':
      for (let j = 0; j < op.indices.length; j++) out[j] = x[op.indices[j]];
      break;
    case 'dense':
      for (let j = 0; j < op.rows; j++) {
        let s = 0;
        for (let i = 0; i < op.cols; i++) s += op.matrix[j * op.cols + i] * x[i];
        out[j] = s;
      }
      break;
    case 'blur':
      blur(op, x, out, false);
      break;
    case 'downsample': {
      const { channels: C, height: H, width: W } = op.shape;
      const f = op.factor;
      const Ho = H / f;
      const Wo = W / f;
      for (let c = 0; c < C; c++)
        for (let p = 0; p < Ho; p++)
          for (let q = 0; q < Wo; q++) {
            let s = 0;
            for (let a = 0; a < f; a++) for (let b = 0; b < f; b++) s += x[(c * H + p * f + a) * W + q * f + b];
            out[(c * Ho + p) * Wo + q] = s / (f * f);
          }
      break;
    }
    case 'fourier':
      fourierForward(op, x, out);
      break;
    case 'compose': {
      let cur: ArrayLike<number> = x;
      op.operators.forEach((a, i) => {
        cur = i === op.operators.length - 1 ? applyOperator(a, cur, out) : applyOperator(a, cur);
      });
      break;
    }
  }
  return out;
}

/** Aᵀ y. */
export function applyAdjoint(op: Operator, y: ArrayLike<number>, out = new Float64Array(operatorCols(op))): Float64Array {
  checkLength('y', y, operatorRows(op));
  switch (op.type) {
    case 'identity':
      for (let i = 0; i < op.dim; i++) out[i] = y[i];
      break;
    case 'mask':
      out.fill(0);
      for (let j = 0; j < op.indices.length; j++) out[op.indices[j]] = y[j];
      break;
    case 'dense':
      out.fill(0);
      for (let j = 0; j < op.rows; j++) {
        const yj = y[j];
        for (let i = 0; i < op.cols; i++) out[i] += op.matrix[j * op.cols + i] * yj;
      }
      break;
    case 'blur':
      blur(op, y, out, true);
      break;
    case 'downsample': {
      const { channels: C, height: H, width: W } = op.shape;
      const f = op.factor;
      const Ho = H / f;
      const Wo = W / f;
      for (let c = 0; c < C; c++)
        for (let i = 0; i < H; i++)
          for (let j = 0; j < W; j++) out[(c * H + i) * W + j] = y[(c * Ho + Math.floor(i / f)) * Wo + Math.floor(j / f)] / (f * f);
      break;
    }
    case 'fourier':
      fourierAdjoint(op, y, out);
      break;
    case 'compose': {
      let cur: ArrayLike<number> = y;
      for (let i = op.operators.length - 1; i >= 0; i--) cur = i === 0 ? applyAdjoint(op.operators[i], cur, out) : applyAdjoint(op.operators[i], cur);
      break;
    }
  }
  return out;
}

function checkLength(name: string, v: ArrayLike<number>, n: number): void {
  if (v.length !== n) throw invalid('E_SHAPE', name, `${n} entries`, v);
}

function mod(a: number, n: number): number {
  const r = a % n;
  return r < 0 ? r + n : r;
}

const spectra = new WeakMap<BlurOp, { re: Float64Array; im: Float64Array }>();

/**
 * K̂ = 2-D DFT of the kernel embedded circularly in H×W (tap (a, b) at ((a − ⌊kh/2⌋) mod H,
 * (b − ⌊kw/2⌋) mod W)), so blur(x) = F⁻¹(K̂ · F x) per channel. Cached per operator.
 */
export function blurSpectrum(op: BlurOp): { re: Float64Array; im: Float64Array } {
  const hit = spectra.get(op);
  if (hit) return hit;
  const { height: H, width: W } = op.shape;
  const kh = op.kernelHeight;
  const kw = op.kernelWidth;
  const re = new Float64Array(H * W);
  const im = new Float64Array(H * W);
  for (let a = 0; a < kh; a++)
    for (let b = 0; b < kw; b++) re[mod(a - Math.floor(kh / 2), H) * W + mod(b - Math.floor(kw / 2), W)] += op.kernel[a * kw + b];
  fft2d(re, im, H, W);
  const s = { re, im };
  spectra.set(op, s);
  return s;
}

function blur(op: BlurOp, x: ArrayLike<number>, out: Float64Array, adjoint: boolean): void {
  const { channels: C, height: H, width: W } = op.shape;
  const kh = op.kernelHeight;
  const kw = op.kernelWidth;
  const HW = H * W;
  if (kh * kw <= DIRECT_BLUR_MAX_TAPS) {
    const ch = Math.floor(kh / 2);
    const cw = Math.floor(kw / 2);
    const sgn = adjoint ? 1 : -1; // forward: x[i − a + ch]; adjoint: x[i + a − ch]
    for (let c = 0; c < C; c++)
      for (let i = 0; i < H; i++)
        for (let j = 0; j < W; j++) {
          let s = 0;
          for (let a = 0; a < kh; a++) {
            const row = c * HW + mod(i + sgn * (a - ch), H) * W;
            for (let b = 0; b < kw; b++) s += op.kernel[a * kw + b] * x[row + mod(j + sgn * (b - cw), W)];
          }
          out[c * HW + i * W + j] = s;
        }
    return;
  }
  const k = blurSpectrum(op);
  const re = new Float64Array(HW);
  const im = new Float64Array(HW);
  for (let c = 0; c < C; c++) {
    for (let p = 0; p < HW; p++) {
      re[p] = x[c * HW + p];
      im[p] = 0;
    }
    fft2d(re, im, H, W);
    for (let p = 0; p < HW; p++) {
      const kr = k.re[p];
      const ki = adjoint ? -k.im[p] : k.im[p];
      const zr = re[p];
      re[p] = kr * zr - ki * im[p];
      im[p] = kr * im[p] + ki * zr;
    }
    fft2d(re, im, H, W, true);
    for (let p = 0; p < HW; p++) out[c * HW + p] = re[p] / HW;
  }
}

function fourierForward(op: FourierOp, x: ArrayLike<number>, out: Float64Array): void {
  const { channels: C, height: H, width: W } = op.shape;
  const HW = H * W;
  const scale = 1 / Math.sqrt(HW);
  const re = new Float64Array(C * HW);
  const im = new Float64Array(C * HW);
  for (let i = 0; i < C * HW; i++) re[i] = x[i];
  for (let c = 0; c < C; c++) fft2d(re, im, H, W, false, c * HW);
  op.samples.forEach((k, s) => {
    out[2 * s] = scale * re[k];
    out[2 * s + 1] = scale * im[k];
  });
}

function fourierAdjoint(op: FourierOp, y: ArrayLike<number>, out: Float64Array): void {
  const { channels: C, height: H, width: W } = op.shape;
  const HW = H * W;
  const scale = 1 / Math.sqrt(HW);
  const re = new Float64Array(C * HW);
  const im = new Float64Array(C * HW);
  op.samples.forEach((k, s) => {
    re[k] += y[2 * s];
    im[k] += y[2 * s + 1];
  });
  for (let c = 0; c < C; c++) fft2d(re, im, H, W, true, c * HW);
  for (let i = 0; i < C * HW; i++) out[i] = scale * re[i];
}

