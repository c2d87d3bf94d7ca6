// SPDX-License-Identifier: MIT
// Raw JSON → validated, normalised Problem. Everything is checked here, before any sampling, so
// a malformed file fails fast with a message naming the field (README, "Problem file").
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { LangevinError } from '../errors.js';
import type { GmmProblem, Problem, ProblemSpec } from '../types.js';
import { isGmmProblem } from '../types.js';
import { member, object, onlyKeys } from './check.js';
import { parseLikelihood } from './parseLikelihood.js';
import { parsePrior } from './parsePrior.js';

/**
 * Validate a parsed problem file. Synchronous (a `y: {npy}` file is read with readFileSync);
 * relative .npy paths resolve against `baseDir`, default the working directory.
 * Throws LangevinError whose `field` is the JSON path of the offending value.
 */
/** Typed input (ProblemSpec) for editors; JSON of unknown shape is accepted and checked the same. */
export function parseProblem(raw: ProblemSpec, baseDir?: string): Problem;
export function parseProblem(raw: unknown, baseDir?: string): Problem;
export function parseProblem(raw: unknown, baseDir: string = process.cwd()): Problem {
  const obj = object('', raw);
  onlyKeys('', obj, ['prior', 'likelihood']);
  const prior = parsePrior(priorJson(member(obj, 'prior'), baseDir), 'prior', baseDir);
  const rawLikelihood = member(obj, 'likelihood');
  if (rawLikelihood === undefined) return { prior };
  return { prior, likelihood: parseLikelihood(rawLikelihood, prior.dim, baseDir) };
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
function priorJson(raw: unknown, baseDir: string): unknown {
  if (typeof raw !== 'string') return raw;
  const path = resolve(baseDir, raw);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new LangevinError('E_FILE', `prior: cannot read ${path} (${(err as Error).message})`, 'prior', { cause: err });
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new LangevinError('E_FILE', `prior: ${path} is not valid JSON (${(err as Error).message})`, 'prior', { cause: err });
  }
}
