// SPDX-License-Identifier: MIT
// Raw JSON → validated, normalised Problem. Everything is checked here, before any sampling, so
// a malformed file fails fast with a message naming the field (README, "Problem file").
import { LangevinError } from '../errors.js';
import { FILE_CAPS, type FileAccess, readBoundedSync, referencedPath } from '../io/files.js';
import { jsonErrorPosition } from './jsonErrorOffset.js';
import type { GmmProblem, Problem, ProblemSpec } from '../types.js';
import { isGmmProblem } from '../types.js';
import { member, object, onlyKeys } from './check.js';
import { parseLikelihood } from './parseLikelihood.js';
import { parsePrior } from './parsePrior.js';

export interface ParseProblemOptions {
  /**
   * Refuse files the problem names (prior file, y .npy, ONNX model) outside `baseDir`, after
   * resolving symbolic links. Off by default in the library; the CLI turns it on.
   */
  confine?: boolean;
}

/**
 * Validate a parsed problem file. Synchronous: files it names are stat'ed, then read only if they
 * are regular files under the size caps (lib/io/files.ts), so it never blocks on a FIFO or device;
 * relative paths resolve against `baseDir`, default the working directory.
 * Throws LangevinError whose `field` is the JSON path of the offending value.
 * Typed input (ProblemSpec) for editors; JSON of unknown shape is accepted and checked the same.
 */
export function parseProblem(raw: ProblemSpec, baseDir?: string, options?: ParseProblemOptions): Problem;
export function parseProblem(raw: unknown, baseDir?: string, options?: ParseProblemOptions): Problem;
export function parseProblem(raw: unknown, baseDir: string = process.cwd(), options: ParseProblemOptions = {}): Problem {
  const access: FileAccess = { baseDir, confine: options.confine === true };
  const obj = object('', raw);
  onlyKeys('', obj, ['prior', 'likelihood']);
  const prior = parsePrior(priorJson(member(obj, 'prior'), access), 'prior', access);
  const rawLikelihood = member(obj, 'likelihood');
  if (rawLikelihood === undefined) return brand({ prior });
  return brand({ prior, likelihood: parseLikelihood(rawLikelihood, prior.dim, access) });
}

/** Problems that came out of parseProblem: sample() re-validates any other object it is handed. */
const parsed = new WeakSet<object>();

function brand(p: Problem): Problem {
  parsed.add(p);
  return p;
}

export function isParsedProblem(p: unknown): p is Problem {
  return typeof p === 'object' && p !== null && parsed.has(p);
}

/** The problem if its posterior has a closed form (a GMM prior); E_UNSUPPORTED otherwise. */
export function requireGmmProblem(problem: Problem, what: string): GmmProblem {
  if (isGmmProblem(problem)) return problem;
  throw new LangevinError('E_UNSUPPORTED', `${what} needs a Gaussian-mixture prior ('gmm' or 'gaussian'), not '${problem.prior.kind}'`, 'prior.type');
}

/** parseProblem for callers that need a GMM prior (exact posteriors, demos, reproductions). */
export function parseGmmProblem(raw: unknown, baseDir?: string): GmmProblem {
  return requireGmmProblem(parseProblem(raw, baseDir), 'this problem');
}

/** "prior": "file.json" names a prior written by `langevin fit-prior` (relative to the problem file). */
function priorJson(raw: unknown, access: FileAccess): unknown {
  if (typeof raw !== 'string') return raw;
  const path = referencedPath(access, raw, 'prior');
  const text = readBoundedSync(path, FILE_CAPS.json, 'prior').toString('utf8');
  try {
    return JSON.parse(text);
  } catch (err) {
    // Say where, never what: the message must not quote the file's bytes.
    throw new LangevinError('E_FILE', `prior: ${path} is not valid JSON (syntax error at ${jsonErrorPosition(text, err)})`, 'prior', { cause: err });
  }
}
