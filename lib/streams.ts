// SPDX-License-Identifier: MIT
// RNG stream ids. Every random draw is keyed by (seed, stream, chain, step, element); giving each
// purpose its own stream keeps draws independent and makes adding a phase never shift another's
// numbers. Phases of a sampler use PHASE_BASE + phase index.
export const Streams = {
  initNormals: 1, // initial states: normals
  initUniforms: 2, // initial states: mixture-component choices
  auxiliary: 3, // auxiliary observations (XGP) and other per-chain side draws
  convergence: 4, // convergence draws after sampling (diagnostics only)
  phaseBase: 16, // sampler phase i uses phaseBase + i
} as const;
