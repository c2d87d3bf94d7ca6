// SPDX-License-Identifier: MIT
// NIfTI round trips (plain and gzipped, other datatypes and byte order), DICOM reads of Part-10
// files built here byte by byte, and typed errors for malformed or oversized files.
import test from 'ava';
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { LangevinError, type ErrorCode } from '../lib/errors.js';
import { encodeNifti, readDicom, readDicomSeries, readNifti, readVolume, volumeSlice, writeNifti, parseSliceRange, downsampleImage } from '../lib/imaging/formats/index.js';
import type { Volume } from '../lib/imaging/formats/index.js';

const dir = mkdtempSync(join(tmpdir(), 'langevin-formats-'));

function testVolume(nx: number, ny: number, nz: number): Volume {
  const data = new Float32Array(nx * ny * nz);
  for (let k = 0; k < nz; k++) for (let j = 0; j < ny; j++) for (let i = 0; i < nx; i++) data[i + nx * (j + ny * k)] = i + 10 * j + 100 * k + 0.25;
  return { data, dims: [nx, ny, nz], spacing: [0.5, 0.75, 2] };
}

for (const name of ['vol.nii', 'vol.nii.gz']) {
  test(`NIfTI round trip: ${name}`, (t) => {
    const v = testVolume(5, 4, 3);
    const p = join(dir, name);
    writeNifti(p, v);
    const r = readNifti(p);
    t.deepEqual(r.dims, [5, 4, 3]);
    t.deepEqual(r.spacing, [0.5, 0.75, 2]);
    t.deepEqual(Array.from(r.data), Array.from(v.data));
    // Slice z = 2 as an image: height ny, width nx, row j.
    const s = volumeSlice(r, 2);
    t.is(s.height, 4);
    t.is(s.width, 5);
    t.is(s.data[3 * 5 + 1], 1 + 30 + 200 + 0.25);
    t.is(volumeSlice(r, 1, 'x').data[2 * 4 + 3], 1 + 30 + 200 + 0.25); // x slice: rows k, cols j
  });
}

test('NIfTI: int16 big-endian with scl_slope/scl_inter is read and scaled', (t) => {
  const buf = encodeNifti(testVolume(3, 2, 1)); // take the float header, then rewrite it as int16 BE
  const h = Buffer.alloc(352 + 2 * 6);
  buf.copy(h, 0, 0, 352);
  // Byte-swap every header field used: sizeof_hdr, dims, datatype, bitpix, pixdim, vox_offset, scl.
  h.writeInt32BE(348, 0);
  [2, 3, 2, 1, 1, 1, 1, 1].forEach((d, i) => h.writeInt16BE(d, 40 + 2 * i));
  h.writeInt16BE(4, 70);
  h.writeInt16BE(16, 72);
  [1, 1, 1, 1, 1, 1, 1, 1].forEach((d, i) => h.writeFloatBE(d, 76 + 4 * i));
  h.writeFloatBE(352, 108);
  h.writeFloatBE(0.5, 112);
  h.writeFloatBE(-3, 116);
  h.writeInt16BE(0, 254);
  [-2, 0, 7, 100, -300, 5].forEach((v, i) => h.writeInt16BE(v, 352 + 2 * i));
  const p = join(dir, 'be.nii.gz');
  writeFileSync(p, gzipSync(h));
  const r = readNifti(p);
  t.deepEqual(r.dims, [3, 2, 1]);
  t.deepEqual(Array.from(r.data), [-2, 0, 7, 100, -300, 5].map((v) => v * 0.5 - 3));
});

function errorOf(t: import('ava').ExecutionContext, f: () => unknown, code: ErrorCode, field: string): LangevinError {
  const e = t.throws(f, { instanceOf: LangevinError })!;
  t.is(e.code, code);
  t.is(e.field, field);
  return e;
}

