// SPDX-License-Identifier: MIT
// Public API of langevin.
export { sample } from './sample.js';
export type { SampleResult, SampleSummary } from './sample.js';
export type { SampleOptions, SamplerName } from './options.js';
export { SAMPLER_NAMES } from './options.js';
export { loadProblem, parseProblem } from './problem/index.js';
export { exactPosterior, exactPosteriorOf, noisedPrior, gmmLogDensity, gmmScore } from './posterior.js';
export type { ExactPosterior } from './posterior.js';
export { LangevinError } from './errors.js';
export type { ErrorCode } from './errors.js';
export { readNpy, writeNpy, readNpyFile, writeNpyFile } from './npy.js';
export { backends, resolveDevice } from './device.js';
export type { Device, DeviceRequest } from './device.js';
export type { Problem, GmmPrior, Operator, Likelihood } from './types.js';
export type { Diagnostics } from './diagnostics.js';
export type { Progress } from './phase.js';
