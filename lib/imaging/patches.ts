// SPDX-License-Identifier: MIT
// k×k patch extraction for patch priors (EPLL-style). A patch at top-left (i, j) is the vector
// [c][a][b] ↦ img[c, i+a, j+b] (channel-major, then rows), the layout the patch GMM is fitted on.
// Images are [C, H, W] row-major; C = img.length / (h·w).

import { invalid } from '../errors.js';
import { mulberry32 } from '../engine/prng.js';

function check(img: ArrayLike<number> | null, h: number, w: number, k: number, stride: number, circular: boolean): number {
  if (!Number.isInteger(h) || h < 1) throw invalid('E_VALUE', 'h', 'a positive integer', h);
  if (!Number.isInteger(w) || w < 1) throw invalid('E_VALUE', 'w', 'a positive integer', w);
  if (!Number.isInteger(k) || k < 1) throw invalid('E_VALUE', 'k', 'a positive integer patch size', k);
  if (!Number.isInteger(stride) || stride < 1) throw invalid('E_VALUE', 'stride', 'a positive integer', stride);
  if (!circular && (k > h || k > w)) throw invalid('E_VALUE', 'k', `a patch size ≤ min(h, w) = ${Math.min(h, w)}`, k);
  if (img === null) return 1;
  const C = img.length / (h * w);
  if (!Number.isInteger(C) || C < 1) throw invalid('E_SHAPE', 'img', `C·${h}·${w} entries`, img);
  return C;
}

/** Top-left corners along one axis: circular → 0, s, … < n; otherwise 0, s, … ≤ n−k plus n−k so every pixel is covered. */
function axisStarts(n: number, k: number, stride: number, circular: boolean): number[] {
  const out: number[] = [];
  const last = circular ? n - 1 : n - k;
  for (let i = 0; i <= last; i += stride) out.push(i);
  if (!circular && out[out.length - 1] !== last) out.push(last);
  return out;
}

/**
 * Top-left corners of the patches, Int32Array [n, 2] of (row, col), rows outer. Circular patches
 * wrap around the borders (periodic images, as with the circular blur operator).
 */
export function patchPositions(h: number, w: number, k: number, stride: number, circular = true): Int32Array {
  check(null, h, w, k, stride, circular);
  const rows = axisStarts(h, k, stride, circular);
  const cols = axisStarts(w, k, stride, circular);
  const out = new Int32Array(rows.length * cols.length * 2);
  let p = 0;
  for (const i of rows) {
    for (const j of cols) {
      out[p++] = i;
      out[p++] = j;
    }
  }
  return out;
}

/** Patches at patchPositions(h, w, k, stride, circular): Float64Array [n, C·k·k]. */
export function extractPatches(img: ArrayLike<number>, h: number, w: number, k: number, stride: number, circular = true): Float64Array {
  const C = check(img, h, w, k, stride, circular);
  const pos = patchPositions(h, w, k, stride, circular);
  const n = pos.length / 2;
  const d = C * k * k;
  const out = new Float64Array(n * d);
  for (let p = 0; p < n; p++) copyPatch(img, h, w, C, k, pos[2 * p], pos[2 * p + 1], out, p * d);
  return out;
}

function copyPatch(img: ArrayLike<number>, h: number, w: number, C: number, k: number, i: number, j: number, out: Float64Array, o: number): void {
  for (let c = 0; c < C; c++) {
    for (let a = 0; a < k; a++) {
      const row = c * h * w + ((i + a) % h) * w;
      for (let b = 0; b < k; b++) out[o++] = img[row + ((j + b) % w)];
    }
  }
}

/**
 * `count` patches drawn uniformly (image, then position) with a seeded generator: a training set for
 * fitPatchGmm. Only non-wrapping positions are used, so the seams of non-periodic training images
 * do not show up as spurious edges in the prior.
 */
export function randomPatches(images: readonly ArrayLike<number>[], h: number, w: number, k: number, count: number, seed: number): Float64Array {
  if (images.length === 0) throw invalid('E_VALUE', 'images', 'at least one image', images);
  if (!Number.isInteger(count) || count < 0) throw invalid('E_VALUE', 'count', 'an integer ≥ 0', count);
  const C = check(images[0], h, w, k, 1, false);
  images.forEach((im, i) => {
    if (im.length !== C * h * w) throw invalid('E_SHAPE', `images[${i}]`, `${C * h * w} entries`, im);
  });
  const r = mulberry32(seed ^ 0x2545f491);
  const d = C * k * k;
  const out = new Float64Array(count * d);
  for (let p = 0; p < count; p++) {
    const im = images[Math.floor(r() * images.length)];
    const i = Math.floor(r() * (h - k + 1));
    const j = Math.floor(r() * (w - k + 1));
    copyPatch(im, h, w, C, k, i, j, out, p * d);
  }
  return out;
}
