// SPDX-License-Identifier: MIT
// Deterministic procedural test images in [0, 1] for the imaging demo and for fitting patch priors.
// Pure TypeScript with its own small PRNG, so an image depends only on (h, w, seed) — never on the
// native addon or on how many images were drawn before it.
// Images are Float64Array [h*w], row-major (C = 1). Coordinates: x ∈ [−1, 1] left → right,
// y ∈ [−1, 1] bottom → top (row 0 is y = +1), sampled at pixel centres.

import { invalid } from '../errors.js';
import { mulberry32 } from '../engine/prng.js';

export { mulberry32 };


/** An ellipse adding `value` inside: centre (x0, y0), semi-axes (a, b), rotation `deg` counter-clockwise. */
export interface Ellipse {
  value: number;
  a: number;
  b: number;
  x0: number;
  y0: number;
  deg: number;
}

// Toft's modified Shepp–Logan (better contrast than the original); values already span [0, 1].
const SHEPP_LOGAN: readonly Ellipse[] = [
  { value: 1, a: 0.69, b: 0.92, x0: 0, y0: 0, deg: 0 },
  { value: -0.8, a: 0.6624, b: 0.874, x0: 0, y0: -0.0184, deg: 0 },
  { value: -0.2, a: 0.11, b: 0.31, x0: 0.22, y0: 0, deg: -18 },
  { value: -0.2, a: 0.16, b: 0.41, x0: -0.22, y0: 0, deg: 18 },
  { value: 0.1, a: 0.21, b: 0.25, x0: 0, y0: 0.35, deg: 0 },
  { value: 0.1, a: 0.046, b: 0.046, x0: 0, y0: 0.1, deg: 0 },
  { value: 0.1, a: 0.046, b: 0.046, x0: 0, y0: -0.1, deg: 0 },
  { value: 0.1, a: 0.046, b: 0.023, x0: -0.08, y0: -0.605, deg: 0 },
  { value: 0.1, a: 0.023, b: 0.023, x0: 0, y0: -0.606, deg: 0 },
  { value: 0.1, a: 0.023, b: 0.046, x0: 0.06, y0: -0.605, deg: 0 },
];

function checkSize(h: number, w: number): void {
  if (!Number.isInteger(h) || h < 1) throw invalid('E_VALUE', 'h', 'a positive integer', h);
  if (!Number.isInteger(w) || w < 1) throw invalid('E_VALUE', 'w', 'a positive integer', w);
}

const clamp01 = (v: number) => (v < 0 ? 0 : v > 1 ? 1 : v);

/**
 * Sum of ellipses, each pixel the average of 3×3 sub-pixel samples (soft edges, like a scanned
 * object, so patch priors do not learn single-pixel aliasing steps), clipped to [0, 1].
 */
export function rasterEllipses(h: number, w: number, ellipses: readonly Ellipse[], background = 0): Float64Array {
  checkSize(h, w);
  const S = 3;
  const img = new Float64Array(h * w).fill(background);
  for (const e of ellipses) {
    const c = Math.cos((e.deg * Math.PI) / 180), s = Math.sin((e.deg * Math.PI) / 180);
    // Only the pixels of the rotated ellipse's bounding box can be touched.
    const ex = Math.sqrt((e.a * c) ** 2 + (e.b * s) ** 2), ey = Math.sqrt((e.a * s) ** 2 + (e.b * c) ** 2);
    const i0 = Math.max(0, Math.floor(((1 - e.y0 - ey) * h) / 2)), i1 = Math.min(h - 1, Math.ceil(((1 - e.y0 + ey) * h) / 2));
    const j0 = Math.max(0, Math.floor(((e.x0 - ex + 1) * w) / 2)), j1 = Math.min(w - 1, Math.ceil(((e.x0 + ex + 1) * w) / 2));
    for (let i = i0; i <= i1; i++) {
      for (let j = j0; j <= j1; j++) {
        let hits = 0;
        for (let si = 0; si < S; si++) {
          const dy = 1 - (2 * (i + (si + 0.5) / S)) / h - e.y0;
          for (let sj = 0; sj < S; sj++) {
            const dx = (2 * (j + (sj + 0.5) / S)) / w - 1 - e.x0;
            const u = (dx * c + dy * s) / e.a, t = (-dx * s + dy * c) / e.b;
            if (u * u + t * t <= 1) hits++;
          }
        }
        img[i * w + j] += (e.value * hits) / (S * S);
      }
    }
  }
  for (let p = 0; p < img.length; p++) img[p] = clamp01(img[p]);
  return img;
}

/** Modified Shepp–Logan head phantom, intensities in [0, 1] (background 0, skull 1). */
export function sheppLogan(h: number, w: number): Float64Array {
  return rasterEllipses(h, w, SHEPP_LOGAN);
}

/**
 * Shepp–Logan under a random similarity (shift ±0.05, scale ±8 %, rotation ±6°) with the inner
 * ellipses jittered on top (centres ±0.03, axes ±10 %, angles ±8°, contrasts ±30 %); the skull pair
 * moves together so its rim keeps its width. Training sets use these instead of the exact phantom,
 * which so stays a held-out truth.
 */
