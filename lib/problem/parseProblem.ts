// SPDX-License-Identifier: MIT
// Raw JSON → validated, normalised Problem. Everything is checked here, before any sampling, so
// a malformed file fails fast with a message naming the field (DESIGN.md, "Errors").
import type { Problem } from '../types.js';
import { member, object, onlyKeys } from './check.js';
import { parseLikelihood } from './parseLikelihood.js';
import { parsePrior } from './parsePrior.js';

/**
 * Validate a parsed problem file. Synchronous (a `y: {npy}` file is read with readFileSync);
 * relative .npy paths resolve against `baseDir`, default the working directory.
 * Throws LangevinError whose `field` is the JSON path of the offending value.
 */
export function parseProblem(raw: unknown, baseDir: string = process.cwd()): Problem {
  const obj = object('', raw);
  onlyKeys('', obj, ['prior', 'likelihood']);
  const prior = parsePrior(member(obj, 'prior'));
  const rawLikelihood = member(obj, 'likelihood');
  if (rawLikelihood === undefined) return { prior };
  return { prior, likelihood: parseLikelihood(rawLikelihood, prior.dim, baseDir) };
}
