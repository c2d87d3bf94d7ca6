// SPDX-License-Identifier: MIT
// DICOM Part-10 images (single- or multi-frame) and series of single-frame files, parsed by
// dicom-parser. Uncompressed little-endian grayscale only (implicit or explicit VR): compressed
// transfer syntaxes need a codec and are refused with E_UNSUPPORTED. Rescale slope/intercept applied.
import dicomParser from 'dicom-parser';
import { LangevinError } from '../../errors.js';
import { MAX_IMAGE_FILE_BYTES, readBoundedFile } from './readFile.js';
import type { Volume } from './volume.js';

const UNCOMPRESSED_LE = new Set(['1.2.840.10008.1.2', '1.2.840.10008.1.2.1']);

interface Frames extends Volume {
  /** Position along the slice normal (ImagePositionPatient z, else InstanceNumber), for series ordering. */
  readonly position: number;
}

/** Parse DICOM bytes into a volume [columns, rows, frames]. `path` and `field` only name the source in errors. */
export function parseDicom(bytes: Uint8Array, path = 'DICOM data', field = 'dicom'): Frames {
  const fail = (what: string, code: 'E_FILE' | 'E_UNSUPPORTED' = 'E_FILE') => new LangevinError(code, `${field}: ${path}: ${what}`, field);
  let ds: dicomParser.DataSet;
  try {
    ds = dicomParser.parseDicom(bytes);
  } catch (err) {
    throw new LangevinError('E_FILE', `${field}: ${path} is not a readable DICOM Part-10 file`, field, { cause: err });
  }
  const ts = ds.string('x00020010')?.trim();
  if (ts !== undefined && !UNCOMPRESSED_LE.has(ts)) throw fail(`transfer syntax ${ts} is compressed or big-endian (supported: uncompressed little-endian)`, 'E_UNSUPPORTED');
  const rows = ds.uint16('x00280010'), cols = ds.uint16('x00280011');
  const bits = ds.uint16('x00280100') ?? 16;
  const signed = ds.uint16('x00280103') === 1;
  const spp = ds.uint16('x00280002') ?? 1;
  const frames = Number(ds.string('x00280008') ?? '1');
  if (!rows || !cols) throw fail('Rows (0028,0010) and Columns (0028,0011) must be positive');
  if (spp !== 1) throw fail(`SamplesPerPixel ${spp}: only grayscale (1) is supported`, 'E_UNSUPPORTED');
  if (bits !== 8 && bits !== 16 && bits !== 32) throw fail(`BitsAllocated ${bits}: expected 8, 16 or 32`, 'E_UNSUPPORTED');
  if (!(Number.isInteger(frames) && frames >= 1)) throw fail('NumberOfFrames (0028,0008) must be a positive integer');
  const px = ds.elements.x7fe00010;
  if (!px) throw fail('no PixelData (7FE0,0010)');
  if (px.encapsulatedPixelData) throw fail('PixelData is encapsulated (compressed)', 'E_UNSUPPORTED');
  const count = rows * cols * frames;
  const size = bits / 8;
  if (px.length < count * size || px.dataOffset + count * size > ds.byteArray.byteLength) throw fail(`PixelData holds ${px.length} bytes, too few for ${cols}×${rows}×${frames} voxels of ${bits} bits`);
  const view = new DataView(ds.byteArray.buffer, ds.byteArray.byteOffset + px.dataOffset, count * size);
  const slope = Number(ds.string('x00281053') ?? '1') || 1;
  const inter = Number(ds.string('x00281052') ?? '0') || 0;
  const data = new Float32Array(count);
  for (let i = 0; i < count; i++) {
    const o = i * size;
    const raw = size === 1 ? (signed ? view.getInt8(o) : view.getUint8(o)) : size === 2 ? (signed ? view.getInt16(o, true) : view.getUint16(o, true)) : signed ? view.getInt32(o, true) : view.getUint32(o, true);
    data[i] = raw * slope + inter;
  }
  const spacing = (ds.string('x00280030') ?? '').split('\\').map(Number); // row spacing \ column spacing
  const thick = Number(ds.string('x00180050'));
  const pos = (ds.string('x00200032') ?? '').split('\\').map(Number);
  const position = pos.length === 3 && Number.isFinite(pos[2]) ? pos[2] : Number(ds.string('x00200013') ?? '0') || 0;
  const ok = (v: number) => (Number.isFinite(v) && v > 0 ? v : 1);
  return { data, dims: [cols, rows, frames], spacing: [ok(spacing[1]), ok(spacing[0]), ok(thick)], position };
}

/** Read one DICOM file (bounded: regular file, size capped). */
export function readDicom(path: string, field = 'dicom', maxBytes = MAX_IMAGE_FILE_BYTES): Volume {
  const { data, dims, spacing } = parseDicom(readBoundedFile(path, field, maxBytes), path, field);
  return { data, dims, spacing };
}

/** Stack single-frame DICOM files of one series into a volume, ordered by slice position. */
export function readDicomSeries(paths: readonly string[], field = 'dicom', maxBytes = MAX_IMAGE_FILE_BYTES): Volume {
  if (paths.length === 0) throw new LangevinError('E_VALUE', `${field}: expected at least one DICOM file, received none`, field);
  const slices = paths.map((p) => parseDicom(readBoundedFile(p, field, maxBytes), p, field));
  const [nx, ny] = slices[0].dims;
  slices.forEach((s, i) => {
    if (s.dims[0] !== nx || s.dims[1] !== ny || s.dims[2] !== 1) throw new LangevinError('E_SHAPE', `${field}: ${paths[i]} is ${s.dims.join('×')}, the series is ${nx}×${ny}×1 per file`, field);
  });
  const order = slices.map((s, i) => i).sort((a, b) => slices[a].position - slices[b].position);
  const data = new Float32Array(nx * ny * slices.length);
  order.forEach((k, z) => data.set(slices[k].data, z * nx * ny));
  const dz = slices.length > 1 ? Math.abs(slices[order[1]].position - slices[order[0]].position) : 0;
  return { data, dims: [nx, ny, slices.length], spacing: [slices[0].spacing[0], slices[0].spacing[1], dz > 0 ? dz : slices[0].spacing[2]] };
}
