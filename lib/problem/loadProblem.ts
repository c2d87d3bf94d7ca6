// SPDX-License-Identifier: MIT
// Problem file on disk → Problem. File and JSON syntax errors are E_FILE and say where.
import { dirname, resolve } from 'node:path';
import { invalid, LangevinError } from '../errors.js';
import { FILE_CAPS, readBounded } from '../io/files.js';
import type { Problem } from '../types.js';
import { jsonErrorPosition } from './jsonErrorOffset.js';
import { parseProblem, type ParseProblemOptions } from './parseProblem.js';

/**
 * Read, parse and validate a problem file; `y: {npy}` paths resolve relative to the file. The
 * file is read asynchronously, only if it is a regular file under FILE_CAPS.json bytes.
 */
export async function loadProblem(path: string, options: ParseProblemOptions = {}): Promise<Problem> {
  if (typeof path !== 'string' || path === '') throw invalid('E_VALUE', 'path', 'a problem file path', path);
  let text = (await readBounded(path, FILE_CAPS.json, undefined, 'problem file')).toString('utf8');
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1); // editors on Windows add a BOM
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    // Position only: quoting the parser's message would leak the file's bytes.
    throw new LangevinError('E_FILE', `${path}:${jsonErrorPosition(text, err)}: invalid JSON`, undefined, { cause: err });
  }
  return parseProblem(raw, dirname(resolve(path)), options);
}
