// SPDX-License-Identifier: MIT
// Training images for fit-prior from files: PNGs as they are, NIfTI/DICOM volumes slice by slice.
// Volume intensities are divided by the chosen slices' 99.5th percentile and clipped to [0, 1],
// the range the patch prior and the samplers' defaults assume.
import { LangevinError } from '../../errors.js';
import type { TrainingImage } from '../fitPrior.js';
import { decodePngGray } from '../png.js';
import { isVolumePath, readVolume } from './index.js';
import { readBoundedFile } from './readFile.js';
import { normaliseIntensity, parseSliceRange, volumeSlice } from './volume.js';

export interface SliceSelection {
  /** 'a:b' (Python-style, b exclusive), 'k', or ':' (default: all). */
  readonly slices?: string;
  readonly axis?: 'x' | 'y' | 'z';
}

/** Read PNG, NIfTI (.nii, .nii.gz) and DICOM (.dcm) files into 2-D training images. */
export function readTrainingImages(files: readonly string[], sel: SliceSelection = {}, field = 'images'): TrainingImage[] {
  const axis = sel.axis ?? 'z';
  if (!['x', 'y', 'z'].includes(axis)) throw new LangevinError('E_OPTION', `--axis: expected x | y | z, received ${JSON.stringify(String(axis))}`, '--axis');
  const out: TrainingImage[] = [];
  for (const f of files) {
    if (isVolumePath(f)) {
      const v = readVolume(f, field);
      const n = v.dims[axis === 'x' ? 0 : axis === 'y' ? 1 : 2];
      const slices = parseSliceRange(sel.slices ?? ':', n, '--slices').map((k) => volumeSlice(v, k, axis));
      const pooled = new Float32Array(slices.reduce((s, im) => s + im.data.length, 0));
      let o = 0;
      for (const im of slices) pooled.set(im.data, (o += im.data.length) - im.data.length);
      const { scale } = normaliseIntensity(pooled);
      for (const im of slices) out.push({ data: im.data.map((x) => (Number.isFinite(x) ? Math.min(1, Math.max(0, x / scale)) : 0)), height: im.height, width: im.width });
    } else {
      try {
        const { data, height, width } = decodePngGray(readBoundedFile(f, field));
        out.push({ data, height, width });
      } catch (err) {
        if (err instanceof LangevinError && err.message.startsWith(`${field}:`)) throw err;
        throw new LangevinError('E_FILE', `${field}: ${f} is not a PNG, NIfTI (.nii, .nii.gz) or DICOM (.dcm) image`, field, { cause: err });
      }
    }
  }
  return out;
}
