// SPDX-License-Identifier: MIT
// RNG stream ids. Every random draw is keyed by (seed, stream, chain, step, element); giving each
// purpose its own stream keeps draws independent and makes adding a phase never shift another's
// numbers. Phases of a sampler use PHASE_BASE + phase index.
export const Streams = {
  initNormals: 1, // initial states: normals
  initUniforms: 2, // initial states: mixture-component choices
  auxiliary: 3, // auxiliary observations (XGP) and other per-chain side draws
  convergence: 4, // convergence draws after sampling (diagnostics only)
  resample: 5, // reweighted samplers: one uniform per island and level for systematic resampling
  pilot: 6, // reweighted samplers: the pilot population that plans the levels (its own draws and moves)
  pilotResample: 7,
  moves: 8, // reweighted samplers: the Langevin moves between levels
  phaseBase: 16, // sampler phase i uses phaseBase + i
} as const;
