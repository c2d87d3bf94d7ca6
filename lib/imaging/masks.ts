// SPDX-License-Identifier: MIT
// Sampling patterns for imaging problems:
// - inpainting masks for the `mask` operator (1 = observed, 0 = missing, one entry per image
//   entry c·H·W + i·W + j): a missing box, random missing pixels;
// - k-space sampling patterns for the `fourier` operator (flat frequency indices u·W + v of the
//   unshifted DFT, so low frequencies sit at the corners: signed frequency ũ = u for u < H/2,
//   u − H otherwise): the usual variable-density masks with a fully-sampled centre, either 2-D
//   random points or Cartesian lines (whole rows u, i.e. phase-encode lines).
// All random patterns are deterministic functions of their seed.
import { invalid } from '../errors.js';
import { mulberry32 } from '../engine/prng.js';
import type { ImageShape, Operator } from '../types.js';
import { imageSize } from '../types.js';

/** Uniforms in [0, 1) for mask patterns (mulberry32 of a scrambled seed). */
function uniforms(seed: number): () => number {
  return mulberry32((seed >>> 0) ^ 0x6d2b79f5);
}

function fraction(field: string, v: number, allowZero = false): number {
  if (!(Number.isFinite(v) && (allowZero ? v >= 0 : v > 0) && v <= 1)) throw invalid('E_VALUE', field, `a number in ${allowZero ? '[0' : '(0'}, 1]`, v);
  return v;
}

/** Inpainting mask with the box rows [top, top+height) × columns [left, left+width) missing in every channel. */
export function boxMask(shape: ImageShape, box: { top: number; left: number; height: number; width: number }): Uint8Array {
  const { channels: C, height: H, width: W } = shape;
  const mask = new Uint8Array(imageSize(shape)).fill(1);
  for (let c = 0; c < C; c++)
    for (let i = Math.max(0, box.top); i < Math.min(H, box.top + box.height); i++)
      for (let j = Math.max(0, box.left); j < Math.min(W, box.left + box.width); j++) mask[(c * H + i) * W + j] = 0;
  return mask;
}

/** Inpainting mask keeping each pixel (all its channels together) with probability `keep`. */
export function randomPixelMask(shape: ImageShape, keep: number, seed = 0): Uint8Array {
  fraction('keep', keep, true);
  const { channels: C, height: H, width: W } = shape;
  const u = uniforms(seed);
  const mask = new Uint8Array(imageSize(shape));
  for (let p = 0; p < H * W; p++) {
    const v = u() < keep ? 1 : 0;
    for (let c = 0; c < C; c++) mask[c * H * W + p] = v;
  }
  return mask;
}

/** The mask operator keeping the entries where mask is 1. */
export function maskOperator(mask: ArrayLike<number>): Operator {
  const kept: number[] = [];
  for (let i = 0; i < mask.length; i++) if (mask[i] === 1) kept.push(i);
  if (kept.length === 0) throw invalid('E_VALUE', 'mask', 'at least one 1', mask);
  return { type: 'mask', dim: mask.length, indices: Int32Array.from(kept) };
}

function signed(u: number, n: number): number {
  return u < n / 2 ? u : u - n;
}

/**
 * 2-D variable-density random sampling of an H×W k-space: a fully-sampled centred box of
 * ⌈centerFraction·H⌉ × ⌈centerFraction·W⌉ low frequencies, plus random points drawn without
 * replacement with probability ∝ density(r) up to round(fraction·H·W) points in all, where r is the
 * normalised radius √((ũ/(H/2))² + (ṽ/(W/2))²) ∈ [0, √2]: 'gaussian' exp(−r²/(2·0.3²)) or
 * 'polynomial' (1 − r/√2)^power. Returns sorted flat indices u·W + v.
 */
