// SPDX-License-Identifier: MIT
// Bounded reads of user-named image files: stat first, regular files only, a size cap, and errors
// that name the field and the path but never quote the file's content.
import { readFileSync, statSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { LangevinError } from '../../errors.js';

/** Default cap on a file's size and on its decompressed size (1 GiB). */
export const MAX_IMAGE_FILE_BYTES = 2 ** 30;

/** Read `path` whole after checking it is a regular file of at most `maxBytes`. */
export function readBoundedFile(path: string, field: string, maxBytes = MAX_IMAGE_FILE_BYTES): Buffer {
  let size: number;
  try {
    const st = statSync(path);
    if (!st.isFile()) throw new LangevinError('E_FILE', `${field}: ${path} is not a regular file`, field);
    size = st.size;
  } catch (err) {
    if (err instanceof LangevinError) throw err;
    throw new LangevinError('E_FILE', `${field}: cannot read ${path} (${(err as NodeJS.ErrnoException).code ?? 'error'})`, field, { cause: err });
  }
  if (size > maxBytes) throw new LangevinError('E_FILE', `${field}: ${path} is ${size} bytes, over the ${maxBytes}-byte limit`, field);
  try {
    return readFileSync(path);
  } catch (err) {
    throw new LangevinError('E_FILE', `${field}: cannot read ${path} (${(err as NodeJS.ErrnoException).code ?? 'error'})`, field, { cause: err });
  }
}

/** gunzip when the bytes start with the gzip magic, with the output capped (no decompression bombs). */
export function maybeGunzip(buf: Buffer, path: string, field: string, maxBytes = MAX_IMAGE_FILE_BYTES): Buffer {
  if (buf.length < 2 || buf[0] !== 0x1f || buf[1] !== 0x8b) return buf;
  try {
    return gunzipSync(buf, { maxOutputLength: maxBytes });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ERR_BUFFER_TOO_LARGE' ? `decompresses to over ${maxBytes} bytes` : 'is not valid gzip data';
    throw new LangevinError('E_FILE', `${field}: ${path} ${why}`, field, { cause: err });
  }
}
