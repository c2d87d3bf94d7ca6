// SPDX-License-Identifier: MIT
// Bounded, non-blocking reads of the files a run names (problem, prior, y .npy, fit-prior inputs).
// Each file is stat'ed first: only regular files below a size cap are read, so /dev/zero cannot
// grow the heap and a FIFO or /dev/stdin cannot block the process. Error messages name the path
// and the reason, never bytes of the file.
import { realpathSync, statSync, readFileSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { isAbsolute, relative, resolve } from 'node:path';
import { LangevinError } from '../errors.js';

/** Largest file read, by kind: JSON text must fit one V8 string (≈ 512 MiB); .npy one Buffer. */
export const FILE_CAPS = { json: 2 ** 29 - 64, npy: 2 ** 31 } as const;

export interface FileAccess {
  /** Directory relative paths resolve against (the problem file's). */
  readonly baseDir: string;
  /** Refuse referenced files outside baseDir (after resolving symbolic links). */
  readonly confine?: boolean;
}

function fail(field: string | undefined, path: string, why: string, cause?: unknown, what = 'file'): LangevinError {
  return new LangevinError('E_FILE', field ? `${field}: cannot read ${path} (${why})` : `${path}: cannot read ${what} (${why})`, field, cause === undefined ? undefined : { cause });
}

/** Why a stat result may not be read, or undefined if it may. */
function refusal(st: { isFile(): boolean; isDirectory(): boolean; size: number }, cap: number): string | undefined {
  if (st.isDirectory()) return 'it is a directory';
  if (!st.isFile()) return 'not a regular file (devices, FIFOs and sockets are refused)';
  if (st.size > cap) return `${st.size} bytes, above the ${cap}-byte limit`;
  return undefined;
}

function reason(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  return e?.code === 'ENOENT' ? 'no such file' : e?.code ?? (e as Error)?.message ?? String(err);
}

/** Read a regular file of at most `cap` bytes, asynchronously. */
export async function readBounded(path: string, cap: number, field?: string, what?: string): Promise<Buffer> {
  let st;
  try {
    st = await stat(path);
  } catch (err) {
    throw fail(field, path, reason(err), err, what);
  }
  const why = refusal(st, cap);
  if (why) throw fail(field, path, why, undefined, what);
  try {
    const buf = await readFile(path);
    // The file may have grown between stat and read; the cap still holds.
    if (buf.length > cap) throw fail(field, path, `above the ${cap}-byte limit`, undefined, what);
    return buf;
  } catch (err) {
    if (err instanceof LangevinError) throw err;
    throw fail(field, path, reason(err), err, what);
  }
}

/** readBounded for synchronous callers (parseProblem): stat first, so it never blocks on a FIFO. */
export function readBoundedSync(path: string, cap: number, field?: string): Buffer {
  let st;
  try {
    st = statSync(path);
  } catch (err) {
    throw fail(field, path, reason(err), err);
  }
  const why = refusal(st, cap);
  if (why) throw fail(field, path, why);
  try {
    const buf = readFileSync(path);
    if (buf.length > cap) throw fail(field, path, `above the ${cap}-byte limit`);
    return buf;
  } catch (err) {
    if (err instanceof LangevinError) throw err;
    throw fail(field, path, reason(err), err);
  }
}

/**
 * Resolve a path named inside a problem file. With `confine`, it must lie inside baseDir once
 * symbolic links are resolved (a missing file is left to the reader to report).
 */
export function referencedPath(access: FileAccess, raw: string, field: string): string {
  const path = resolve(access.baseDir, raw);
  if (!access.confine) return path;
  let real = path;
  let base = resolve(access.baseDir);
  try {
    const both = [realpathSync(access.baseDir), realpathSync(path)];
    [base, real] = both;
  } catch {
    // not there: check the lexical path (the reader then reports the missing file)
  }
  const rel = relative(base, real);
  if (rel === '' || rel.startsWith('..') || isAbsolute(rel))
    throw new LangevinError('E_FILE', `${field}: ${raw} lies outside the problem file's directory ${access.baseDir} (referenced files are confined there; the CLI's --allow-outside-files lifts this)`, field);
  return path;
}