test('NIfTI: malformed, truncated, oversized, non-regular files → E_FILE naming the field, content not quoted', (t) => {
  const junk = join(dir, 'junk.nii');
  writeFileSync(junk, Buffer.from('SECRET-CONTENT '.repeat(40)));
  const e = errorOf(t, () => readNifti(junk, 'images'), 'E_FILE', 'images');
  t.false(e.message.includes('SECRET'));
  const trunc = join(dir, 'trunc.nii');
  writeFileSync(trunc, encodeNifti(testVolume(8, 8, 8)).subarray(0, 600));
  t.regex(errorOf(t, () => readNifti(trunc), 'E_FILE', 'nifti').message, /too few/);
  errorOf(t, () => readNifti(join(dir, 'vol.nii'), 'nifti', 100), 'E_FILE', 'nifti'); // size cap
  const bomb = join(dir, 'bomb.nii.gz');
  writeFileSync(bomb, gzipSync(Buffer.alloc(1 << 20)));
  t.regex(errorOf(t, () => readNifti(bomb, 'nifti', 1 << 16), 'E_FILE', 'nifti').message, /decompresses to over/);
  const badGz = join(dir, 'bad.nii.gz');
  writeFileSync(badGz, Buffer.from([0x1f, 0x8b, 1, 2, 3, 4, 5]));
  errorOf(t, () => readNifti(badGz), 'E_FILE', 'nifti');
  const sub = join(dir, 'a-directory.nii');
  mkdirSync(sub, { recursive: true });
  t.regex(errorOf(t, () => readNifti(sub), 'E_FILE', 'nifti').message, /it is a directory/);
  errorOf(t, () => readNifti(join(dir, 'missing.nii')), 'E_FILE', 'nifti');
});

// ---------------------------------------------------------------- DICOM

/** One explicit-VR little-endian element. */
function el(group: number, elem: number, vr: string, value: Buffer): Buffer {
  const v = value.length % 2 ? Buffer.concat([value, Buffer.from(vr === 'UI' ? [0] : [0x20])]) : value;
  const long = ['OB', 'OW', 'OF', 'SQ', 'UT', 'UN'].includes(vr);
  const h = Buffer.alloc(long ? 12 : 8);
  h.writeUInt16LE(group, 0);
  h.writeUInt16LE(elem, 2);
  h.write(vr, 4, 'latin1');
  if (long) h.writeUInt32LE(v.length, 8);
  else h.writeUInt16LE(v.length, 6);
  return Buffer.concat([h, v]);
}
const us = (n: number) => {
  const b = Buffer.alloc(2);
  b.writeUInt16LE(n);
  return b;
};
const str = (s: string) => Buffer.from(s, 'latin1');

/** A minimal valid DICOM Part-10 file: preamble, DICM, file meta group, image tags, 16-bit pixels. */
function dicomFile(o: { rows: number; cols: number; pixels: number[]; signed?: boolean; frames?: number; slope?: string; intercept?: string; z?: number; transferSyntax?: string }): Buffer {
  const ts = o.transferSyntax ?? '1.2.840.10008.1.2.1';
  const metaBody = Buffer.concat([
    el(0x0002, 0x0001, 'OB', Buffer.from([0, 1])),
    el(0x0002, 0x0002, 'UI', str('1.2.840.10008.5.1.4.1.1.4')), // MR Image Storage
    el(0x0002, 0x0003, 'UI', str('1.2.3.4.5.6.7')),
    el(0x0002, 0x0010, 'UI', str(ts)),
  ]);
  const groupLen = Buffer.alloc(4);
  groupLen.writeUInt32LE(metaBody.length);
  const px = Buffer.alloc(2 * o.pixels.length);
  o.pixels.forEach((v, i) => (o.signed ? px.writeInt16LE(v, 2 * i) : px.writeUInt16LE(v, 2 * i)));
  const body = [
    el(0x0008, 0x0060, 'CS', str('MR')),
    ...(o.z !== undefined ? [el(0x0020, 0x0032, 'DS', str(`0\\0\\${o.z}`))] : []),
    el(0x0028, 0x0002, 'US', us(1)),
    el(0x0028, 0x0004, 'CS', str('MONOCHROME2')),
    ...(o.frames ? [el(0x0028, 0x0008, 'IS', str(String(o.frames)))] : []),
    el(0x0028, 0x0010, 'US', us(o.rows)),
    el(0x0028, 0x0011, 'US', us(o.cols)),
    el(0x0028, 0x0030, 'DS', str('0.8\\0.9')),
    el(0x0028, 0x0100, 'US', us(16)),
    el(0x0028, 0x0101, 'US', us(16)),
    el(0x0028, 0x0102, 'US', us(15)),
    el(0x0028, 0x0103, 'US', us(o.signed ? 1 : 0)),
    ...(o.intercept ? [el(0x0028, 0x1052, 'DS', str(o.intercept))] : []),
    ...(o.slope ? [el(0x0028, 0x1053, 'DS', str(o.slope))] : []),
    el(0x7fe0, 0x0010, 'OW', px),
  ];
  return Buffer.concat([Buffer.alloc(128), str('DICM'), el(0x0002, 0x0000, 'UL', groupLen), metaBody, ...body]);
}

