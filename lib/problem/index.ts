// SPDX-License-Identifier: MIT
// Public surface of problem parsing: raw JSON or a file path in, validated Problem out.
export { loadProblem } from './loadProblem.js';
export { parseProblem, parseGmmProblem, requireGmmProblem } from './parseProblem.js';
export { parsePrior, parseGmmPrior } from './parsePrior.js';
export { parseLikelihood } from './parseLikelihood.js';
export { LIMITS } from './check.js';
