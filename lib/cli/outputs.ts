// SPDX-License-Identifier: MIT
// Output paths are checked before any work, so a run never finishes only to fail on a missing
// directory. The CLI replaces only regular files: a character device (/dev/null), a FIFO, a socket
// or a directory named as --out is refused, since an atomic rename would replace the device node
// itself with a regular file. Omit --out to write no samples.
import { accessSync, constants, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { LangevinError } from '../errors.js';

function fail(flag: string, path: string, why: string): LangevinError {
  return new LangevinError('E_FILE', `${flag}: cannot write ${path} (${why})`, flag);
}

function statOrUndefined(path: string): ReturnType<typeof statSync> | undefined {
  try {
    return statSync(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return undefined;
    if (code === 'ENOTDIR') throw err; // a parent is a file: reported by the caller
    throw err;
  }
}

function writableDir(flag: string, path: string, dir: string): void {
  let st;
  try {
    st = statOrUndefined(dir);
  } catch {
    throw fail(flag, path, `a parent of ${dir} is not a directory`);
  }
  if (!st) throw fail(flag, path, `directory ${dir} does not exist`);
  if (!st.isDirectory()) throw fail(flag, path, `${dir} is not a directory`);
  try {
    accessSync(dir, constants.W_OK | constants.X_OK);
  } catch {
    throw fail(flag, path, `directory ${dir} is not writable`);
  }
}

/** --out <file>: a non-empty path whose directory exists and is writable; if it exists, a regular file. */
export function checkOutputFile(flag: string, path: string | undefined): void {
  if (path === undefined) return;
  if (path === '') throw new LangevinError('E_OPTION', `${flag}: expected a file path, received an empty string`, flag);
  const abs = resolve(path);
  let st;
  try {
    st = statOrUndefined(abs);
  } catch {
    throw fail(flag, path, 'a parent directory is a file');
  }
  if (st && st.isDirectory()) throw fail(flag, path, 'it is a directory');
  if (st && !st.isFile()) throw fail(flag, path, 'not a regular file: devices, FIFOs and sockets are never replaced');
  writableDir(flag, path, dirname(abs));
}

/** --png/--out <dir>: an existing writable directory, or one that can be created under one. */
export function checkOutputDir(flag: string, path: string | undefined): void {
  if (path === undefined) return;
  if (path === '') throw new LangevinError('E_OPTION', `${flag}: expected a directory path, received an empty string`, flag);
  let dir = resolve(path);
  for (;;) {
    let st;
    try {
      st = statOrUndefined(dir);
    } catch {
      throw fail(flag, path, 'a parent directory is a file');
    }
    if (st) {
      if (!st.isDirectory()) throw fail(flag, path, `${dir} is not a directory`);
      writableDir(flag, path, dir);
      return;
    }
    const up = dirname(dir);
    if (up === dir) throw fail(flag, path, 'no existing parent directory');
    dir = up;
  }
}