export function variableDensitySamples(
  height: number,
  width: number,
  opts: { fraction: number; centerFraction?: number; density?: 'gaussian' | 'polynomial'; sigma?: number; power?: number; seed?: number },
): Int32Array {
  const H = height;
  const W = width;
  fraction('fraction', opts.fraction);
  const cf = fraction('centerFraction', opts.centerFraction ?? 0.08, true);
  const sigma = opts.sigma ?? 0.3;
  const power = opts.power ?? 2;
  const u = uniforms(opts.seed ?? 0);
  const total = Math.max(1, Math.round(opts.fraction * H * W));
  const ch = Math.ceil(cf * H);
  const cw = Math.ceil(cf * W);
  const chosen = new Set<number>();
  const inCentre = (du: number, dv: number) => du >= -Math.floor(ch / 2) && du < ch - Math.floor(ch / 2) && dv >= -Math.floor(cw / 2) && dv < cw - Math.floor(cw / 2);
  const keys: { k: number; key: number }[] = [];
  for (let a = 0; a < H; a++)
    for (let b = 0; b < W; b++) {
      const du = signed(a, H);
      const dv = signed(b, W);
      if (inCentre(du, dv)) {
        chosen.add(a * W + b);
        continue;
      }
      const r = Math.hypot(du / (H / 2), dv / (W / 2));
      const w = opts.density === 'polynomial' ? Math.max(1 - r / Math.SQRT2, 1e-12) ** power : Math.exp(-(r * r) / (2 * sigma * sigma)) + 1e-300;
      keys.push({ k: a * W + b, key: Math.log(u() || 1e-300) / w }); // Efraimidis–Spirakis: top keys ~ weighted sampling without replacement
    }
  keys.sort((p, q) => q.key - p.key);
  for (let i = 0; chosen.size < total && i < keys.length; i++) chosen.add(keys[i].k);
  return Int32Array.from([...chosen].sort((p, q) => p - q));
}

/**
 * Cartesian line sampling (MRI phase encodes along rows): round(H/acceleration) whole rows u,
 * of which the round(centerFraction·H) lowest frequencies are always kept and the rest drawn
 * uniformly at random. Returns sorted flat indices u·W + v.
 */
export function cartesianLineSamples(height: number, width: number, opts: { acceleration: number; centerFraction?: number; seed?: number }): Int32Array {
  const H = height;
  const W = width;
  if (!(Number.isFinite(opts.acceleration) && opts.acceleration >= 1)) throw invalid('E_VALUE', 'acceleration', 'a number ≥ 1', opts.acceleration);
  const cf = fraction('centerFraction', opts.centerFraction ?? 0.08, true);
  const lines = Math.max(1, Math.round(H / opts.acceleration));
  const centre = Math.min(lines, Math.round(cf * H));
  const order = Array.from({ length: H }, (_, a) => a).sort((p, q) => Math.abs(signed(p, H)) - Math.abs(signed(q, H)) || p - q);
  const rows = new Set(order.slice(0, centre));
  const rest = order.slice(centre);
  const u = uniforms(opts.seed ?? 0);
  for (let i = rest.length - 1; i > 0; i--) {
    const j = Math.floor(u() * (i + 1));
    [rest[i], rest[j]] = [rest[j], rest[i]];
  }
  for (const a of rest) {
    if (rows.size >= lines) break;
    rows.add(a);
  }
  const out: number[] = [];
  for (const a of [...rows].sort((p, q) => p - q)) for (let b = 0; b < W; b++) out.push(a * W + b);
  return Int32Array.from(out);
}

/** The fourier operator on images of `shape` keeping `samples` (u·W + v) in every channel. */
export function fourierOperator(shape: ImageShape, samples: ArrayLike<number>): Operator {
  const HW = shape.height * shape.width;
  const seen = new Set<number>();
  for (let s = 0; s < samples.length; s++) {
    const v = samples[s];
    if (!Number.isInteger(v) || v < 0 || v >= HW || seen.has(v)) throw invalid('E_VALUE', `samples[${s}]`, `a distinct integer in [0, ${HW})`, v);
    seen.add(v);
  }
  if (samples.length === 0) throw invalid('E_VALUE', 'samples', 'at least one sample', samples);
  const all = new Int32Array(shape.channels * samples.length);
  for (let c = 0; c < shape.channels; c++) for (let s = 0; s < samples.length; s++) all[c * samples.length + s] = c * HW + samples[s];
  return { type: 'fourier', shape, samples: all };
}