test('DICOM: 16-bit signed image with rescale, values and shape', (t) => {
  const pixels = [-1000, 0, 1, 2, 300, 32767];
  const p = join(dir, 'img.dcm');
  writeFileSync(p, dicomFile({ rows: 2, cols: 3, pixels, signed: true, slope: '2', intercept: '-1024' }));
  const v = readDicom(p);
  t.deepEqual(v.dims, [3, 2, 1]);
  t.deepEqual(Array.from(v.data), pixels.map((x) => 2 * x - 1024));
  t.deepEqual(v.spacing, [0.9, 0.8, 1]);
  const img = volumeSlice(v, 0);
  t.is(img.height, 2);
  t.is(img.width, 3);
  t.is(img.data[1 * 3 + 2], 2 * 32767 - 1024);
  t.deepEqual(readVolume(p).dims, [3, 2, 1]);
});

test('DICOM: multi-frame file and a series ordered by slice position', (t) => {
  const p = join(dir, 'multi.dcm');
  writeFileSync(p, dicomFile({ rows: 2, cols: 2, frames: 3, pixels: Array.from({ length: 12 }, (_, i) => i * 100) }));
  const v = readDicom(p);
  t.deepEqual(v.dims, [2, 2, 3]);
  t.is(volumeSlice(v, 2).data[3], 1100);
  const files = [5, -5, 0].map((z, i) => {
    const f = join(dir, `s${i}.dcm`);
    writeFileSync(f, dicomFile({ rows: 1, cols: 2, pixels: [z + 10, z + 20], z }));
    return f;
  });
  const s = readDicomSeries(files);
  t.deepEqual(s.dims, [2, 1, 3]);
  t.deepEqual(Array.from(s.data), [5, 15, 10, 20, 15, 25]);
  t.is(s.spacing[2], 5);
});

test('DICOM: malformed, truncated, compressed → typed errors naming the field, content not quoted', (t) => {
  const junk = join(dir, 'junk.dcm');
  writeFileSync(junk, Buffer.from('SECRET-CONTENT '.repeat(20)));
  t.false(errorOf(t, () => readDicom(junk, 'images'), 'E_FILE', 'images').message.includes('SECRET'));
  const full = dicomFile({ rows: 4, cols: 4, pixels: Array(16).fill(7) });
  const trunc = join(dir, 'trunc.dcm');
  writeFileSync(trunc, full.subarray(0, full.length - 10));
  errorOf(t, () => readDicom(trunc), 'E_FILE', 'dicom');
  const jpeg = join(dir, 'jpeg.dcm');
  writeFileSync(jpeg, dicomFile({ rows: 1, cols: 1, pixels: [1], transferSyntax: '1.2.840.10008.1.2.4.50' }));
  errorOf(t, () => readDicom(jpeg), 'E_UNSUPPORTED', 'dicom');
  const a = join(dir, 'a.dcm'), b = join(dir, 'b.dcm');
  writeFileSync(a, dicomFile({ rows: 1, cols: 2, pixels: [1, 2] }));
  writeFileSync(b, dicomFile({ rows: 2, cols: 2, pixels: [1, 2, 3, 4] }));
  errorOf(t, () => readDicomSeries([a, b]), 'E_SHAPE', 'dicom');
});

test('slice ranges and downsampling', (t) => {
  t.deepEqual(parseSliceRange('2:5', 10), [2, 3, 4]);
  t.deepEqual(parseSliceRange('7', 10), [7]);
  t.deepEqual(parseSliceRange(':', 3), [0, 1, 2]);
  t.throws(() => parseSliceRange('5:2', 10), { instanceOf: LangevinError });
  t.throws(() => parseSliceRange('0:11', 10), { instanceOf: LangevinError });
  const d = downsampleImage({ data: Float32Array.from([1, 3, 5, 7, 1, 3, 5, 7]), height: 2, width: 4 }, 2);
  t.deepEqual([d.height, d.width, ...d.data], [1, 2, 2, 6]);
});
