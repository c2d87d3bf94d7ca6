// SPDX-License-Identifier: MIT
import test from 'ava';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LangevinError } from '../lib/errors.js';
import { readNpy, readNpyFile, writeNpy, writeNpyFile } from '../lib/io/npy.js';

/** A .npy v1.0 file exactly as NumPy writes it: header padded with spaces to a multiple of 64, ending '\n'. */
function numpyBytes(dict: string, data: Uint8Array, version: 1 | 2 = 1): Buffer {
  const preamble = version === 1 ? 10 : 12;
  let header = dict;
  while ((preamble + header.length + 1) % 64 !== 0) header += ' ';
  header += '\n';
  const head = Buffer.alloc(preamble);
  Buffer.from([0x93, ...Buffer.from('NUMPY'), version, 0]).copy(head);
  if (version === 1) head.writeUInt16LE(header.length, 8);
  else head.writeUInt32LE(header.length, 8);
  return Buffer.concat([head, Buffer.from(header, 'latin1'), data]);
}

const bytesOf = (a: ArrayBufferView) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

function throwsFile(t: import('ava').ExecutionContext, fn: () => unknown, message: RegExp): void {
  const err = t.throws(fn, { instanceOf: LangevinError, message });
  t.is((err as LangevinError).code, 'E_FILE');
}

test('round-trips float32 and float64 in several shapes, including scalar and empty', (t) => {
  const shapes = [[], [1], [5], [2, 3], [2, 3, 4], [0, 4], [1, 1, 1, 7]];
  for (const shape of shapes) {
    const n = shape.reduce((a, b) => a * b, 1);
    for (const Ctor of [Float32Array, Float64Array]) {
      const data = new Ctor(n).map((_, i) => (i - 3.25) * 1.5e-3);
      const buf = writeNpy(data, shape);
      t.is(buf.length % 64, (n * data.BYTES_PER_ELEMENT) % 64, 'data starts 64-byte aligned');
      const back = readNpy(buf);
      t.deepEqual(back.shape, shape);
      t.is(back.dtype, Ctor === Float32Array ? '<f4' : '<f8');
      t.true(back.data instanceof Ctor);
      t.deepEqual(Array.from(back.data), Array.from(data));
    }
  }
});

test('writes the same bytes as NumPy', (t) => {
  const data = Float64Array.from([0, 1, 2, 3, 4, 5]);
  const expected = numpyBytes("{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), }", bytesOf(data));
  t.deepEqual(writeNpy(data, [2, 3]), expected);
  t.is(expected.length, 128 + 48);
  const scalar = Float32Array.of(2.5);
  t.deepEqual(writeNpy(scalar, []), numpyBytes("{'descr': '<f4', 'fortran_order': False, 'shape': (), }", bytesOf(scalar)));
  const vec = Float32Array.of(1, 2, 3);
  t.deepEqual(writeNpy(vec, [3]), numpyBytes("{'descr': '<f4', 'fortran_order': False, 'shape': (3,), }", bytesOf(vec)));
});

test('reads a hand-built v1.0 file byte-for-byte as NumPy writes it, from an unaligned offset', (t) => {
  const data = Float64Array.from([1.5, -2, 3e-300, 4]);
  const file = numpyBytes("{'descr': '<f8', 'fortran_order': False, 'shape': (2, 2), }", bytesOf(data));
  const shifted = new Uint8Array(file.length + 3).subarray(3); // byteOffset 3: misaligned for f8
  shifted.set(file);
  const out = readNpy(shifted);
  t.deepEqual(out.shape, [2, 2]);
  t.deepEqual(Array.from(out.data), [1.5, -2, 3e-300, 4]);
});

test('reads v2.0 headers and keys in any order', (t) => {
  const data = Float32Array.of(1, 2, 3);
  const out = readNpy(numpyBytes("{'shape': (3,), 'fortran_order': False, 'descr': '<f4'}", bytesOf(data), 2));
  t.deepEqual(out.shape, [3]);
  t.deepEqual(Array.from(out.data), [1, 2, 3]);
});

