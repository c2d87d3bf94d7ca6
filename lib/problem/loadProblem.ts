// SPDX-License-Identifier: MIT
// Problem file on disk → Problem. File and JSON syntax errors are E_FILE and say where.
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { LangevinError } from '../errors.js';
import type { Problem } from '../types.js';
import { jsonErrorOffset } from './jsonErrorOffset.js';
import { parseProblem } from './parseProblem.js';

/** Read, parse and validate a problem file; `y: {npy}` paths resolve relative to the file. */
export async function loadProblem(path: string): Promise<Problem> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new LangevinError('E_FILE', `${path}: cannot read problem file (${(err as Error).message})`, undefined, { cause: err });
  }
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1); // editors on Windows add a BOM
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new LangevinError('E_FILE', `${path}:${position(text, err)}: invalid JSON (${(err as Error).message})`, undefined, { cause: err });
  }
  return parseProblem(raw, dirname(resolve(path)));
}

/** "line:column" of a JSON syntax error. V8 names the offset only for some errors, so find it ourselves. */
function position(text: string, err: unknown): string {
  const fromMessage = /at position (\d+)/.exec(String((err as Error)?.message));
  const offset = fromMessage ? Number(fromMessage[1]) : jsonErrorOffset(text);
  const before = text.slice(0, offset).split('\n');
  return `${before.length}:${before[before.length - 1].length + 1}`;
}
