// SPDX-License-Identifier: MIT
// Medical image formats: NIfTI read/write, DICOM read, volumes used slice by slice.
import { extname } from 'node:path';
import { readDicom } from './dicom.js';
import { readNifti } from './nifti.js';
import type { Volume } from './volume.js';

export { readNifti, writeNifti, parseNifti, encodeNifti } from './nifti.js';
export { readDicom, readDicomSeries, parseDicom } from './dicom.js';
export { volumeSlice, parseSliceRange, downsampleImage, normaliseIntensity } from './volume.js';
export type { Volume, Image2D } from './volume.js';
export { readBoundedFile, MAX_IMAGE_FILE_BYTES } from './readFile.js';

/** Whether a path names a volume format this package reads (.nii, .nii.gz, .dcm, .dicom). */
export function isVolumePath(path: string): boolean {
  const p = path.toLowerCase();
  return p.endsWith('.nii') || p.endsWith('.nii.gz') || ['.dcm', '.dicom'].includes(extname(p));
}

/** Read a NIfTI or DICOM file by its extension. */
export function readVolume(path: string, field = 'images'): Volume {
  const p = path.toLowerCase();
  return p.endsWith('.nii') || p.endsWith('.nii.gz') ? readNifti(path, field) : readDicom(path, field);
}
