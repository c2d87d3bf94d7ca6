// SPDX-License-Identifier: MIT
// NIfTI-1/2 volumes (.nii, .nii.gz): the header is parsed by nifti-reader-js; the voxels are
// converted here (any of the common scalar types, either byte order, scl_slope/scl_inter applied).
// Writing is NIfTI-1 single-file float32 with a scaled-identity sform, gzipped for .gz names.
import { writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import * as nifti from 'nifti-reader-js';
import { invalid, LangevinError } from '../../errors.js';
import { MAX_IMAGE_FILE_BYTES, maybeGunzip, readBoundedFile } from './readFile.js';
import type { Volume } from './volume.js';

// datatype code → [bytes per voxel, DataView reader]
const TYPES: Record<number, [number, (v: DataView, o: number, le: boolean) => number]> = {
  2: [1, (v, o) => v.getUint8(o)],
  4: [2, (v, o, le) => v.getInt16(o, le)],
  8: [4, (v, o, le) => v.getInt32(o, le)],
  16: [4, (v, o, le) => v.getFloat32(o, le)],
  64: [8, (v, o, le) => v.getFloat64(o, le)],
  256: [1, (v, o) => v.getInt8(o)],
  512: [2, (v, o, le) => v.getUint16(o, le)],
  768: [4, (v, o, le) => v.getUint32(o, le)],
};

/** Parse NIfTI bytes (already gunzipped). `path` and `field` only name the source in errors. */
export function parseNifti(bytes: Uint8Array, path = 'NIfTI data', field = 'nifti'): Volume {
  const ab = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  let header: ReturnType<typeof nifti.readHeader>;
  try {
    if (!nifti.isNIFTI(ab)) throw new Error('no NIfTI magic');
    header = nifti.readHeader(ab);
  } catch (err) {
    throw new LangevinError('E_FILE', `${field}: ${path} is not a NIfTI-1/2 single file (.nii or .nii.gz)`, field, { cause: err });
  }
  const fail = (what: string) => new LangevinError('E_FILE', `${field}: ${path}: ${what}`, field);
  const nd = header.dims[0];
  if (!(Number.isInteger(nd) && nd >= 1 && nd <= 7)) throw fail(`header dim[0] = ${nd}, expected 1…7`);
  const dims = header.dims.slice(1, nd + 1);
  if (!dims.every((d) => Number.isInteger(d) && d >= 1)) throw fail('header dims must be positive integers');
  const type = TYPES[header.datatypeCode];
  if (!type) throw new LangevinError('E_UNSUPPORTED', `${field}: ${path}: NIfTI datatype ${header.datatypeCode} (supported: uint8/16/32, int8/16/32, float32/64)`, field);
  const count = dims.reduce((a, b) => a * b, 1);
  const offset = Math.round(header.vox_offset);
  if (!(offset >= 348) || count * type[0] > bytes.byteLength - offset) throw fail(`holds ${bytes.byteLength} bytes, too few for ${dims.join('×')} voxels at offset ${offset}`);
  const view = new DataView(ab, offset, count * type[0]);
  const slope = Number.isFinite(header.scl_slope) && header.scl_slope !== 0 ? header.scl_slope : 1;
  const inter = Number.isFinite(header.scl_inter) ? header.scl_inter : 0;
  const data = new Float32Array(count);
  const [size, read] = type;
  for (let i = 0; i < count; i++) data[i] = read(view, i * size, header.littleEndian) * slope + inter;
  const nx = dims[0], ny = dims[1] ?? 1, nz = count / (nx * ny);
  const sp = (i: number) => (Number.isFinite(header.pixDims[i]) && header.pixDims[i] > 0 ? Math.abs(header.pixDims[i]) : 1);
  return { data, dims: [nx, ny, nz], spacing: [sp(1), sp(2), sp(3)] };
}

/** Read a .nii or .nii.gz file (bounded: regular file, size and decompressed size capped). */
export function readNifti(path: string, field = 'nifti', maxBytes = MAX_IMAGE_FILE_BYTES): Volume {
  return parseNifti(maybeGunzip(readBoundedFile(path, field, maxBytes), path, field, maxBytes), path, field);
}

/** NIfTI-1 bytes of a float32 volume (348-byte header, 4 empty extension bytes, voxels at 352). */
export function encodeNifti(v: Volume, description = 'langevin'): Buffer {
  const [nx, ny, nz] = v.dims;
  if (![nx, ny, nz].every((d) => Number.isInteger(d) && d >= 1 && d <= 32767)) throw invalid('E_SHAPE', 'dims', 'three integers in [1, 32767]', v.dims);
  if (v.data.length !== nx * ny * nz) throw invalid('E_SHAPE', 'data', `${nx}·${ny}·${nz} = ${nx * ny * nz} voxels`, v.data);
  const buf = Buffer.alloc(352 + 4 * v.data.length);
  buf.writeInt32LE(348, 0);
  buf.writeUInt8(0x72, 38); // regular = 'r' (Analyze compatibility)
  const ndim = nz > 1 ? 3 : 2;
  [ndim, nx, ny, nz, 1, 1, 1, 1].forEach((d, i) => buf.writeInt16LE(d, 40 + 2 * i));
  buf.writeInt16LE(16, 70); // float32
  buf.writeInt16LE(32, 72);
  const s = v.spacing;
  [1, s[0], s[1], s[2], 1, 1, 1, 1].forEach((d, i) => buf.writeFloatLE(d, 76 + 4 * i));
  buf.writeFloatLE(352, 108); // vox_offset
  buf.writeFloatLE(1, 112); // scl_slope
  buf.writeUInt8(2, 123); // xyzt_units: mm
  buf.write(description.slice(0, 79), 148, 'latin1');
  buf.writeInt16LE(1, 254); // sform_code: scanner
  [[s[0], 0, 0, 0], [0, s[1], 0, 0], [0, 0, s[2], 0]].forEach((row, r) => row.forEach((x, c) => buf.writeFloatLE(x, 280 + 16 * r + 4 * c)));
  buf.write('n+1\0', 344, 'latin1');
  for (let i = 0; i < v.data.length; i++) buf.writeFloatLE(v.data[i], 352 + 4 * i);
  return buf;
}

/** Write a volume (or, with nz = 1, an image) as NIfTI-1; a name ending in .gz is gzipped. */
export function writeNifti(path: string, v: Volume, description?: string): void {
  const bytes = encodeNifti(v, description);
  writeFileSync(path, path.endsWith('.gz') ? gzipSync(bytes) : bytes);
}
