// SPDX-License-Identifier: MIT
// A scalar image volume as read from NIfTI or DICOM, and the slice-wise path from volumes to the
// package's 2-D images ({ data, height, width }, row-major): the patch prior and the samplers work
// on [C, H, W] images, so volumes are used one slice at a time.
import { invalid } from '../../errors.js';

/** Voxels with the first index fastest: value(i, j, k) = data[i + nx·(j + ny·k)] (NIfTI and DICOM order). */
export interface Volume {
  readonly data: Float32Array;
  /** [nx, ny, nz] (nz = 1 for a single image); extra NIfTI dimensions (time, …) are folded into nz. */
  readonly dims: readonly [number, number, number];
  /** Voxel size along each axis (mm for both formats), 1 where the file gives none. */
  readonly spacing: readonly [number, number, number];
}

/** A 2-D image in the package's one shape convention. */
export interface Image2D {
  readonly data: Float32Array;
  readonly height: number;
  readonly width: number;
}

/**
 * Slice k of the volume along `axis` (default 'z', i.e. axial for RAS-oriented MRI): for 'z' the
 * image has height ny and width nx and row r holds j = r (no flip; what the file stores).
 */
export function volumeSlice(v: Volume, k: number, axis: 'x' | 'y' | 'z' = 'z'): Image2D {
  const [nx, ny, nz] = v.dims;
  const n = axis === 'x' ? nx : axis === 'y' ? ny : nz;
  if (!Number.isInteger(k) || k < 0 || k >= n) throw invalid('E_VALUE', 'slice', `an integer in [0, ${n - 1}]`, k);
  const [h, w] = axis === 'x' ? [nz, ny] : axis === 'y' ? [nz, nx] : [ny, nx];
  const out = new Float32Array(h * w);
  for (let r = 0; r < h; r++)
    for (let c = 0; c < w; c++) {
      const idx = axis === 'x' ? k + nx * (c + ny * r) : axis === 'y' ? c + nx * (k + ny * r) : c + nx * (r + ny * k);
      out[r * w + c] = v.data[idx];
    }
  return { data: out, height: h, width: w };
}

/** Parse a slice range 'a:b' (inclusive a, exclusive b, like Python), 'a' alone, or ':' for all of n slices. */
export function parseSliceRange(spec: string, n: number, field = 'slices'): number[] {
  const m = /^\s*(\d*)\s*(?::\s*(\d*)\s*)?$/.exec(spec);
  if (!m) throw invalid('E_OPTION', field, "'a:b' or 'k'", spec);
  const a = m[1] === '' ? 0 : Number(m[1]);
  const b = m[2] === undefined ? (m[1] === '' ? n : a + 1) : m[2] === '' ? n : Number(m[2]);
  if (!(a < b && b <= n)) throw invalid('E_OPTION', field, `a non-empty range within 0:${n}`, spec);
  return Array.from({ length: b - a }, (_, i) => a + i);
}

/** Box-average an image by an integer factor (the demo's 256→64 style downsampling). */
export function downsampleImage(img: Image2D, factor: number): Image2D {
  if (!Number.isInteger(factor) || factor < 1) throw invalid('E_VALUE', 'factor', 'a positive integer', factor);
  const h = Math.floor(img.height / factor), w = Math.floor(img.width / factor);
  if (h < 1 || w < 1) throw invalid('E_SHAPE', 'factor', `at most ${Math.min(img.height, img.width)}`, factor);
  const out = new Float32Array(h * w);
  const s = 1 / (factor * factor);
  for (let r = 0; r < h; r++)
    for (let c = 0; c < w; c++) {
      let acc = 0;
      for (let i = 0; i < factor; i++) for (let j = 0; j < factor; j++) acc += img.data[(r * factor + i) * img.width + c * factor + j];
      out[r * w + c] = acc * s;
    }
  return { data: out, height: h, width: w };
}

/** Divide by the given percentile of the volume's finite values (default 99.5) and clip to [0, 1]; returns the scale used. */
export function normaliseIntensity(data: Float32Array, percentile = 99.5): { data: Float32Array; scale: number } {
  const finite = data.filter((v) => Number.isFinite(v)).sort(); // typed sort: numeric
  const hi = finite.length ? finite[Math.min(finite.length - 1, Math.floor((percentile / 100) * finite.length))] : 1;
  const scale = hi > 0 ? hi : 1;
  const out = data.map((v) => (Number.isFinite(v) ? Math.min(1, Math.max(0, v / scale)) : 0));
  return { data: out, scale };
}
