// SPDX-License-Identifier: MIT
// 8-bit PNG encoding of single-channel images for reports (pngjs, pure JS), and decoding of user
// PNGs to grayscale in [0, 1] for fitting patch priors on one's own images.

import { PNG } from 'pngjs';
import { invalid } from '../errors.js';

export interface EncodeOptions {
  /** Values mapped to black … white (or the colormap's ends); outside it they are clipped. 'auto': the image's min … max. */
  readonly range: readonly [number, number] | 'auto';
  readonly colormap?: 'gray' | 'magma';
}

// Ten evenly spaced stops of matplotlib's magma (as in R's viridisLite::magma(10)), linearly interpolated.
const MAGMA = [
  [0x00, 0x00, 0x04], [0x18, 0x0f, 0x3e], [0x45, 0x10, 0x77], [0x72, 0x1f, 0x81], [0x9f, 0x2f, 0x7f],
  [0xcd, 0x40, 0x71], [0xf1, 0x60, 0x5d], [0xfd, 0x95, 0x67], [0xfe, 0xc9, 0x8d], [0xfc, 0xfd, 0xbf],
];

function magma(t: number, out: Buffer, o: number): void {
  const x = t * (MAGMA.length - 1);
  const i = Math.min(Math.floor(x), MAGMA.length - 2);
  const f = x - i;
  for (let c = 0; c < 3; c++) out[o + c] = Math.round(MAGMA[i][c] + f * (MAGMA[i + 1][c] - MAGMA[i][c]));
}

/** The [lo, hi] an encode would use: the given range, or the finite min/max (a constant image gets [v, v + 1]). */
export function displayRange(img: ArrayLike<number>, range: EncodeOptions['range']): [number, number] {
  if (range !== 'auto') {
    if (!(range[1] > range[0])) throw invalid('E_VALUE', 'range', 'a pair [lo, hi] with lo < hi', range);
    return [range[0], range[1]];
  }
  let lo = Infinity, hi = -Infinity;
  for (let i = 0; i < img.length; i++) {
    const v = img[i];
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  if (!Number.isFinite(lo)) return [0, 1];
  return hi > lo ? [lo, hi] : [lo, lo + 1];
}

/** PNG of an h×w image (row-major); NaN is drawn as the range's low end. Gray → 8-bit grayscale, magma → RGB. */
export function encodePng(img: ArrayLike<number>, h: number, w: number, options: EncodeOptions): Buffer {
  if (!Number.isInteger(h) || h < 1 || !Number.isInteger(w) || w < 1) throw invalid('E_VALUE', 'h, w', 'positive integers', [h, w]);
  if (img.length !== h * w) throw invalid('E_SHAPE', 'img', `${h}·${w} = ${h * w} entries`, img);
  const [lo, hi] = displayRange(img, options.range);
  const rgb = options.colormap === 'magma';
  const data = Buffer.alloc(h * w * (rgb ? 3 : 1));
  for (let p = 0; p < h * w; p++) {
    let t = (img[p] - lo) / (hi - lo);
    t = t > 0 ? (t < 1 ? t : 1) : 0; // also maps NaN to 0
    if (rgb) magma(t, data, 3 * p);
    else data[p] = Math.round(255 * t);
  }
  const png = new PNG({ width: w, height: h });
  png.data = data;
  const colorType = rgb ? 2 : 0;
  return PNG.sync.write(png, { colorType, inputColorType: colorType, inputHasAlpha: false });
}

/** data: URI of a PNG, for self-contained HTML. */
export function pngDataUri(buf: Buffer): string {
  return `data:image/png;base64,${buf.toString('base64')}`;
}

/** A decoded image in the package's shape convention ({ height, width }). */
export interface DecodedImage {
  readonly data: Float64Array;
  readonly height: number;
  readonly width: number;
  /** @deprecated use `height` (kept for 0.x callers; to be removed). */
  readonly h: number;
  /** @deprecated use `width` (kept for 0.x callers; to be removed). */
  readonly w: number;
}

/**
 * Decode any PNG (gray, RGB, palette, 8/16-bit) to luminance in [0, 1]: Y = 0.299 R + 0.587 G +
 * 0.114 B on the stored (gamma-encoded) values, as PIL's convert('L'). Alpha is ignored.
 */
export function decodePngGray(buf: Buffer): DecodedImage {
  let png: PNG;
  try {
    png = PNG.sync.read(buf);
  } catch (err) {
    throw invalid('E_FILE', 'png', `a valid PNG (${(err as Error).message})`, buf);
  }
  const { width: w, height: h, data: rgba } = png;
  const data = new Float64Array(h * w);
  for (let p = 0; p < h * w; p++) {
    // min: the weights' rounding can push a white pixel to 1 + 2⁻⁵².
    data[p] = Math.min(1, (0.299 * rgba[4 * p] + 0.587 * rgba[4 * p + 1] + 0.114 * rgba[4 * p + 2]) / 255);
  }
  return { data, height: h, width: w, h, w };
}
