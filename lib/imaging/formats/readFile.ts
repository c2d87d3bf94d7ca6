// SPDX-License-Identifier: MIT
// Bounded reads of user-named image files (lib/io/files.ts: stat first, regular files only, a size
// cap, errors that never quote content) and capped gunzip.
import { gunzipSync } from 'node:zlib';
import { LangevinError } from '../../errors.js';
import { readBoundedSync } from '../../io/files.js';

/** Default cap on a file's size and on its decompressed size (1 GiB). */
export const MAX_IMAGE_FILE_BYTES = 2 ** 30;

/** Read `path` whole after checking it is a regular file of at most `maxBytes` (lib/io/files.ts). */
export function readBoundedFile(path: string, field: string, maxBytes = MAX_IMAGE_FILE_BYTES): Buffer {
  return readBoundedSync(path, maxBytes, field);
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