export function sheppLoganVariant(h: number, w: number, seed: number): Float64Array {
  const r = mulberry32(seed ^ 0x5e9a1);
  const u = (a: number) => (2 * r() - 1) * a;
  const sx = u(0.05), sy = u(0.05), scale = 1 + u(0.08), rot = u(6);
  const c = Math.cos((rot * Math.PI) / 180), s = Math.sin((rot * Math.PI) / 180);
  const ell = SHEPP_LOGAN.map((e, i) => {
    const inner = i >= 2;
    const x0 = e.x0 + (inner ? u(0.03) : 0), y0 = e.y0 + (inner ? u(0.03) : 0);
    return {
      value: inner ? e.value * (1 + u(0.3)) : e.value,
      a: scale * e.a * (inner ? 1 + u(0.1) : 1),
      b: scale * e.b * (inner ? 1 + u(0.1) : 1),
      x0: sx + scale * (c * x0 - s * y0),
      y0: sy + scale * (s * x0 + c * y0),
      deg: e.deg + rot + (inner ? u(8) : 0),
    };
  });
  return rasterEllipses(h, w, ell);
}

/**
 * Random overlapping ellipses on a dark background: a body ellipse of intensity 0.2–0.5 and
 * `count` inner ellipses adding −0.3 … +0.5 each, clipped to [0, 1].
 */
export function randomEllipses(h: number, w: number, seed: number, count = 8): Float64Array {
  if (!Number.isInteger(count) || count < 0) throw invalid('E_VALUE', 'count', 'an integer ≥ 0', count);
  const r = mulberry32(seed ^ 0x3c6ef372);
  const ell: Ellipse[] = [
    { value: 0.2 + 0.3 * r(), a: 0.6 + 0.3 * r(), b: 0.6 + 0.3 * r(), x0: 0.1 * (2 * r() - 1), y0: 0.1 * (2 * r() - 1), deg: 180 * r() },
  ];
  for (let c = 0; c < count; c++) {
    ell.push({
      value: -0.3 + 0.8 * r(),
      a: 0.05 + 0.35 * r(),
      b: 0.05 + 0.35 * r(),
      x0: 0.7 * (2 * r() - 1),
      y0: 0.7 * (2 * r() - 1),
      deg: 180 * r(),
    });
  }
  return rasterEllipses(h, w, ell);
}

/**
 * A few (3–6) Voronoi regions, each with its own level and linear gradient, plus mild texture
 * (three low-amplitude oriented sinusoids), clipped to [0, 1]: sharp edges between smooth areas.
 */
export function piecewiseSmooth(h: number, w: number, seed: number): Float64Array {
  checkSize(h, w);
  const r = mulberry32(seed ^ 0x9e3779b9);
  const regions = 3 + Math.floor(4 * r());
  const sites = Array.from({ length: regions }, () => ({
    x: 2 * r() - 1,
    y: 2 * r() - 1,
    level: 0.15 + 0.7 * r(),
    gx: 0.25 * (2 * r() - 1),
    gy: 0.25 * (2 * r() - 1),
  }));
  const waves = Array.from({ length: 3 }, () => ({
    fx: Math.PI * (2 + 6 * r()) * (2 * r() - 1),
    fy: Math.PI * (2 + 6 * r()) * (2 * r() - 1),
    phase: 2 * Math.PI * r(),
    amp: 0.01 + 0.015 * r(),
  }));
  const img = new Float64Array(h * w);
  for (let i = 0; i < h; i++) {
    const y = 1 - (2 * (i + 0.5)) / h;
    for (let j = 0; j < w; j++) {
      const x = (2 * (j + 0.5)) / w - 1;
      let best = 0, bestD = Infinity;
      for (let s = 0; s < regions; s++) {
        const d = (x - sites[s].x) ** 2 + (y - sites[s].y) ** 2;
        if (d < bestD) {
          bestD = d;
          best = s;
        }
      }
      const s = sites[best];
      let v = s.level + s.gx * (x - s.x) + s.gy * (y - s.y);
      for (const wv of waves) v += wv.amp * Math.sin(wv.fx * x + wv.fy * y + wv.phase);
      img[i * w + j] = clamp01(v);
    }
  }
  return img;
}

/**
 * n images cycling through randomEllipses, piecewiseSmooth and jittered Shepp–Logan variants, each
 * with its own seed drawn from `seed`. The exact sheppLogan(h, w) is never included.
 */
export function trainingSet(n: number, h: number, w: number, seed: number): Float64Array[] {
  if (!Number.isInteger(n) || n < 0) throw invalid('E_VALUE', 'n', 'an integer ≥ 0', n);
  const r = mulberry32(seed ^ 0x7f4a7c15);
  const out: Float64Array[] = [];
  for (let i = 0; i < n; i++) {
    const s = Math.floor(r() * 4294967296);
    if (i % 3 === 0) out.push(randomEllipses(h, w, s, 4 + (s % 9)));
    else if (i % 3 === 1) out.push(piecewiseSmooth(h, w, s));
    else out.push(sheppLoganVariant(h, w, s));
  }
  return out;
}
