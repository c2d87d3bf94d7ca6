// SPDX-License-Identifier: MIT
// Public surface of problem parsing: raw JSON or a file path in, validated Problem out.
export { loadProblem } from './loadProblem.js';
export { parseProblem } from './parseProblem.js';
export { parsePrior } from './parsePrior.js';
export { parseLikelihood } from './parseLikelihood.js';
export { LIMITS } from './check.js';
