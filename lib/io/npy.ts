// SPDX-License-Identifier: MIT
// NumPy .npy files (https://numpy.org/doc/stable/reference/generated/numpy.lib.format.html).
// Reading accepts format versions 1.0, 2.0 and 3.0 (3.0 only differs in the header's text
// encoding); writing always produces 1.0, which every NumPy version reads.
import { FILE_CAPS, readBoundedSync } from './files.js';
import { closeSync, fsyncSync, openSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { LangevinError } from '../errors.js';

export type NpyDtype = '<f4' | '<f8' | '<i4' | '<i8' | '|u1' | '<u1' | '|b1';

export interface NpyArray<T extends Float32Array | Float64Array = Float32Array | Float64Array> {
  /** Float32Array for '<f4' (unless float64 was requested); Float64Array for everything else. */
  readonly data: T;
  /** The dtype as stored in the file. */
  readonly dtype: NpyDtype;
  /** C-order shape; [] for a 0-d (scalar) array. */
  readonly shape: number[];
}

export interface ReadNpyOptions {
  /** Always return a Float64Array (converts '<f4'). */
  readonly float64?: boolean;
  /** Name used in error messages (a file path); default 'npy'. */
  readonly name?: string;
}

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY
const PREAMBLE_V1 = 10; // magic(6) + version(2) + uint16 header length
const PREAMBLE_V2 = 12; // magic(6) + version(2) + uint32 header length
const ALIGN = 64; // NumPy pads the header so the data starts 64-byte aligned
// Bytes per element of each supported dtype.
const ITEMSIZE: Record<NpyDtype, number> = { '<f4': 4, '<f8': 8, '<i4': 4, '<i8': 8, '|u1': 1, '<u1': 1, '|b1': 1 };
const LITTLE_ENDIAN_HOST = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function fileError(name: string, expected: string, received: string): LangevinError {
  return new LangevinError('E_FILE', `${name}: expected ${expected}, received ${received}`);
}

/** Decode a .npy file held in memory. Throws LangevinError('E_FILE') on anything malformed. */
export function readNpy(buf: Uint8Array, options: ReadNpyOptions & { float64: true }): NpyArray<Float64Array>;
export function readNpy(buf: Uint8Array, options?: ReadNpyOptions): NpyArray;
export function readNpy(buf: Uint8Array, options: ReadNpyOptions = {}): NpyArray {
  const name = options.name ?? 'npy';
  if (buf.length < PREAMBLE_V1 || MAGIC.some((b, i) => buf[i] !== b)) {
    throw fileError(name, 'a .npy file starting with \\x93NUMPY', buf.length < PREAMBLE_V1 ? `${buf.length} bytes` : 'other leading bytes');
  }
  const major = buf[6];
  if (major !== 1 && major !== 2 && major !== 3) throw fileError(name, '.npy format version 1.0, 2.0 or 3.0', `version ${major}.${buf[7]}`);
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const preamble = major === 1 ? PREAMBLE_V1 : PREAMBLE_V2;
  if (buf.length < preamble) throw fileError(name, `a ${preamble}-byte preamble`, `${buf.length} bytes`);
  const headerLen = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  const dataStart = preamble + headerLen;
  if (dataStart > buf.length) throw fileError(name, `a header of ${headerLen} bytes`, `a file of ${buf.length} bytes`);
  const headerText = new TextDecoder(major === 3 ? 'utf-8' : 'latin1').decode(buf.subarray(preamble, dataStart));
  const { dtype, shape } = parseHeader(headerText, name);

  let count = 1;
  for (const n of shape) count *= n;
  const expectedBytes = count * ITEMSIZE[dtype];
  const actualBytes = buf.length - dataStart;
  if (actualBytes !== expectedBytes) {
    throw fileError(name, `${expectedBytes} data bytes for shape [${shape.join(', ')}] of ${dtype}`, `${actualBytes} bytes (file truncated or corrupt)`);
  }
  const data = decode(buf.subarray(dataStart), dtype, count, options.float64 === true);
  return { data, dtype, shape };
}

function decode(bytes: Uint8Array, dtype: NpyDtype, count: number, float64: boolean): Float32Array | Float64Array {
  // Fast path: copy into a fresh (aligned) buffer and view it; .npy data is little-endian.
  // `new Uint8Array(bytes)` always copies, unlike Buffer#slice which shares memory.
  if (LITTLE_ENDIAN_HOST && dtype === '<f8') return new Float64Array(new Uint8Array(bytes).buffer, 0, count);
  if (LITTLE_ENDIAN_HOST && dtype === '<f4') {
    const f32 = new Float32Array(new Uint8Array(bytes).buffer, 0, count);
    return float64 ? Float64Array.from(f32) : f32;
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = dtype === '<f4' && !float64 ? new Float32Array(count) : new Float64Array(count);
  for (let i = 0; i < count; i++) {
    switch (dtype) {
      case '<f8': out[i] = view.getFloat64(8 * i, true); break;
      case '<f4': out[i] = view.getFloat32(4 * i, true); break;
      case '<i4': out[i] = view.getInt32(4 * i, true); break;
      case '<i8': out[i] = Number(view.getBigInt64(8 * i, true)); break; // exact up to 2^53
      case '|b1': out[i] = bytes[i] !== 0 ? 1 : 0; break;
      default: out[i] = bytes[i]; // '|u1', '<u1'
    }
  }
  return out;
}

// --- header: a Python dict literal such as {'descr': '<f8', 'fortran_order': False, 'shape': (3, 4), }

type PyValue = string | boolean | number[];

function parseHeader(text: string, name: string): { dtype: NpyDtype; shape: number[] } {
  const dict = parsePyDict(text.trimEnd(), name);
  const keys = Object.keys(dict).sort().join(',');
  if (keys !== 'descr,fortran_order,shape') throw fileError(name, "header keys 'descr', 'fortran_order', 'shape'", `${Object.keys(dict).length} other key(s)`);
  const { descr, fortran_order: fortran, shape } = dict;
  if (typeof descr !== 'string' || !(descr in ITEMSIZE)) {
    throw fileError(name, `dtype one of ${Object.keys(ITEMSIZE).join(', ')}`, typeof descr === 'string' && /^[<>|=][a-zA-Z]\d{1,2}$/.test(descr) ? `'${descr}'` : 'another dtype');
  }
  if (typeof fortran !== 'boolean') throw fileError(name, 'fortran_order True or False', String(fortran));
  if (fortran) throw new LangevinError('E_FILE', `${name}: Fortran-order (column-major) arrays are not supported; save with np.save(path, np.ascontiguousarray(a))`);
  if (!Array.isArray(shape)) throw fileError(name, 'shape as a tuple of integers', String(shape));
  return { dtype: descr as NpyDtype, shape };
}

/** A deliberately small parser: only string keys and string / True / False / int-tuple values. */
function parsePyDict(s: string, name: string): Record<string, PyValue> {
  let i = 0;
  const fail = (what: string): never => {
    // Offset only: the header's text is the file's content and is not quoted.
    throw fileError(name, `a header dict (${what} at offset ${i})`, `a malformed header of ${s.length} characters`);
  };
  const ws = (): void => {
    while (i < s.length && (s[i] === ' ' || s[i] === '\t' || s[i] === '\n')) i++;
  };
  const eat = (c: string): boolean => {
    ws();
    if (s[i] !== c) return false;
    i++;
    return true;
  };
  const str = (): string => {
    ws();
    const q = s[i];
    if (q !== "'" && q !== '"') fail('a quoted string');
    const end = s.indexOf(q, i + 1);
    if (end < 0) fail('a closing quote');
    const v = s.slice(i + 1, end);
    i = end + 1;
    return v;
  };
  const int = (): number => {
    ws();
    const m = /^\d+L?/.exec(s.slice(i, i + 24));
    if (!m) fail('a non-negative integer');
    i += m![0].length;
    const n = Number(m![0].replace('L', ''));
    if (!Number.isSafeInteger(n)) fail('a dimension below 2^53');
    return n;
  };
  const value = (): PyValue => {
    ws();
    for (const [word, v] of [['True', true], ['False', false]] as const) {
      if (s.startsWith(word, i)) {
        i += word.length;
        return v;
      }
    }
    if (s[i] === "'" || s[i] === '"') return str();
    if (!eat('(')) fail('a value');
    const dims: number[] = [];
    while (!eat(')')) {
      dims.push(int());
      if (!eat(',') && !(ws(), s[i] === ')')) fail("',' or ')'");
    }
    return dims;
  };
  const out: Record<string, PyValue> = Object.create(null);
  if (!eat('{')) fail("'{'");
  while (!eat('}')) {
    const key = str();
    if (!eat(':')) fail("':'");
    out[key] = value();
    if (!eat(',') && !(ws(), s[i] === '}')) fail("',' or '}'");
  }
  ws();
  if (i !== s.length) fail('end of header');
  return out;
}

// --- writing

/** Encode as a .npy (format 1.0) buffer: '<f4' for Float32Array, '<f8' for Float64Array, C order. */
export function writeNpy(data: Float32Array | Float64Array, shape: readonly number[]): Buffer {
  let count = 1;
  for (const n of shape) {
    if (!Number.isSafeInteger(n) || n < 0) throw new LangevinError('E_SHAPE', `npy shape: expected non-negative integers, received [${shape.join(', ')}]`, 'shape');
    count *= n;
  }
  if (count !== data.length) {
    throw new LangevinError('E_SHAPE', `npy shape: expected shape with ${data.length} elements, received [${shape.join(', ')}] (${count} elements)`, 'shape');
  }
  const descr = data instanceof Float32Array ? '<f4' : '<f8';
  const tuple = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${tuple}, }`;
  // Pad with spaces so preamble + header (ending in '\n') is a multiple of 64, as NumPy does.
  header += ' '.repeat(ALIGN - ((PREAMBLE_V1 + header.length + 1) % ALIGN || ALIGN)) + '\n';
  if (header.length > 0xffff) throw new LangevinError('E_SHAPE', `npy shape: expected fewer dimensions, received ${shape.length}`, 'shape');
  const out = Buffer.alloc(PREAMBLE_V1 + header.length + data.byteLength);
  out.set(MAGIC, 0);
  out[6] = 1;
  out[7] = 0;
  out.writeUInt16LE(header.length, 8);
  out.write(header, PREAMBLE_V1, 'latin1');
  const body = out.subarray(PREAMBLE_V1 + header.length);
  if (LITTLE_ENDIAN_HOST) {
    body.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
  } else {
    const view = new DataView(body.buffer, body.byteOffset, body.byteLength);
    for (let i = 0; i < data.length; i++) {
      if (descr === '<f4') view.setFloat32(4 * i, data[i], true);
      else view.setFloat64(8 * i, data[i], true);
    }
  }
  return out;
}

/** Read a .npy file; errors (unreadable or malformed) are E_FILE and name the path. */
export function readNpyFile(path: string, options: { float64: true }): NpyArray<Float64Array>;
export function readNpyFile(path: string, options?: Omit<ReadNpyOptions, 'name'>): NpyArray;
export function readNpyFile(path: string, options: Omit<ReadNpyOptions, 'name'> = {}): NpyArray {
  // Regular files under the cap only: /dev/zero or a FIFO would exhaust memory or block.
  return readNpy(readBoundedSync(path, FILE_CAPS.npy), { ...options, name: path });
}

/**
 * Write a .npy file atomically: the bytes go to a temporary file in the same directory (same
 * filesystem, so rename is atomic) which replaces `path` only once complete. A crash or
 * cancellation part-way leaves either the old file or none, never a truncated one.
 */
export function writeNpyFile(path: string, data: Float32Array | Float64Array, shape: readonly number[]): void {
  const bytes = writeNpy(data, shape);
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  let fd: number | undefined;
  try {
    fd = openSync(tmp, 'wx', 0o644);
    let off = 0;
    while (off < bytes.length) off += writeSync(fd, bytes, off, bytes.length - off);
    fsyncSync(fd);
    closeSync(fd);
    fd = undefined;
    renameSync(tmp, path);
  } catch (err) {
    if (fd !== undefined) closeSync(fd);
    try {
      unlinkSync(tmp);
    } catch {
      // the temporary file was never created or is already gone
    }
    throw new LangevinError('E_FILE', `${path}: cannot write .npy file (${(err as Error).message})`, undefined, { cause: err });
  }
}