test('reads integer and boolean dtypes into Float64Array, and converts f4 on request', (t) => {
  const cases: [string, Uint8Array, number[]][] = [
    ['<i4', bytesOf(Int32Array.of(-7, 0, 2 ** 31 - 1)), [-7, 0, 2 ** 31 - 1]],
    ['<i8', bytesOf(BigInt64Array.of(-5n, 2n ** 40n, 0n)), [-5, 2 ** 40, 0]],
    ['|u1', Uint8Array.of(0, 255, 7), [0, 255, 7]],
    ['<u1', Uint8Array.of(1, 2, 3), [1, 2, 3]],
    ['|b1', Uint8Array.of(1, 0, 1), [1, 0, 1]],
  ];
  for (const [descr, bytes, want] of cases) {
    const out = readNpy(numpyBytes(`{'descr': '${descr}', 'fortran_order': False, 'shape': (3,), }`, bytes));
    t.true(out.data instanceof Float64Array, descr);
    t.deepEqual(Array.from(out.data), want, descr);
  }
  const f32 = readNpy(writeNpy(Float32Array.of(0.1, 0.2), [2]), { float64: true });
  t.true(f32.data instanceof Float64Array);
  t.is(f32.data[0], Math.fround(0.1));
});

test('rejects Fortran order, truncated data, bad magic, bad dtypes and malformed headers', (t) => {
  const d = bytesOf(Float64Array.of(1, 2, 3, 4));
  throwsFile(t, () => readNpy(numpyBytes("{'descr': '<f8', 'fortran_order': True, 'shape': (2, 2), }", d)), /Fortran-order .* not supported/);
  throwsFile(t, () => readNpy(numpyBytes("{'descr': '<f8', 'fortran_order': False, 'shape': (2, 2), }", d.subarray(0, 31))), /expected 32 data bytes .* received 31 bytes/);
  throwsFile(t, () => readNpy(numpyBytes("{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), }", d)), /expected 48 data bytes/);
  throwsFile(t, () => readNpy(numpyBytes("{'descr': '>f8', 'fortran_order': False, 'shape': (2, 2), }", d)), /dtype one of .* received '>f8'/);
  throwsFile(t, () => readNpy(numpyBytes("{'descr': '<f8', 'shape': (2, 2), }", d)), /header keys/);
  throwsFile(t, () => readNpy(numpyBytes("{'descr': '<f8', 'fortran_order': False, 'shape': (2, -2), }", d)), /non-negative integer/);
  throwsFile(t, () => readNpy(numpyBytes("{'descr': '<f8', 'fortran_order': False, 'shape': (2, 2), ", d)), /header dict/);
  throwsFile(t, () => readNpy(Buffer.from('PK\x03\x04 not a npy file at all')), /\\x93NUMPY/);
  throwsFile(t, () => readNpy(new Uint8Array(4)), /received 4 bytes/);
  const lying = numpyBytes("{'descr': '<f8', 'fortran_order': False, 'shape': (4,), }", d);
  lying.writeUInt16LE(60000, 8); // header length beyond the end of the file
  throwsFile(t, () => readNpy(lying), /header of 60000 bytes/);
});

test('writeNpy rejects a shape that does not match the data', (t) => {
  const err = t.throws(() => writeNpy(new Float32Array(6), [4, 2]), { instanceOf: LangevinError, message: /8 elements/ });
  t.is(err?.code, 'E_SHAPE');
});

test('file write is atomic: result readable, no temporary file left, failures leave nothing', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'langevin-npy-'));
  try {
    const path = join(dir, 'samples.npy');
    writeFileSync(path, 'old contents');
    const data = Float32Array.from({ length: 1000 }, (_, i) => Math.sin(i));
    writeNpyFile(path, data, [10, 100]);
    t.deepEqual(readdirSync(dir), ['samples.npy']);
    const back = readNpyFile(path);
    t.deepEqual(back.shape, [10, 100]);
    t.deepEqual(Array.from(back.data), Array.from(data));
    t.deepEqual(readFileSync(path), writeNpy(data, [10, 100]));

    // Writing into a missing directory fails with E_FILE and leaves nothing behind.
    const err = t.throws(() => writeNpyFile(join(dir, 'missing', 'x.npy'), data, [1000]), { instanceOf: LangevinError });
    t.is(err?.code, 'E_FILE');
    // A shape error is raised before any file is touched.
    t.throws(() => writeNpyFile(path, data, [3]), { instanceOf: LangevinError });
    t.deepEqual(readdirSync(dir), ['samples.npy']);
    t.deepEqual(readFileSync(path), writeNpy(data, [10, 100]));

    const missing = t.throws(() => readNpyFile(join(dir, 'nope.npy')), { instanceOf: LangevinError, message: /nope\.npy: cannot read/ });
    t.is(missing?.code, 'E_FILE');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
