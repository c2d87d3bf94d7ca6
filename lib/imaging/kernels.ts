// SPDX-License-Identifier: MIT
// Blur kernels for the `blur` operator: Gaussian, linear motion, uniform (box). Each is a
// row-major height × width array summing to 1, centred at (⌊height/2⌋, ⌊width/2⌋) as the blur
// operator expects (lib/types.ts); odd sizes put the centre exactly in the middle.
import { invalid } from '../errors.js';
import type { ImageShape, Operator } from '../types.js';

export interface Kernel {
  readonly height: number;
  readonly width: number;
  readonly data: Float64Array; // [height*width] row-major
}

function oddSize(field: string, size: number): number {
  if (!Number.isInteger(size) || size < 1 || size % 2 === 0) throw invalid('E_VALUE', field, 'an odd positive integer', size);
  return size;
}

function positive(field: string, v: number): number {
  if (!(Number.isFinite(v) && v > 0)) throw invalid('E_VALUE', field, 'a finite positive number', v);
  return v;
}

function normalised(height: number, width: number, data: Float64Array): Kernel {
  let s = 0;
  for (const v of data) s += v;
  for (let i = 0; i < data.length; i++) data[i] /= s;
  return { height, width, data };
}

/** Isotropic Gaussian exp(−r²/(2σ²)), size × size (default 2⌈3σ⌉ + 1), normalised to sum 1. */
export function gaussianKernel(sigma: number, size?: number): Kernel {
  positive('sigma', sigma);
  const n = oddSize('size', size ?? 2 * Math.ceil(3 * sigma) + 1);
  const c = (n - 1) / 2;
  const data = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) data[i * n + j] = Math.exp(-((i - c) ** 2 + (j - c) ** 2) / (2 * sigma * sigma));
  return normalised(n, n, data);
}

/**
 * Linear motion blur: a segment of `length` pixels through the centre at `angleDegrees`
 * (counter-clockwise from the +column axis, as seen with row 0 at the top), rasterised by
 * sampling it every ¼ pixel with bilinear weights; size × size (default the smallest odd size
 * holding the segment), normalised to sum 1.
 */
export function motionKernel(length: number, angleDegrees: number, size?: number): Kernel {
  positive('length', length);
  if (!Number.isFinite(angleDegrees)) throw invalid('E_VALUE', 'angleDegrees', 'a finite number', angleDegrees);
  const n = oddSize('size', size ?? 2 * Math.ceil(length / 2) + 1);
  const c = (n - 1) / 2;
  const th = (angleDegrees * Math.PI) / 180;
  const dr = -Math.sin(th);
  const dc = Math.cos(th);
  const data = new Float64Array(n * n);
  const samples = Math.max(2, Math.ceil(4 * length) + 1);
  for (let s = 0; s < samples; s++) {
    const t = -length / 2 + (length * s) / (samples - 1);
    const r = c + t * dr;
    const q = c + t * dc;
    const r0 = Math.floor(r);
    const q0 = Math.floor(q);
    for (const [rr, wr] of [[r0, 1 - (r - r0)], [r0 + 1, r - r0]])
      for (const [qq, wq] of [[q0, 1 - (q - q0)], [q0 + 1, q - q0]])
        if (rr >= 0 && rr < n && qq >= 0 && qq < n && wr * wq > 0) data[rr * n + qq] += wr * wq;
  }
  return normalised(n, n, data);
}

/** Uniform height × width average (box blur). */
export function uniformKernel(height: number, width = height): Kernel {
  oddSize('height', height);
  oddSize('width', width);
  return normalised(height, width, new Float64Array(height * width).fill(1));
}

/** The kernel as nested arrays, for a problem file's `kernel`. */
export function kernelRows(k: Kernel): number[][] {
  return Array.from({ length: k.height }, (_, i) => Array.from(k.data.subarray(i * k.width, (i + 1) * k.width)));
}

/** The blur operator of `kernel` on images of `shape` (circular boundary). */
export function blurOperator(shape: ImageShape, kernel: Kernel): Operator {
  return { type: 'blur', shape, kernel: Float64Array.from(kernel.data), kernelHeight: kernel.height, kernelWidth: kernel.width };
}
