// SPDX-License-Identifier: MIT
// The reproductions behind `langevin repro <name>`: each writes <out>/<name>.svg and <out>/<name>.json
// and resolves to the JSON-able result it wrote.
import { almcWarmstart } from './almc-warmstart.js';
import { dalmcKappa } from './dalmc-kappa.js';
import { gmmWeights } from './gmm-weights.js';
import { xgpFigure3 } from './xgp-figure3.js';
import type { ReproOptions, ReproResultBase } from './common.js';

export type { ReproOptions, ReproResultBase } from './common.js';
export { almcWarmstart, dalmcKappa, gmmWeights, xgpFigure3 };

export const REPROS = {
  'gmm-weights': { run: gmmWeights, description: 'exact vs sampled posterior mode weights on the demo GMM: LMC from one mode (mode collapse), LMC, ALMC, XGP, DALMC' },
  'almc-warmstart': { run: almcWarmstart, description: 'ALMC with vs without its warm start across κ, on the demo problem and a shifted copy' },
  'xgp-figure3': { run: xgpFigure3, description: 'XGP Figure 3: Var(X_t) of posterior Langevin from a prior sample dips to ≈ 0.505 (η² = 0.01)' },
  'dalmc-kappa': { run: dalmcKappa, description: 'DALMC bias vs path speed κ on a 4-mode GMM, with the κA/4 KL bound' },
} as const satisfies Record<string, { run: (o: ReproOptions) => Promise<ReproResultBase>; description: string }>;

export type ReproName = keyof typeof REPROS;
export const REPRO_NAMES = Object.keys(REPROS) as ReproName[];
