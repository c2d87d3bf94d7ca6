// SPDX-License-Identifier: MIT
// An observation y read from an image file (PNG → gray in [0, 1]; NIfTI/DICOM → one slice, values
// as stored times `scale`), for problem files' `"y": { "image": path, "slice"?, "axis"?, "scale"? }`.
import { invalid } from '../../errors.js';
import { decodePngGray } from '../png.js';
import { isVolumePath, readVolume } from './index.js';
import { readBoundedFile } from './readFile.js';
import { volumeSlice } from './volume.js';

export interface ObservationImageOptions {
  readonly slice?: number; // volumes: slice index along axis (default 0)
  readonly axis?: 'x' | 'y' | 'z'; // default 'z'
  readonly scale?: number; // multiply values (default 1)
}

/** y as a flat row-major Float64Array [height·width], with the image's size. */
export function readObservationImage(path: string, o: ObservationImageOptions, field: string, optionsField = field): { data: Float64Array; height: number; width: number } {
  const scale = o.scale ?? 1;
  if (!(Number.isFinite(scale) && scale !== 0)) throw invalid('E_VALUE', `${optionsField}.scale`, 'a finite non-zero number', scale);
  if (o.axis !== undefined && !['x', 'y', 'z'].includes(o.axis)) throw invalid('E_VALUE', `${optionsField}.axis`, '"x" | "y" | "z"', o.axis);
  if (isVolumePath(path)) {
    const v = readVolume(path, field);
    const n = v.dims['xyz'.indexOf(o.axis ?? 'z')];
    const k = o.slice ?? 0;
    if (!(Number.isInteger(k) && k >= 0 && k < n)) throw invalid('E_VALUE', `${optionsField}.slice`, `an integer in [0, ${n - 1}]`, k);
    const img = volumeSlice(v, k, o.axis ?? 'z');
    return { data: Float64Array.from(img.data, (v) => v * scale), height: img.height, width: img.width };
  }
  if (o.slice !== undefined || o.axis !== undefined) throw invalid('E_VALUE', `${optionsField}.slice`, 'slice/axis only with a NIfTI or DICOM volume', o.slice ?? o.axis);
  let png;
  try {
    png = decodePngGray(readBoundedFile(path, field));
  } catch (err) {
    throw invalid('E_FILE', field, 'a PNG, NIfTI (.nii, .nii.gz) or DICOM (.dcm) image', `${path}: ${(err as Error).message.split(':')[0]}`);
  }
  return { data: png.data.map((v) => v * scale), height: png.height, width: png.width };
}
